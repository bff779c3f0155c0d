import { Registry } from 'prom-client';
import { MOVE_RESULTS, REASONS } from '../core/reasons.js';
import { createControllerMetrics } from './controller-metrics.js';

type Sample = { labels: Record<string, string | number>; value: number; metricName?: string };

async function samples(registry: Registry, name: string): Promise<Sample[]> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  if (metric === undefined) throw new Error(`${name} is not registered`);
  return metric.values as Sample[];
}

const value = (list: Sample[], labels: Record<string, string>): number | undefined =>
  list.find((s) => Object.entries(labels).every(([k, v]) => String(s.labels[k]) === v))?.value;

describe('controller metrics', () => {
  let registry: Registry;
  let metrics: ReturnType<typeof createControllerMetrics>;
  beforeEach(() => {
    registry = new Registry();
    metrics = createControllerMetrics(registry);
  });

  it('keeps exactly one assigned series per FailoverIP, for the current holder', async () => {
    metrics.setAssignment('default/web', 'node-a');
    metrics.setAssignment('default/web', 'node-b');
    let assigned = await samples(registry, 'ipshift_failover_ip_assigned');
    expect(assigned).toEqual([{ labels: { failover_ip: 'default/web', node: 'node-b' }, value: 1 }]);
    expect(value(await samples(registry, 'ipshift_failover_ip_routed'), { failover_ip: 'default/web' })).toBe(1);

    metrics.setAssignment('default/web', null);
    assigned = await samples(registry, 'ipshift_failover_ip_assigned');
    expect(assigned).toEqual([]);
    expect(value(await samples(registry, 'ipshift_failover_ip_routed'), { failover_ip: 'default/web' })).toBe(0);
  });

  it('exports a series (1) per issue a node has now, and none for a healthy node', async () => {
    metrics.setNodeIssues('node-a', ['ready-false', 'cordoned']);
    metrics.setNodeIssues('node-b', []);
    expect(await samples(registry, 'ipshift_node_health_issue')).toEqual([
      { labels: { node: 'node-a', issue: 'ready-false' }, value: 1 },
      { labels: { node: 'node-a', issue: 'cordoned' }, value: 1 },
    ]);
    metrics.setNodeIssues('node-a', ['cordoned']);
    expect(await samples(registry, 'ipshift_node_health_issue')).toEqual([{ labels: { node: 'node-a', issue: 'cordoned' }, value: 1 }]);
    metrics.setNodeIssues('node-a', []);
    expect(await samples(registry, 'ipshift_node_health_issue')).toEqual([]);
  });

  it('pre-initialises move counters so that the first move shows in increase()', async () => {
    metrics.setAssignment('default/web', 'node-a');
    const moves = await samples(registry, 'ipshift_moves_total');
    expect(moves).toHaveLength(REASONS.length * MOVE_RESULTS.length);
    expect(moves.every((s) => s.value === 0)).toBe(true);
    metrics.moveFinished('default/web', 'holder-down', 'success', 'netcup', 12.5);
    expect(value(await samples(registry, 'ipshift_moves_total'), { reason: 'holder-down', result: 'success' })).toBe(1);
    const duration = await samples(registry, 'ipshift_move_duration_seconds');
    expect(value(duration, { provider: 'netcup', le: '20' })).toBe(1);
    expect(value(duration, { provider: 'netcup', le: '10' })).toBe(0);
  });

  it('does not observe a duration for a move without one', async () => {
    metrics.moveFinished('default/web', 'holder-down', 'failure', 'netcup');
    const duration = await samples(registry, 'ipshift_move_duration_seconds');
    expect(duration.filter((s) => s.metricName === 'ipshift_move_duration_seconds_count')).toEqual([]);
  });

  it('counts decisions and reconciles, and records the last success only on success', async () => {
    metrics.decision('default/web', 'wait-cooldown', 'holder-down');
    metrics.decision('default/web', 'wait-cooldown', 'holder-down');
    expect(value(await samples(registry, 'ipshift_decisions_total'), { outcome: 'wait-cooldown', reason: 'holder-down' })).toBe(2);

    expect(await samples(registry, 'ipshift_reconcile_total')).toEqual(
      expect.arrayContaining([
        { labels: { result: 'success' }, value: 0 },
        { labels: { result: 'error' }, value: 0 },
      ]),
    );
    metrics.reconcileFinished('success', 0.02, 1_700_000_000);
    metrics.reconcileFinished('error', 0.5, 1_700_000_060);
    expect((await samples(registry, 'ipshift_last_successful_reconcile_timestamp_seconds'))[0]?.value).toBe(1_700_000_000);
    expect(value(await samples(registry, 'ipshift_reconcile_total'), { result: 'error' })).toBe(1);
  });

  it('clamps the cooldown at zero', async () => {
    metrics.setCooldownRemaining('default/web', -3);
    expect(value(await samples(registry, 'ipshift_cooldown_remaining_seconds'), { failover_ip: 'default/web' })).toBe(0);
  });

  it('drops every series of a forgotten FailoverIP and node', async () => {
    metrics.setAssignment('default/web', 'node-a');
    metrics.setHolderHealthy('default/web', true);
    metrics.setCooldownRemaining('default/web', 30);
    metrics.setLastMove('default/web', 1_700_000_000);
    metrics.setCandidates('default/web', [
      { eligible: true, ineligibility: null },
      { eligible: false, ineligibility: 'down' },
    ]);
    metrics.decision('default/web', 'keep', 'holder-healthiest');
    metrics.setNodeIssues('node-b', ['cordoned']);
    metrics.setAssignment('default/api', 'node-b');
    metrics.setCandidates('default/api', [{ eligible: true, ineligibility: null }]);

    metrics.forgetNode('node-b');
    expect(await samples(registry, 'ipshift_node_health_issue')).toEqual([]);
    expect((await samples(registry, 'ipshift_failover_ip_nodes')).filter((s) => s.labels['failover_ip'] === 'default/web' && s.value > 0)).toEqual([
      { labels: { failover_ip: 'default/web', eligibility: 'eligible' }, value: 1 },
      { labels: { failover_ip: 'default/web', eligibility: 'down' }, value: 1 },
    ]);

    metrics.forgetFailoverIP('default/web');
    const remaining = (await registry.getMetricsAsJSON()).flatMap((m) => (m.values as Sample[]).filter((s) => s.labels['failover_ip'] === 'default/web'));
    expect(remaining).toEqual([]);
    expect(await samples(registry, 'ipshift_failover_ip_assigned')).toEqual([{ labels: { failover_ip: 'default/api', node: 'node-b' }, value: 1 }]);
  });
});
