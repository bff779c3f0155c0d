import { createPassMemo, planPass, type PassInput } from './plan.js';
import { parseAlertPolicy, type AlertPolicy } from './alert-policy.js';
import { ISSUES } from './issues.js';
import type { NodeFacts } from './model.js';
import { nodeFacts, seededRandom, shuffled } from '../../test/support/node-facts.js';
import { NOW, passFailoverIP as fip, policy, runPass } from '../../test/support/decision-fixtures.js';

describe('planPass', () => {
  it('spreads several unrouted FailoverIPs over equally healthy nodes', () => {
    const nodes = ['a', 'b', 'c'].map((n) => nodeFacts(n));
    const result = runPass({ nodes, failoverIPs: ['ns/1', 'ns/2', 'ns/3'].map((k) => fip(k)) });
    expect(new Set(result.plans.map((p) => p.decision.target))).toEqual(new Set(['a', 'b', 'c']));
  });

  it('spread counts FailoverIPs already held', () => {
    const nodes = ['a', 'b', 'c'].map((n) => nodeFacts(n));
    const result = runPass({
      nodes,
      failoverIPs: [fip('ns/1', { assignedNode: 'a' }), fip('ns/2', { assignedNode: 'b' }), fip('ns/3')],
    });
    expect(result.plans.find((p) => p.key === 'ns/3')?.decision.target).toBe('c');
  });

  it('maps alerts to nodes and makes a down alert move the IP', () => {
    const nodes = [nodeFacts('a', { addresses: ['10.0.0.1'] }), nodeFacts('b')];
    const result = runPass({
      nodes,
      alerts: [
        { fingerprint: 'f1', labels: { alertname: 'KubeNodeNotReady', node: 'a', severity: 'critical' } },
        { fingerprint: 'f2', labels: { alertname: 'NodeMemoryHighUtilization', instance: '10.0.0.1:9100', severity: 'warning' } },
        { fingerprint: 'f3', labels: { alertname: 'KubeNodeUnreachable', node: 'nowhere', severity: 'critical' } },
        { fingerprint: 'f4', labels: { alertname: 'Watchdog', severity: 'none' } },
      ],
      failoverIPs: [fip('ns/web', { assignedNode: 'a' })],
    });
    expect(result.unmapped).toEqual([{ fingerprint: 'f3', alertname: 'KubeNodeUnreachable', cls: 'down' }]);
    expect(result.nodes.get('a')?.issues).toEqual(['alert-down', 'alert-degraded']);
    expect(result.plans[0]?.decision).toMatchObject({ outcome: 'move', reason: 'holder-down', target: 'b' });
  });

  it("moves away from a holder ipshift's own probe found unresponsive, and never onto such a node", () => {
    const nodes = ['a', 'b', 'c'].map((n) => nodeFacts(n));
    const result = runPass({
      nodes,
      failoverIPs: [fip('ns/web', { assignedNode: 'a' })],
      unresponsive: new Set(['a', 'b', 'ghost']),
    });
    expect(result.nodes.get('a')?.issues).toEqual(['unresponsive']);
    expect(result.nodes.get('a')?.tier).toBe('down');
    expect(result.plans[0]?.decision).toMatchObject({ outcome: 'move', reason: 'holder-down', target: 'c' });
  });

  it('alert facts remembered between passes follow a new node list and a new policy', () => {
    const labels = { alertname: 'NodeFilesystemAlmostOutOfSpace', instance: '10.0.0.1:9100', severity: 'critical' };
    const alerts = [{ fingerprint: 'f', labels }];
    const before = [nodeFacts('a', { addresses: ['10.0.0.1'] }), nodeFacts('b', { addresses: ['10.0.0.2'] })];
    expect(runPass({ nodes: before, alerts, failoverIPs: [] }).nodes.get('a')?.issues).toEqual(['alert-down']);
    // The same label object, but the address now belongs to b.
    const after = [nodeFacts('a', { addresses: ['10.0.0.9'] }), nodeFacts('b', { addresses: ['10.0.0.1'] })];
    const moved = runPass({ nodes: after, alerts, failoverIPs: [] });
    expect(moved.nodes.get('a')?.issues).toEqual([]);
    expect(moved.nodes.get('b')?.issues).toEqual(['alert-down']);
    const parsed = parseAlertPolicy({ rules: [{ match: { severity: 'critical' }, class: 'degraded' }] });
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    const milder: AlertPolicy = parsed.policy;
    expect(runPass({ nodes: after, alerts, policy: milder, failoverIPs: [] }).nodes.get('b')?.issues).toEqual(['alert-degraded']);
  });

  it('respects podSelector and server identity', () => {
    const nodes = ['a', 'b', 'c'].map((n) => nodeFacts(n, { labels: { pool: n === 'c' ? 'other' : 'edge' } }));
    const result = runPass({
      nodes,
      failoverIPs: [
        fip('ns/web', { nodeSelector: { matchLabels: { pool: 'edge' } }, readyPodNodes: new Set(['a', 'b', 'c']), nodesWithServer: new Set(['b', 'c']) }),
      ],
    });
    const plan = result.plans[0];
    expect(plan?.decision.target).toBe('b');
    expect(plan?.candidates.map((c) => [c.name, c.ineligibility])).toEqual([
      ['a', 'no-server-id'],
      ['b', null],
      ['c', 'not-selected'],
    ]);
  });
});

