import { createPassMemo, type PassFailoverIP } from './plan.js';
import { nodeFacts } from '../../test/support/node-facts.js';
import { NOW, passFailoverIP, runPass } from '../../test/support/decision-fixtures.js';

/** The ready endpoints of a Local-policy LoadBalancer Service, as an eligibility rule of the one decision path. */

const nodes = ['a', 'b', 'c'].map((n) => nodeFacts(n));

const fip = (overrides: Partial<PassFailoverIP> = {}): PassFailoverIP =>
  passFailoverIP('ipshift/web', { addresses: ['198.51.100.10'], assignedNode: 'a', ...overrides });

const plan = (f: PassFailoverIP, memo = createPassMemo()) => {
  const only = runPass({ nodes, failoverIPs: [f], memo }).plans[0];
  if (only === undefined) throw new Error('no plan');
  return only;
};

describe('readyEndpointNodes', () => {
  it('a holder without a ready endpoint is ineligible and the IP moves to a node with one', () => {
    const { decision, candidates } = plan(fip({ readyEndpointNodes: new Set(['b']) }));
    expect(decision).toMatchObject({ outcome: 'move', reason: 'holder-ineligible', target: 'b' });
    expect(decision.message).toContain('no-ready-endpoint');
    expect(candidates.map((c) => [c.name, c.ineligibility])).toEqual([
      ['a', 'no-ready-endpoint'],
      ['b', null],
      ['c', 'no-ready-endpoint'],
    ]);
  });

  it('moves under the same cooldown as every other move', () => {
    const { decision } = plan(fip({ readyEndpointNodes: new Set(['c']), lastMoveAt: NOW - 60_000 }));
    expect(decision).toMatchObject({ outcome: 'wait-cooldown', reason: 'holder-ineligible', target: 'c', retryAt: NOW + 240_000 });
  });

  it('with no ready endpoint anywhere the holder keeps the IP (no eligible node)', () => {
    expect(plan(fip({ readyEndpointNodes: new Set() })).decision).toMatchObject({ outcome: 'no-eligible-node', target: 'a' });
  });

  it('keeps a holder that has an endpoint, and no constraint at all leaves every node eligible', () => {
    expect(plan(fip({ readyEndpointNodes: new Set(['a', 'c']) })).decision).toMatchObject({ outcome: 'keep', reason: 'holder-healthiest' });
    expect(plan(fip()).candidates.every((c) => c.eligible)).toBe(true);
  });

  it('a candidate list reused from the last pass never hides a changed endpoint set', () => {
    const memo = createPassMemo();
    expect(plan(fip({ readyEndpointNodes: new Set(['a']) }), memo).decision.outcome).toBe('keep');
    expect(plan(fip({ readyEndpointNodes: new Set(['b']) }), memo).decision).toMatchObject({ outcome: 'move', target: 'b' });
  });
});
