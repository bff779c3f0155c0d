import { decide, degradedSince, type DecisionInput } from './decide.js';
import type { Candidate } from './eligibility.js';
import type { AlertClass } from './alert-policy.js';
import { seededRandom, shuffled, type NodeSpec } from '../../test/support/node-facts.js';
import { decisionInput, nodeCandidate, NOW } from '../../test/support/decision-fixtures.js';

const MIN = 60_000;

interface NodeRow {
  spec?: NodeSpec;
  alerts?: AlertClass[];
  selected?: boolean;
}

const candidates = (nodes: Record<string, NodeRow>): Candidate[] =>
  Object.entries(nodes).map(([name, row]) => nodeCandidate(name, row.spec, row.alerts, row.selected));

/** default/web on a, with a 5-minute cooldown and a 2-minute grace period. */
const input = (nodes: Record<string, NodeRow>, overrides: Partial<DecisionInput> = {}): DecisionInput =>
  decisionInput(candidates(nodes), { cooldownMs: 5 * MIN, gracePeriodMs: 2 * MIN, ...overrides });

const down: NodeRow = { spec: { conditions: { Ready: 'False' } } };
const healthy: NodeRow = {};
const disk: NodeRow = { spec: { conditions: { DiskPressure: 'True' } } };
const memory: NodeRow = { spec: { conditions: { MemoryPressure: 'True' } } };
const cordoned: NodeRow = { spec: { unschedulable: true } };