describe('planPass shares work only where the rules are the same', () => {
  it('two FailoverIPs with one selector but different server sets get their own eligibility', () => {
    const nodes = ['a', 'b'].map((n) => nodeFacts(n));
    const result = runPass({
      nodes,
      failoverIPs: [fip('ns/1', { nodesWithServer: new Set(['a']) }), fip('ns/2', { nodesWithServer: new Set(['b']) })],
    });
    expect(result.plans.map((p) => p.decision.target)).toEqual(['a', 'b']);
  });

  it('two FailoverIPs with different pod sets get their own eligibility', () => {
    const nodes = ['a', 'b'].map((n) => nodeFacts(n));
    const result = runPass({
      nodes,
      failoverIPs: [fip('ns/1', { readyPodNodes: new Set(['b']), spread: false }), fip('ns/2', { readyPodNodes: new Set(['a']), spread: false })],
    });
    expect(result.plans.map((p) => p.decision.target)).toEqual(['b', 'a']);
  });

  it("reuses the caller's memo across passes and decides exactly as without one", () => {
    const nodes = [nodeFacts('a', { addresses: ['10.0.0.1'] }), nodeFacts('b')];
    const alerts = [{ fingerprint: 'f1', labels: { alertname: 'KubeNodeNotReady', node: 'a', severity: 'critical' } }];
    const input: PassInput = { now: NOW, nodes, alerts, policy, failoverIPs: [fip('ns/web', { assignedNode: 'a' })] };
    const memo = createPassMemo();
    const first = planPass({ ...input, memo });
    expect(memo.indexes.has(nodes)).toBe(true);
    expect(memo.alerts.has(alerts[0]?.labels as object)).toBe(true);
    expect(planPass({ ...input, memo }).plans).toEqual(first.plans);
    expect(planPass(input).plans).toEqual(first.plans);
  });

  it("reuses the last pass's health and candidates only while nothing they depend on changed", () => {
    const nodes = [nodeFacts('a', { addresses: ['10.0.0.1'] }), nodeFacts('b'), nodeFacts('c')];
    const failoverIPs = [fip('ns/web', { assignedNode: 'a' }), fip('ns/db', { assignedNode: 'b', nodeSelector: { matchLabels: { pool: 'x' } } })];
    const memo = createPassMemo();
    const quiet = { now: NOW, nodes, alerts: [], policy, failoverIPs, memo };
    const first = planPass(quiet);
    const again = planPass(quiet);
    // Same nodes, same alerts: the very same objects, nothing allocated for them anew.
    expect(again.nodes).toBe(first.nodes);
    expect(again.plans[0]?.candidates).toBe(first.plans[0]?.candidates);
    // An alert on the holder: new health for it, new lists, and the decision follows it.
    const down = [{ fingerprint: 'f1', labels: { alertname: 'KubeNodeNotReady', node: 'a', severity: 'critical' } }];
    const alerted = planPass({ ...quiet, alerts: down });
    expect(alerted.nodes).not.toBe(first.nodes);
    expect(alerted.plans).toEqual(planPass({ ...quiet, alerts: down, memo: createPassMemo() }).plans);
    expect(alerted.plans.find((p) => p.key === 'ns/web')?.decision).toMatchObject({ outcome: 'move', reason: 'holder-down' });
    // Back to quiet, then a changed server set: the shared list is not reused for other sets.
    planPass(quiet);
    const fewer = failoverIPs.map((f) => ({ ...f, nodesWithServer: new Set(['a', 'c']) }));
    const changed = planPass({ ...quiet, failoverIPs: fewer });
    expect(changed.plans).toEqual(planPass({ ...quiet, failoverIPs: fewer, memo: createPassMemo() }).plans);
    expect(changed.plans.find((p) => p.key === 'ns/web')?.candidates.find((c) => c.name === 'b')?.ineligibility).toBe('no-server-id');
  });

  it('lists of different selectors share the candidate object of a node they judge alike, within a pass and across passes', () => {
    const nodes = [nodeFacts('a', { labels: { pool: 'x' } }), nodeFacts('b', { labels: { pool: 'y' } }), nodeFacts('c')];
    const failoverIPs = [fip('ns/x', { nodeSelector: { matchLabels: { pool: 'x' } } }), fip('ns/y', { nodeSelector: { matchLabels: { pool: 'y' } } })];
    const memo = createPassMemo();
    const first = planPass({ now: NOW, nodes, alerts: [], policy, failoverIPs, memo });
    const [x, y] = first.plans.map((p) => p.candidates);
    // c is outside both selectors: one object. a and b are judged differently: two each.
    expect(x?.[2]).toBe(y?.[2]);
    expect(x?.[0]).not.toBe(y?.[0]);
    expect(x?.[0]).toMatchObject({ name: 'a', eligible: true });
    expect(y?.[0]).toMatchObject({ name: 'a', eligible: false, ineligibility: 'not-selected' });
    // A pass that rebuilds the lists (one node's health changed) reuses the unchanged nodes' objects.
    const down = [{ fingerprint: 'f1', labels: { alertname: 'KubeNodeNotReady', node: 'b', severity: 'critical' } }];
    const next = planPass({ now: NOW, nodes, alerts: down, policy, failoverIPs, memo });
    expect(next.plans[0]?.candidates).not.toBe(x);
    expect(next.plans[0]?.candidates[0]).toBe(x?.[0]);
    expect(next.plans[1]?.candidates[1]).toMatchObject({ name: 'b', ineligibility: 'down' });
    expect(next.plans).toEqual(planPass({ now: NOW, nodes, alerts: down, policy, failoverIPs }).plans);
  });

  describe('a stale alert view', () => {
    const down = (node: string, fingerprint: string) => ({ fingerprint, labels: { alertname: 'KubeNodeNotReady', node, severity: 'critical' } });
    const pass = (overrides: Partial<PassInput>) =>
      runPass({
        nodes: ['a', 'b', 'c'].map((n) => nodeFacts(n)),
        failoverIPs: [fip('ns/web', { assignedNode: 'a' })],
        ...overrides,
      });

    it("never moves the IP on the holder's alerts alone (a fresh view would) and says why", () => {
      const fresh = pass({ alerts: [down('a', 'f1')] }).plans[0]?.decision;
      expect(fresh).toMatchObject({ outcome: 'move', reason: 'holder-down' });
      const stale = pass({ alerts: [down('a', 'f1')], alertsStale: true }).plans[0]?.decision;
      expect(stale).toMatchObject({ outcome: 'keep', reason: 'holder-healthiest', target: 'a' });
      expect(stale?.message).toContain("the alert view is stale, so the holder's alerts alone do not move the IP");
    });

    it('still moves a holder that Kubernetes or the probe calls down, and still ranks the targets by their alerts', () => {
      const nodes = [nodeFacts('a', { conditions: { Ready: 'False' } }), nodeFacts('b'), nodeFacts('c')];
      const byKubernetes = pass({ nodes, alerts: [down('a', 'f1'), down('b', 'f2')], alertsStale: true }).plans[0]?.decision;
      expect(byKubernetes).toMatchObject({ outcome: 'move', reason: 'holder-down', target: 'c' });
      const byProbe = pass({ unresponsive: new Set(['a']), alerts: [down('b', 'f2')], alertsStale: true }).plans[0]?.decision;
      expect(byProbe).toMatchObject({ outcome: 'move', reason: 'holder-down', target: 'c' });
    });

    it('changes nothing when the holder has no alert', () => {
      const nodes = [nodeFacts('a', { unschedulable: true }), nodeFacts('b'), nodeFacts('c')];
      expect(pass({ nodes, alertsStale: true }).plans).toEqual(pass({ nodes }).plans);
    });
  });
});

