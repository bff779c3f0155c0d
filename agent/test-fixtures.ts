import type { FailoverIPObject, FailoverIPSpec, FailoverIPStatus, NodeFacts } from '../src/core/model.js';
import { nodeFacts as baseNodeFacts } from '../test/support/node-facts.js';

/** Builders for the agent's tests: only the fields a test cares about need naming. */

/** A healthy node (test/support/node-facts.ts) with no labels unless given. */
export function nodeFacts(name: string, overrides: Partial<NodeFacts> = {}): NodeFacts {
  return { ...baseNodeFacts(name), labels: {}, ...overrides };
}

export function failoverIP(
  name: string,
  addresses: readonly string[],
  options: { nodeSelector?: FailoverIPSpec['nodeSelector']; status?: FailoverIPStatus; namespace?: string; generation?: number; accepted?: boolean } = {},
): FailoverIPObject {
  const generation = options.generation ?? 1;
  return {
    namespace: options.namespace ?? 'default',
    name,
    generation,
    annotations: {},
    spec: {
      addresses,
      provider: { type: 'dry-run', secretRef: { name: 'unused' } },
      ...(options.nodeSelector === undefined ? {} : { nodeSelector: options.nodeSelector }),
    },
    // The controller accepted this generation, unless the test says otherwise.
    status: { ...(options.accepted === false ? {} : { conditions: [acceptedCondition(generation)] }), ...options.status },
  };
}

export function acceptedCondition(generation: number, status: 'True' | 'False' = 'True') {
  return {
    type: 'Accepted' as const,
    status,
    reason: status === 'True' ? 'Accepted' : 'Invalid',
    message: `generation ${generation}`,
    lastTransitionTime: '2026-12-01T00:00:00Z',
    observedGeneration: generation,
  };
}