describe('decide: one rule per row', () => {
  it.each<{
    desc: string;
    nodes: Record<string, NodeRow>;
    overrides?: Partial<DecisionInput>;
    outcome: string;
    reason: string;
    target: string | null;
    retryAt?: number | null;
  }>([
    { desc: 'healthy holder stays', nodes: { a: healthy, b: healthy }, outcome: 'keep', reason: 'holder-healthiest', target: 'a' },
    { desc: 'equal (degraded) health never moves', nodes: { a: disk, b: disk }, outcome: 'keep', reason: 'holder-healthiest', target: 'a' },
    { desc: 'a worse candidate never attracts the IP', nodes: { a: disk, b: memory }, outcome: 'keep', reason: 'holder-healthiest', target: 'a' },
    { desc: 'down holder moves at once', nodes: { a: down, b: healthy }, outcome: 'move', reason: 'holder-down', target: 'b' },
    { desc: 'down alert on the holder moves at once', nodes: { a: { alerts: ['down'] }, b: healthy }, outcome: 'move', reason: 'holder-down', target: 'b' },
    { desc: 'down holder goes to the healthiest, not the first', nodes: { a: down, b: disk, c: healthy }, outcome: 'move', reason: 'holder-down', target: 'c' },
    { desc: 'down holder goes to a degraded node rather than stay', nodes: { a: down, b: disk }, outcome: 'move', reason: 'holder-down', target: 'b' },
    {
      desc: 'down holder, every other node down: keep and say so',
      nodes: { a: down, b: down },
      outcome: 'no-eligible-node',
      reason: 'holder-down',
      target: 'a',
    },
    { desc: 'deleted holder moves', nodes: { a: { spec: { deleting: true } }, b: healthy }, outcome: 'move', reason: 'holder-ineligible', target: 'b' },
    { desc: 'holder no longer selected moves', nodes: { a: { selected: false }, b: healthy }, outcome: 'move', reason: 'holder-ineligible', target: 'b' },
    { desc: 'unselected nodes are never targets', nodes: { a: down, b: { selected: false } }, outcome: 'no-eligible-node', reason: 'holder-down', target: 'a' },
    { desc: 'holder that is no node of ours moves', nodes: { b: healthy }, outcome: 'move', reason: 'unrouted', target: 'b' },
    { desc: 'unrouted IP gets routed', nodes: { a: healthy }, overrides: { assignedNode: null }, outcome: 'move', reason: 'unrouted', target: 'a' },
    {
      desc: 'unrouted IP with no eligible node',
      nodes: { a: down },
      overrides: { assignedNode: null },
      outcome: 'no-eligible-node',
      reason: 'unrouted',
      target: null,
    },
    { desc: 'cordoned holder drains at once', nodes: { a: cordoned, b: healthy }, outcome: 'move', reason: 'holder-draining', target: 'b' },
    { desc: 'drain alert drains at once', nodes: { a: { alerts: ['drain'] }, b: healthy }, outcome: 'move', reason: 'holder-draining', target: 'b' },
    { desc: 'cordoned holder with only cordoned peers stays', nodes: { a: cordoned, b: cordoned }, outcome: 'keep', reason: 'holder-healthiest', target: 'a' },
    {
      desc: 'degraded holder waits for the grace period',
      nodes: { a: disk, b: healthy },
      outcome: 'wait-grace',
      reason: 'holder-degraded',
      target: 'b',
      retryAt: NOW + 2 * MIN,
    },
    {
      desc: 'degraded holder moves once the grace period is over',
      nodes: { a: disk, b: healthy },
      overrides: { holderDegradedSince: NOW - 2 * MIN },
      outcome: 'move',
      reason: 'holder-degraded',
      target: 'b',
    },
    {
      desc: 'info alerts never move the IP by themselves',
      nodes: { a: { alerts: ['info', 'info'] }, b: healthy },
      outcome: 'keep',
      reason: 'holder-healthiest',
      target: 'a',
    },
    { desc: 'info alerts rank candidates', nodes: { a: down, b: { alerts: ['info'] }, c: healthy }, outcome: 'move', reason: 'holder-down', target: 'c' },
    {
      desc: 'down holder inside the cooldown waits for its end',
      nodes: { a: down, b: healthy },
      overrides: { lastMoveAt: NOW - 1 * MIN },
      outcome: 'wait-cooldown',
      reason: 'holder-down',
      target: 'b',
      retryAt: NOW + 4 * MIN,
    },
    {
      desc: 'a provider block counts like the cooldown',
      nodes: { a: down, b: healthy },
      overrides: { blockedUntil: NOW + 30_000 },
      outcome: 'wait-cooldown',
      reason: 'holder-down',
      target: 'b',
      retryAt: NOW + 30_000,
    },
    { desc: 'paused freezes a move', nodes: { a: down, b: healthy }, overrides: { paused: true }, outcome: 'paused', reason: 'paused', target: 'b' },
    {
      desc: 'paused keeps a healthy holder as keep',
      nodes: { a: healthy, b: healthy },
      overrides: { paused: true },
      outcome: 'keep',
      reason: 'holder-healthiest',
      target: 'a',
    },
    {
      desc: 'manual move to an eligible node',
      nodes: { a: healthy, b: disk },
      overrides: { moveTo: 'b' },
      outcome: 'move',
      reason: 'manual-move',
      target: 'b',
    },
    {
      desc: 'manual move honours the cooldown',
      nodes: { a: healthy, b: healthy },
      overrides: { moveTo: 'b', lastMoveAt: NOW - MIN },
      outcome: 'wait-cooldown',
      reason: 'manual-move',
      target: 'b',
      retryAt: NOW + 4 * MIN,
    },
    { desc: 'manual move already done', nodes: { a: healthy, b: healthy }, overrides: { moveTo: 'a' }, outcome: 'keep', reason: 'manual-move', target: 'a' },
    {
      desc: 'manual move to an ineligible node is ignored',
      nodes: { a: healthy, b: down },
      overrides: { moveTo: 'b' },
      outcome: 'keep',
      reason: 'manual-target-ineligible',
      target: 'a',
    },
    {
      desc: 'manual move to an unknown node is ignored',
      nodes: { a: healthy },
      overrides: { moveTo: 'zz' },
      outcome: 'keep',
      reason: 'manual-target-ineligible',
      target: 'a',
    },
    {
      desc: 'manual move to a down node does not stop a failover',
      nodes: { a: down, b: down, c: healthy },
      overrides: { moveTo: 'b' },
      outcome: 'move',
      reason: 'holder-down',
      target: 'c',
    },
  ])('$desc', ({ nodes, overrides, outcome, reason, target, retryAt }) => {
    const decision = decide(input(nodes, overrides));
    expect({ outcome: decision.outcome, reason: decision.reason, target: decision.target }).toEqual({ outcome, reason, target });
    if (retryAt !== undefined) expect(decision.retryAt).toBe(retryAt);
    expect(decision.message.length).toBeGreaterThan(0);
  });
});

