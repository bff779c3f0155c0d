import type { KubeObject } from './store.js';

/** Builders for the API objects tests feed the fake API server; JSON as the server sends it. */

export interface NodeSpecInput {
  readonly name: string;
  /** Condition type → status; `Ready: 'True'` unless given. */
  readonly conditions?: Readonly<Record<string, 'True' | 'False' | 'Unknown'>>;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly taints?: ReadonlyArray<{ key: string; effect: string; value?: string }>;
  readonly unschedulable?: boolean;
  readonly internalIP?: string;
  readonly externalIP?: string;
  readonly providerID?: string;
  /** Set to make the node look as if it were being deleted. */
  readonly deleting?: boolean;
  /** Heartbeat time of every condition (RFC 3339). */
  readonly heartbeat?: string;
}

export function makeNode(input: NodeSpecInput): KubeObject {
  const time = input.heartbeat ?? '2026-01-01T00:00:00Z';
  const conditions = { Ready: 'True', MemoryPressure: 'False', DiskPressure: 'False', PIDPressure: 'False', ...input.conditions };
  const addresses = [
    ...(input.internalIP === undefined ? [] : [{ type: 'InternalIP', address: input.internalIP }]),
    ...(input.externalIP === undefined ? [] : [{ type: 'ExternalIP', address: input.externalIP }]),
    { type: 'Hostname', address: input.name },
  ];
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: input.name,
      labels: { 'kubernetes.io/hostname': input.name, ...input.labels },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', ...input.annotations },
      ...(input.deleting === true ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: {
      ...(input.providerID === undefined ? {} : { providerID: input.providerID }),
      ...(input.unschedulable === true ? { unschedulable: true } : {}),
      ...(input.taints === undefined ? {} : { taints: input.taints.map((t) => ({ ...t })) }),
    },
    status: {
      conditions: Object.entries(conditions).map(([type, status]) => ({
        type,
        status,
        reason: `Kubelet${type}${status}`,
        message: `${type} is ${status}`,
        lastHeartbeatTime: time,
        lastTransitionTime: '2026-01-01T00:00:00Z',
      })),
      addresses,
      nodeInfo: { kubeletVersion: 'v1.32.0' },
    },
  };
}

/** The same node with every condition's heartbeat moved forward: what a kubelet writes every few seconds. */
export function heartbeat(node: KubeObject, time: string = new Date().toISOString().replace(/\.\d+Z$/, 'Z')): KubeObject {
  const copy = structuredClone(node);
  delete copy.metadata.resourceVersion;
  const status = copy['status'] as { conditions?: Array<Record<string, unknown>> } | undefined;
  for (const condition of status?.conditions ?? []) condition['lastHeartbeatTime'] = time;
  return copy;
}

export interface FailoverIPInput {
  readonly namespace?: string;
  readonly name: string;
  readonly addresses?: readonly string[];
  readonly providerType?: string;
  readonly secretName?: string;
  readonly nodeSelector?: Record<string, unknown>;
  readonly podSelector?: Record<string, unknown>;
  readonly policy?: Record<string, unknown>;
  readonly paused?: boolean;
  readonly dns?: Record<string, unknown>;
  readonly annotations?: Record<string, string>;
  readonly status?: Record<string, unknown>;
}

export function makeFailoverIP(input: FailoverIPInput): KubeObject {
  return {
    apiVersion: 'ipshift.dev/v1alpha1',
    kind: 'FailoverIP',
    metadata: { name: input.name, namespace: input.namespace ?? 'ipshift', ...(input.annotations === undefined ? {} : { annotations: input.annotations }) },
    spec: {
      addresses: [...(input.addresses ?? ['198.51.100.10'])],
      provider: { type: input.providerType ?? 'dry-run', secretRef: { name: input.secretName ?? 'ipshift-credentials' } },
      ...(input.nodeSelector === undefined ? {} : { nodeSelector: input.nodeSelector }),
      ...(input.podSelector === undefined ? {} : { podSelector: input.podSelector }),
      ...(input.policy === undefined ? {} : { policy: input.policy }),
      ...(input.paused === undefined ? {} : { paused: input.paused }),
      ...(input.dns === undefined ? {} : { dns: input.dns }),
    },
    ...(input.status === undefined ? {} : { status: input.status }),
  };
}

export interface PodInput {
  readonly namespace: string;
  readonly name: string;
  readonly nodeName?: string;
  readonly labels?: Record<string, string>;
  readonly ready?: boolean;
  readonly phase?: string;
}

export function makePod(input: PodInput): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: input.name, namespace: input.namespace, labels: { ...input.labels } },
    spec: { ...(input.nodeName === undefined ? {} : { nodeName: input.nodeName }), containers: [{ name: 'main', image: 'example' }] },
    status: {
      phase: input.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: input.ready === false ? 'False' : 'True' }],
    },
  };
}
