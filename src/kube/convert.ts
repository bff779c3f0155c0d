import {
  PROVIDER_TYPES,
  type ConditionStatus,
  type FailoverIPObject,
  type FailoverIPStatus,
  type LabelSelector,
  type LabelSelectorRequirement,
  type NodeFacts,
  type PodSelector,
  type ProviderType,
  type Taint,
} from '../core/model.js';

/**
 * API objects → the plain types of src/core/model.ts. Input is either raw JSON from a watch
 * stream or a typed-client object (dates as Date); only strings, numbers and presence are read,
 * so both shapes convert the same.
 */

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const asObject = (value: unknown): Json => (isObject(value) ? value : {});
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function stringMap(value: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, v] of Object.entries(asObject(value))) if (typeof v === 'string') result[key] = v;
  return result;
}

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
  const providerID = asString(spec['providerID']);
  return {
    name,
    labels: stringMap(metadata['labels']),
    annotations: stringMap(metadata['annotations']),
    addresses,
    ...(providerID === undefined || providerID === '' ? {} : { providerID }),
    conditions,
    taints,
    unschedulable: spec['unschedulable'] === true,
    deleting: metadata['deletionTimestamp'] !== undefined && metadata['deletionTimestamp'] !== null,
  };
}

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

function toLabelSelector(raw: unknown): LabelSelector | undefined {
  if (!isObject(raw)) return undefined;
  const matchExpressions: LabelSelectorRequirement[] = [];
  for (const e of asArray(raw['matchExpressions'])) {
    const key = asString(asObject(e)['key']);
    const operator = asObject(e)['operator'];
    const values = asArray(asObject(e)['values']).filter((v): v is string => typeof v === 'string');
    if (key === undefined || !OPERATORS.includes(operator as (typeof OPERATORS)[number])) continue;
    matchExpressions.push({ key, operator: operator as LabelSelectorRequirement['operator'], ...(values.length > 0 ? { values } : {}) });
  }
  const matchLabels = stringMap(raw['matchLabels']);
  return {
    ...(Object.keys(matchLabels).length > 0 ? { matchLabels } : {}),
    ...(matchExpressions.length > 0 ? { matchExpressions } : {}),
  };
}

function toPodSelector(raw: unknown): PodSelector | undefined {
  if (!isObject(raw)) return undefined;
  const namespace = asString(raw['namespace']);
  if (namespace === undefined || namespace === '') return undefined;
  return { namespace, ...toLabelSelector(raw) };
}

const nonNegative = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined);

/** Status is passed through as stored: it is ours, written by patchStatus. */
function toStatus(raw: unknown): FailoverIPStatus {
  return isObject(raw) ? (raw as FailoverIPStatus) : {};
}

/** null when the object lacks what the CRD schema requires (an older or hand-edited object). */
export function toFailoverIP(raw: unknown): FailoverIPObject | null {
  const obj = asObject(raw);
  const metadata = asObject(obj['metadata']);
  const spec = asObject(obj['spec']);
  const name = asString(metadata['name']);
  const namespace = asString(metadata['namespace']);
  const addresses = asArray(spec['addresses']).filter((a): a is string => typeof a === 'string');
  const provider = asObject(spec['provider']);
  const type = provider['type'];
  const secretName = asString(asObject(provider['secretRef'])['name']);
  if (name === undefined || namespace === undefined || addresses.length === 0) return null;
  if (!PROVIDER_TYPES.includes(type as ProviderType) || secretName === undefined) return null;
  const policyRaw = asObject(spec['policy']);
  const cooldownSeconds = nonNegative(policyRaw['cooldownSeconds']);
  const gracePeriodSeconds = nonNegative(policyRaw['gracePeriodSeconds']);
  const spread = typeof policyRaw['spread'] === 'boolean' ? policyRaw['spread'] : undefined;
  const nodeSelector = toLabelSelector(spec['nodeSelector']);
  const podSelector = toPodSelector(spec['podSelector']);
  return {
    namespace,
    name,
    generation: typeof metadata['generation'] === 'number' ? metadata['generation'] : 0,
    annotations: stringMap(metadata['annotations']),
    spec: {
      addresses,
      provider: { type: type as ProviderType, secretRef: { name: secretName } },
      ...(nodeSelector === undefined ? {} : { nodeSelector }),
      ...(podSelector === undefined ? {} : { podSelector }),
      policy: {
        ...(cooldownSeconds === undefined ? {} : { cooldownSeconds }),
        ...(gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds }),
        ...(spread === undefined ? {} : { spread }),
      },
      paused: spec['paused'] === true,
    },
    status: toStatus(obj['status']),
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
  const obj = asObject(raw);
  const metadata = asObject(obj['metadata']);
  const status = asObject(obj['status']);
  const name = asString(metadata['name']);
  const namespace = asString(metadata['namespace']);
  if (name === undefined || namespace === undefined) return null;
  const readyCondition = asArray(status['conditions'])
    .map(asObject)
    .find((c) => c['type'] === 'Ready');
  const deleting = metadata['deletionTimestamp'] !== undefined && metadata['deletionTimestamp'] !== null;
  return {
    namespace,
    name,
    nodeName: asString(asObject(obj['spec'])['nodeName']),
    labels: stringMap(metadata['labels']),
    ready: status['phase'] === 'Running' && readyCondition?.['status'] === 'True' && !deleting,
  };
}