/** Random clusters: invariants that must hold whatever the input. */
describe('randomized clusters (seeded)', () => {
  const conditionStates = ['True', 'False', 'Unknown'] as const;

  function randomCluster(seed: number): PassInput {
    const random = seededRandom(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const nodes: NodeFacts[] = [];
    const count = 2 + Math.floor(random() * 12);
    for (let i = 0; i < count; i++) {
      nodes.push(
        nodeFacts(`n${i}`, {
          labels: { zone: pick(['x', 'y']) },
          conditions: {
            Ready: random() < 0.7 ? 'True' : pick(conditionStates),
            ...(random() < 0.1 ? { DiskPressure: 'True' as const } : {}),
            ...(random() < 0.05 ? { NetworkUnavailable: 'True' as const } : {}),
          },
          unschedulable: random() < 0.1,
          deleting: random() < 0.05,
          noReady: random() < 0.03,
        }),
      );
    }
    const alerts = Array.from({ length: Math.floor(random() * 6) }, (_, i) => ({
      fingerprint: `f${i}`,
      labels: {
        alertname: pick(['KubeNodeNotReady', 'Hot', 'Note']),
        severity: pick(['critical', 'warning', 'info']),
        node: `n${Math.floor(random() * (count + 2))}`,
      },
    }));
    const failoverIPs = Array.from({ length: 1 + Math.floor(random() * 4) }, (_, i) =>
      fip(`ns/ip${i}`, {
        assignedNode: random() < 0.85 ? `n${Math.floor(random() * (count + 1))}` : null,
        lastMoveAt: random() < 0.4 ? NOW - Math.floor(random() * 600_000) : null,
        holderDegradedSince: random() < 0.3 ? NOW - Math.floor(random() * 120_000) : null,
        nodeSelector: random() < 0.3 ? { matchLabels: { zone: 'x' } } : undefined,
        paused: random() < 0.1,
        moveTo: random() < 0.1 ? `n${Math.floor(random() * count)}` : null,
      }),
    );
    return { now: NOW, nodes, alerts, policy, failoverIPs };
  }

  const seeds = Array.from({ length: 300 }, (_, i) => i + 1);

  it('(300 seeds) decisions are deterministic, input order never matters', () => {
    for (const seed of seeds) {
      const input = randomCluster(seed);
      const reference = planPass(input);
      const random = seededRandom(seed * 31);
      const permuted = planPass({
        ...input,
        nodes: shuffled(input.nodes, random),
        alerts: shuffled(input.alerts, random),
        failoverIPs: shuffled(input.failoverIPs, random),
      });
      expect(permuted.plans.map((p) => p.decision)).toEqual(reference.plans.map((p) => p.decision));
    }
  });

  it('(300 seeds) a move targets an eligible node, never inside the cooldown, never to an equal or worse node', () => {
    let moves = 0;
    for (const seed of seeds) {
      const input = randomCluster(seed);
      const result = planPass(input);
      for (const plan of result.plans) {
        const fipInput = input.failoverIPs.find((f) => f.key === plan.key);
        if (fipInput === undefined) throw new Error('lost a FailoverIP');
        const { decision } = plan;
        if (decision.outcome !== 'move') continue;
        moves++;
        const target = plan.candidates.find((c) => c.name === decision.target);
        expect(target?.eligible).toBe(true);
        if (fipInput.lastMoveAt !== null) expect(NOW).toBeGreaterThanOrEqual(fipInput.lastMoveAt + fipInput.cooldownMs);
        expect(fipInput.paused).toBe(false);
        const holder = plan.candidates.find((c) => c.name === fipInput.assignedNode);
        if (holder?.eligible === true && decision.reason !== 'manual-move') expect(target?.mask ?? Infinity).toBeLessThan(holder.mask);
      }
    }
    // The generator must actually produce moves, or the checks above prove nothing.
    expect(moves).toBeGreaterThan(100);
  });

  it('(300 seeds) waiting decisions always say when to look again', () => {
    for (const seed of seeds) {
      for (const plan of planPass(randomCluster(seed)).plans) {
        if (plan.decision.outcome === 'wait-cooldown' || plan.decision.outcome === 'wait-grace') {
          expect(plan.decision.retryAt).toBeGreaterThan(NOW);
        }
      }
    }
  });

  it('knows every issue class', () => {
    expect(ISSUES.length).toBeLessThan(31);
  });
});
