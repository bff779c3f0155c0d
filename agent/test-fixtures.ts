import type { FailoverIPObject, FailoverIPSpec, FailoverIPStatus, NodeFacts } from '../src/core/model.js';

/** Builders for the agent's tests: only the fields a test cares about need naming. */
export function nodeFacts(name: string, overrides: Partial<NodeFacts> = {}): NodeFacts {
  return {
    name,
    labels: {},
    annotations: {},
    addresses: [],
    conditions: { Ready: 'True' },
    taints: [],
    unschedulable: false,
    deleting: false,
    ...overrides,
  };
}

export function failoverIP(
  name: string,
  addresses: readonly string[],
  options: { nodeSelector?: FailoverIPSpec['nodeSelector']; status?: FailoverIPStatus; namespace?: string } = {},
): FailoverIPObject {
  return {
    namespace: options.namespace ?? 'default',
    name,
    generation: 1,
    annotations: {},
    spec: {
      addresses,
      provider: { type: 'dry-run', secretRef: { name: 'unused' } },
      ...(options.nodeSelector === undefined ? {} : { nodeSelector: options.nodeSelector }),
    },
    status: options.status ?? {},
  };
}
