import { EXCLUDE_FROM_LB_LABEL } from './eligibility.js';
import type { OnCordon } from './model.js';
import { nodeFacts, type NodeSpec } from '../../test/support/node-facts.js';
import { NOW, passFailoverIP, runPass } from '../../test/support/decision-fixtures.js';

const GRACE = 120_000;

function decideFor(nodes: Record<string, NodeSpec>, onCordon: OnCordon | undefined, holderDegradedSince: number | null = null, now = NOW) {
  const fip = passFailoverIP('ipshift/web', {
    addresses: ['185.10.11.12'],
    assignedNode: 'a',
    cooldownMs: 0,
    gracePeriodMs: GRACE,
    holderDegradedSince,
    ...(onCordon === undefined ? {} : { onCordon }),
  });
  const [plan] = runPass({ now, nodes: Object.entries(nodes).map(([name, spec]) => nodeFacts(name, spec)), failoverIPs: [fip] }).plans;
  return { outcome: plan?.decision.outcome, reason: plan?.decision.reason, target: plan?.decision.target, since: plan?.holderDegradedSince };
}

const cordoned: NodeSpec = { unschedulable: true };

describe('spec.policy.onCordon through the decision pass', () => {
  it.each<[string, OnCordon | undefined, Record<string, NodeSpec>, { outcome: string; reason: string; target: string }]>([
    ['default (move): a cordoned holder moves at once', undefined, { a: cordoned, b: {} }, { outcome: 'move', reason: 'holder-draining', target: 'b' }],
    ['move: a cordoned holder moves at once', 'move', { a: cordoned, b: {} }, { outcome: 'move', reason: 'holder-draining', target: 'b' }],
    ['grace: a cordoned holder waits out the grace period', 'grace', { a: cordoned, b: {} }, { outcome: 'wait-grace', reason: 'holder-degraded', target: 'b' }],
    ['keep: a cordoned holder keeps the IP', 'keep', { a: cordoned, b: {} }, { outcome: 'keep', reason: 'holder-healthiest', target: 'a' }],
    [
      'keep: a cordoned node is as good a target as any',
      'keep',
      { a: { conditions: { Ready: 'False' } }, b: cordoned },
      { outcome: 'move', reason: 'holder-down', target: 'b' },
    ],
    [
      'move: a cordoned node is a worse target than a healthy one',
      'move',
      { a: { conditions: { Ready: 'False' } }, b: cordoned, c: {} },
      { outcome: 'move', reason: 'holder-down', target: 'c' },
    ],
    [
      'grace: a down holder still moves at once',
      'grace',
      { a: { unschedulable: true, conditions: { Ready: 'False' } }, b: {} },
      { outcome: 'move', reason: 'holder-down', target: 'b' },
    ],
  ])('%s', (_desc, onCordon, nodes, expected) => {
    expect(decideFor(nodes, onCordon)).toMatchObject(expected);
  });

  it('grace: the holder moves once the grace period since the cordon has passed', () => {
    const first = decideFor({ a: cordoned, b: {} }, 'grace');
    expect(first.since).toBe(NOW);
    expect(decideFor({ a: cordoned, b: {} }, 'grace', NOW, NOW + GRACE)).toMatchObject({ outcome: 'move', reason: 'holder-degraded', target: 'b' });
  });
});

describe(`the ${EXCLUDE_FROM_LB_LABEL} label`, () => {
  it.each(['', 'true'])('makes a node ineligible whatever its value (%j), as for LoadBalancer Services', (value) => {
    const excluded: NodeSpec = { labels: { [EXCLUDE_FROM_LB_LABEL]: value } };
    expect(decideFor({ a: excluded, b: {} }, undefined)).toMatchObject({ outcome: 'move', reason: 'holder-ineligible', target: 'b' });
    expect(decideFor({ a: { conditions: { Ready: 'False' } }, b: excluded }, undefined)).toMatchObject({ outcome: 'no-eligible-node', target: 'a' });
  });
});
