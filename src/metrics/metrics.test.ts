import { INELIGIBILITY, ISSUES } from '../core/issues.js';
import { MOVE_RESULTS, OUTCOMES, REASONS } from '../core/reasons.js';
import { seriesByFamily } from '../../scripts/metrics-reference.js';
import { createMetrics } from './metrics.js';

describe('createMetrics', () => {
  it('exports build info, default metrics and the cluster label on every series', async () => {
    const { registry } = createMetrics({ version: '1.2.3', cluster: 'prod-eu' });
    const text = await registry.metrics();
    expect(text).toContain('ipshift_build_info{version="1.2.3",cluster="prod-eu"} 1');
    expect(text).toMatch(/^process_cpu_user_seconds_total\{cluster="prod-eu"\}/m);
    const unlabelled = text.split('\n').filter((line) => line !== '' && !line.startsWith('#') && !line.includes('cluster="prod-eu"'));
    expect(unlabelled).toEqual([]);
  });

  it('gives each app its own registry', () => {
    const a = createMetrics({ version: '1', defaultMetrics: false });
    const b = createMetrics({ version: '1', defaultMetrics: false });
    expect(a.registry).not.toBe(b.registry);
    expect(() => createMetrics({ version: '1', defaultMetrics: false })).not.toThrow();
  });

  it('keeps the series count as designed with 1,000 nodes and 5 FailoverIPs', async () => {
    const { registry, controller } = createMetrics({ version: '1', defaultMetrics: false });
    const nodes = Array.from({ length: 1000 }, (_, i) => `node-${i}`);
    const fips = Array.from({ length: 5 }, (_, i) => `default/fip-${i}`);
    // Many passes with churn: holders change, issues come and go, every outcome/reason occurs.
    for (let pass = 0; pass < 20; pass += 1) {
      for (const [i, node] of nodes.entries()) setIssues(node, i + pass);
      for (const [f, fip] of fips.entries()) {
        controller.setAssignment(fip, nodes[(pass * 7 + f) % nodes.length] ?? null);
        controller.setHolderHealthy(fip, pass % 2 === 0);
        controller.setCooldownRemaining(fip, 300 - pass);
        controller.setLastMove(fip, 1_700_000_000 + pass);
        controller.setCandidates(
          fip,
          nodes.map((_, i) => ((i + pass) % 3 === 0 ? { eligible: false, ineligibility: 'not-selected' } : { eligible: true, ineligibility: null })),
        );
        controller.decision(fip, OUTCOMES[pass % OUTCOMES.length] ?? 'keep', REASONS[pass % REASONS.length] ?? 'holder-healthiest');
        controller.moveFinished(fip, 'holder-down', MOVE_RESULTS[pass % MOVE_RESULTS.length] ?? 'success', 'netcup', pass);
      }
      controller.reconcileFinished(pass % 5 === 0 ? 'error' : 'success', 0.01, 1_700_000_000 + pass);
    }
    function setIssues(node: string, seed: number): void {
      controller.setNodeIssues(
        node,
        ISSUES.filter((_, k) => (seed + k) % 4 === 0),
      );
    }

    const counts = seriesByFamily(await registry.metrics());
    const moveHistogramLines = MOVE_HISTOGRAM_LINES;
    // Other areas' metrics (alerts, provider, kube, node probe, move checks) carry no node or FailoverIP label.
    const otherAreas = /^ipshift_(webhook|alert|provider|kube|leader|node_probe|move_checks)/;
    expect(Object.fromEntries([...counts].filter(([name]) => name.startsWith('ipshift_') && !otherAreas.test(name)))).toEqual({
      ipshift_build_info: 1,
      // Only the issues a node has now (the last pass's): every fourth class, never all of them.
      ipshift_node_health_issue: nodes.reduce((sum, _, i) => sum + ISSUES.filter((_, k) => (i + 19 + k) % 4 === 0).length, 0),
      // Counted per FailoverIP, never per FailoverIP × node.
      ipshift_failover_ip_nodes: 5 * (1 + INELIGIBILITY.length),
      ipshift_failover_ip_assigned: 5,
      ipshift_failover_ip_routed: 5,
      ipshift_failover_ip_holder_healthy: 5,
      ipshift_cooldown_remaining_seconds: 5,
      ipshift_last_move_timestamp_seconds: 5,
      // 20 passes cycle through min(20, lcm) distinct outcome/reason pairs per FailoverIP.
      ipshift_decisions_total: 5 * new Set(Array.from({ length: 20 }, (_, p) => `${p % OUTCOMES.length}/${p % REASONS.length}`)).size,
      ipshift_moves_total: 5 * REASONS.length * MOVE_RESULTS.length,
      ipshift_move_duration_seconds: moveHistogramLines,
      ipshift_reconcile_total: 2,
      ipshift_reconcile_duration_seconds: RECONCILE_HISTOGRAM_LINES,
      ipshift_last_successful_reconcile_timestamp_seconds: 1,
    });

    // Deleting every node and FailoverIP leaves only the fixed series.
    for (const node of nodes) controller.forgetNode(node);
    for (const fip of fips) controller.forgetFailoverIP(fip);
    const after = seriesByFamily(await registry.metrics());
    expect(after.get('ipshift_node_health_issue') ?? 0).toBe(0);
    expect(after.get('ipshift_failover_ip_nodes') ?? 0).toBe(0);
    expect(after.get('ipshift_failover_ip_assigned') ?? 0).toBe(0);
    expect(after.get('ipshift_moves_total') ?? 0).toBe(0);
    expect(after.get('ipshift_decisions_total') ?? 0).toBe(0);
  });
});

// One provider label value: buckets + +Inf + _sum + _count.
const MOVE_HISTOGRAM_LINES = 16 + 3;
const RECONCILE_HISTOGRAM_LINES = 14 + 3;
