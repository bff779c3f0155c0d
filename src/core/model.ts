/**
 * The data the core reasons about. Plain values, independent of any client library:
 * the Kubernetes adapter converts API objects into these, tests build them by hand.
 */

export const PROVIDER_TYPES = ['netcup', 'hetzner-cloud', 'hetzner-robot', 'digitalocean', 'dry-run'] as const;
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
  readonly providerID?: string;
  /** Condition type → status; a missing type is simply absent. */
  readonly conditions: Readonly<Record<string, ConditionStatus>>;
  readonly taints: readonly Taint[];
  readonly unschedulable: boolean;
  /** metadata.deletionTimestamp is set. */
  readonly deleting: boolean;
}

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values?: readonly string[];
}

/** A standard Kubernetes LabelSelector. An empty selector selects everything. */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

export interface PodSelector extends LabelSelector {
  readonly namespace: string;
}

export interface FailoverIPPolicy {
  /** Minimum time between two moves; default: the provider's own minimum. */
  readonly cooldownSeconds?: number;
  /** How long a degraded-but-serving holder keeps the IP before a move. */
  readonly gracePeriodSeconds?: number;
  /** Prefer nodes holding no other FailoverIP. Default true. */
  readonly spread?: boolean;
}

export interface FailoverIPSpec {
  readonly addresses: readonly string[];
  readonly provider: { readonly type: ProviderType; readonly secretRef: { readonly name: string } };
  readonly nodeSelector?: LabelSelector;
  readonly podSelector?: PodSelector;
  readonly policy?: FailoverIPPolicy;
  readonly paused?: boolean;
}

export interface LastDecision {
  readonly outcome: string;
  readonly reason: string;
  readonly message: string;
  /** RFC 3339. */
  readonly time: string;
}

export interface StatusCondition {
  readonly type: 'Routed' | 'Degraded' | 'Blocked';
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
  readonly observedGeneration?: number;
}

/** All times are RFC 3339 strings, as stored in the object's status. */
export interface FailoverIPStatus {
  readonly assignedNode?: string | null;
  readonly desiredNode?: string | null;
  readonly lastMoveTime?: string | null;
  readonly nextMoveAllowedAt?: string | null;
  readonly lastSyncAttempt?: string | null;
  readonly lastSyncSuccess?: string | null;
  readonly observedGeneration?: number;
  readonly lastDecision?: LastDecision;
  readonly conditions?: readonly StatusCondition[];
}

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