describe('cooldown boundaries', () => {
  const cooldownMs = 5 * MIN;
  it.each([
    { desc: '1 ms before the end: wait', lastMoveAt: NOW - cooldownMs + 1, outcome: 'wait-cooldown' },
    { desc: 'exactly at the end: move', lastMoveAt: NOW - cooldownMs, outcome: 'move' },
    { desc: '1 ms after the end: move', lastMoveAt: NOW - cooldownMs - 1, outcome: 'move' },
  ])('$desc', ({ lastMoveAt, outcome }) => {
    expect(decide(input({ a: down, b: healthy }, { lastMoveAt, cooldownMs })).outcome).toBe(outcome);
  });

  it('blockedUntil 1 ms in the future still blocks', () => {
    expect(decide(input({ a: down, b: healthy }, { blockedUntil: NOW + 1 })).outcome).toBe('wait-cooldown');
    expect(decide(input({ a: down, b: healthy }, { blockedUntil: NOW })).outcome).toBe('move');
  });
});

describe('grace tracking', () => {
  it.each([
    { desc: 'starts when the holder becomes degraded', previous: null, degraded: true, expected: NOW },
    { desc: 'keeps its start while degraded', previous: NOW - MIN, degraded: true, expected: NOW - MIN },
    { desc: 'clears when the holder recovers', previous: NOW - MIN, degraded: false, expected: null },
  ])('$desc', ({ previous, degraded, expected }) => {
    expect(degradedSince(previous, degraded, NOW)).toBe(expected);
  });
});

describe('ties', () => {
  it('spread prefers the node holding fewer other FailoverIPs', () => {
    const holdings = new Map([
      ['b', 2],
      ['c', 0],
      ['d', 1],
    ]);
    expect(decide(input({ a: down, b: healthy, c: healthy, d: healthy }, { holdings })).target).toBe('c');
  });

  it('without spread the holdings do not matter, only the hash', () => {
    const base = input({ a: down, b: healthy, c: healthy, d: healthy }, { spread: false });
    const target = decide(base).target;
    for (const holdings of [
      new Map([[target ?? '', 5]]),
      new Map([
        ['b', 3],
        ['c', 3],
      ]),
    ]) {
      expect(decide({ ...base, holdings }).target).toBe(target);
    }
  });

  it('the hash spreads different FailoverIPs over equal nodes', () => {
    const targets = new Set<string | null>();
    for (let i = 0; i < 50; i++) targets.add(decide(input({ a: down, b: healthy, c: healthy, d: healthy }, { failoverIP: `ns/ip-${i}` })).target);
    expect(targets.size).toBe(3);
  });

  it('input order never changes a decision', () => {
    const random = seededRandom(7);
    const nodes = { a: down, b: healthy, c: healthy, d: disk, e: healthy, f: cordoned };
    const reference = decide(input(nodes));
    for (let i = 0; i < 50; i++) {
      const permuted = input(nodes);
      expect(decide({ ...permuted, candidates: shuffled(permuted.candidates, random) })).toEqual(reference);
    }
  });
});

describe('no flip-flop', () => {
  it('oscillating equal health never moves the IP', () => {
    let holder = 'a';
    let moves = 0;
    for (let tick = 0; tick < 100; tick++) {
      // Both nodes alternate between the same two degraded states, so they are always equal.
      const state = tick % 2 === 0 ? disk : memory;
      const decision = decide(input({ a: state, b: state }, { assignedNode: holder, holderDegradedSince: NOW - 10 * MIN }));
      if (decision.outcome === 'move' && decision.target !== null) {
        holder = decision.target;
        moves++;
      }
    }
    expect(moves).toBe(0);
  });
});
