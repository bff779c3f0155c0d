import { acceptedFailoverIPs } from './accepted.js';
import { acceptedCondition, failoverIP } from './test-fixtures.js';

describe('acceptedFailoverIPs', () => {
  it('acts on accepted generations only; a pending one keeps its last accepted spec with the current status', () => {
    const v1 = failoverIP('web', ['198.51.100.1'], { generation: 1 });
    const first = acceptedFailoverIPs([v1, failoverIP('never', ['198.51.100.9'], { accepted: false })], new Map());
    expect(first.use.map((f) => f.name)).toEqual(['web']);
    expect(first.waiting).toEqual([{ key: 'default/never', generation: 1, heldFromGeneration: null }]);

    // generation 2 names another address; the status still says generation 1 was accepted
    const v2 = failoverIP('web', ['198.51.100.2'], { generation: 2, status: { conditions: [acceptedCondition(1)], desiredNode: 'node-b' } });
    const pending = acceptedFailoverIPs([v2], first.memory);
    expect(pending.use.map((f) => [f.generation, f.spec.addresses, f.status.desiredNode])).toEqual([[1, ['198.51.100.1'], 'node-b']]);
    expect(pending.waiting).toEqual([{ key: 'default/web', generation: 2, heldFromGeneration: 1 }]);

    const accepted = acceptedFailoverIPs([{ ...v2, status: { conditions: [acceptedCondition(2)] } }], pending.memory);
    expect(accepted.use.map((f) => f.spec.addresses)).toEqual([['198.51.100.2']]);
  });

  it('drops a generation the controller refused, and forgets deleted FailoverIPs', () => {
    const v1 = failoverIP('web', ['198.51.100.1']);
    const memory = acceptedFailoverIPs([v1], new Map()).memory;
    const refused = failoverIP('web', ['127.0.0.53'], { generation: 2, status: { conditions: [acceptedCondition(2, 'False')] } });
    expect(acceptedFailoverIPs([refused], memory).use).toEqual([]);
    expect(acceptedFailoverIPs([], memory).memory.size).toBe(0);
  });
});
