/**
 * The data the core reasons about. Plain values, independent of any client library:
 * the Kubernetes adapter converts API objects into these, tests build them by hand.
 */
import type { z } from 'zod';
import { PROVIDER_TYPES, type failoverIPSpecSchema, type failoverIPStatusSchema } from './failover-ip-schema.js';

export { PROVIDER_TYPES };
export type ProviderType = (typeof PROVIDER_TYPES)[number];

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Taint {
  readonly key: string;
  readonly effect: string;
  readonly value?: string;
}

/** What the core needs to know about one Kubernetes Node. */
export interface NodeFacts {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** InternalIP addresses, then ExternalIP addresses. */
  readonly addresses: readonly string[];
  /** The ExternalIP entries among `addresses` (absent: none is known to be one). */
  readonly externalAddresses?: readonly string[];
  readonly providerID?: string;
  /** Condition type → status; a missing type is simply absent. */
  readonly conditions: Readonly<Record<string, ConditionStatus>>;
  readonly taints: readonly Taint[];
  readonly unschedulable: boolean;
  /** metadata.deletionTimestamp is set. */
  readonly deleting: boolean;
}

type DeepReadonly<T> = T extends (infer E)[] ? readonly DeepReadonly<E>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

/** The FailoverIP spec, as its one schema (failover-ip-schema.ts) defines it. */
export type FailoverIPSpec = DeepReadonly<z.output<typeof failoverIPSpecSchema>>;
/** A standard Kubernetes LabelSelector. An empty selector selects everything. */
export type LabelSelector = NonNullable<FailoverIPSpec['nodeSelector']>;
export type PodSelector = NonNullable<FailoverIPSpec['podSelector']>;
export type FailoverIPPolicy = NonNullable<FailoverIPSpec['policy']>;
export type OnCordon = NonNullable<FailoverIPPolicy['onCordon']>;

/** All times are RFC 3339 strings, as stored in the object's status. */
export type FailoverIPStatus = DeepReadonly<z.output<typeof failoverIPStatusSchema>>;
export type StatusCondition = NonNullable<FailoverIPStatus['conditions']>[number];

export const MOVE_TO_ANNOTATION = 'ipshift.dev/move-to';
export const SERVER_ID_ANNOTATION = 'ipshift.dev/server-id';
export const PRIMARY_MAC_ANNOTATION = 'ipshift.dev/primary-mac';

export interface FailoverIPObject {
  readonly namespace: string;
  readonly name: string;
  readonly generation: number;
  readonly annotations: Readonly<Record<string, string>>;
  readonly spec: FailoverIPSpec;
  readonly status: FailoverIPStatus;
}

/** `namespace/name`: how a FailoverIP is named in state, logs and the `failover_ip` metric label. */
export const failoverIPKey = (fip: { readonly namespace: string; readonly name: string }): string => `${fip.namespace}/${fip.name}`;
