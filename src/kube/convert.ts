import { failoverIPSpecSchema, failoverIPStatusSchema } from '../core/failover-ip-schema.js';
import type { ConditionStatus, FailoverIPObject, NodeFacts, Taint } from '../core/model.js';
import { asArray, asObject, asString, isDeleting, isObject, namespacedObject, stringMap } from './json-fields.js';

/**
 * API objects → the plain types of src/core/model.ts. Input is either raw JSON from a watch
 * stream or a typed-client object (dates as Date); only strings, numbers and presence are read,
 * so both shapes convert the same.
 */

function conditionStatus(value: unknown): ConditionStatus {
  return value === 'True' || value === 'False' ? value : 'Unknown';
}

export interface ObjectRef {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
}

export function objectRef(raw: unknown): ObjectRef | null {
  const metadata = asObject(asObject(raw)['metadata']);
  const name = asString(metadata['name']);
  if (name === undefined) return null;
  return {
    namespace: asString(metadata['namespace']) ?? '',
    name,
    uid: asString(metadata['uid']) ?? '',
    resourceVersion: asString(metadata['resourceVersion']) ?? '',
  };
}

export function toNodeFacts(raw: unknown): NodeFacts | null {
  const obj = asObject(raw);
  const metadata = asObject(obj['metadata']);
  const spec = asObject(obj['spec']);
  const status = asObject(obj['status']);
  const name = asString(metadata['name']);
  if (name === undefined) return null;
  const conditions: Record<string, ConditionStatus> = {};
  for (const c of asArray(status['conditions'])) {
    const type = asString(asObject(c)['type']);
    if (type !== undefined) conditions[type] = conditionStatus(asObject(c)['status']);
  }
  const taints: Taint[] = [];
  for (const t of asArray(spec['taints'])) {
    const key = asString(asObject(t)['key']);
    const effect = asString(asObject(t)['effect']);
    const value = asString(asObject(t)['value']);
    if (key !== undefined && effect !== undefined) taints.push(value === undefined || value === '' ? { key, effect } : { key, effect, value });
  }
  // InternalIPs first: ipshift's own node probe connects to the first address, over the private network.
  const addresses: string[] = [];
  for (const wanted of ['InternalIP', 'ExternalIP']) {
    for (const a of asArray(status['addresses'])) {
      const address = asString(asObject(a)['address']);
      if (asObject(a)['type'] === wanted && address !== undefined && !addresses.includes(address)) addresses.push(address);
    }
  }
  const externalAddresses = asArray(status['addresses'])
    .filter((a) => asObject(a)['type'] === 'ExternalIP')
    .map((a) => asString(asObject(a)['address']))
    .filter((a): a is string => a !== undefined);
  const providerID = asString(spec['providerID']);
  return {
    name,
    labels: stringMap(metadata['labels']),
    annotations: stringMap(metadata['annotations']),
    addresses,
    ...(externalAddresses.length === 0 ? {} : { externalAddresses }),
    ...(providerID === undefined || providerID === '' ? {} : { providerID }),
    conditions,
    taints,
    unschedulable: spec['unschedulable'] === true,
    deleting: isDeleting(metadata),
  };
}

export type FailoverIPParse = { readonly ok: true; readonly fip: FailoverIPObject } | { readonly ok: false; readonly problem: string };

/**
 * A FailoverIP through its one schema (failover-ip-schema.ts): the spec must match it, or the
 * object is refused whole (a dropped selector term would widen the selector); the status is
 * validated field by field, a bad field reading as absent.
 */
export function parseFailoverIP(raw: unknown): FailoverIPParse {
  const object = namespacedObject(raw);
  if (object === null) return { ok: false, problem: 'metadata.name and metadata.namespace are required' };
  const { obj, metadata, name, namespace } = object;
  const spec = failoverIPSpecSchema.safeParse(obj['spec']);
  if (!spec.success) {
    const issue = spec.error.issues[0];
    return { ok: false, problem: `spec.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` };
  }
  const status = failoverIPStatusSchema.safeParse(isObject(obj['status']) ? obj['status'] : {});
  return {
    ok: true,
    fip: {
      namespace,
      name,
      generation: typeof metadata['generation'] === 'number' ? metadata['generation'] : 0,
      annotations: stringMap(metadata['annotations']),
      spec: { ...spec.data, policy: spec.data.policy ?? {}, paused: spec.data.paused === true },
      status: status.success ? status.data : {},
    },
  };
}

/** What the adapter needs to know of a Pod to answer nodesWithReadyPods. */
export interface PodFacts {
  readonly namespace: string;
  readonly name: string;
  readonly nodeName: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
  /** Running, Ready=True and not being deleted. */
  readonly ready: boolean;
}

export function toPodFacts(raw: unknown): PodFacts | null {
  const object = namespacedObject(raw);
  if (object === null) return null;
  const { obj, metadata, name, namespace } = object;
  const status = asObject(obj['status']);
  const readyCondition = asArray(status['conditions'])
    .map(asObject)
    .find((c) => c['type'] === 'Ready');
  const deleting = isDeleting(metadata);
  return {
    namespace,
    name,
    nodeName: asString(asObject(obj['spec'])['nodeName']),
    labels: stringMap(metadata['labels']),
    ready: status['phase'] === 'Running' && readyCondition?.['status'] === 'True' && !deleting,
  };
}
