import { fixture, makeStore, settle, type FixtureName } from '../../test/alertmanager/helpers.js';
import { metricValue } from '../../test/support/metric-value.js';
import type { AlertClass } from '../core/alert-policy.js';
import type { LogFields } from '../ports/logger.js';
import { parseWebhookPayload, type WebhookPayload } from './alertmanager-payload.js';
import { createCapturingLogger } from '../../test/support/capturing-logger.js';

const T0 = Date.parse('2026-11-22T11:00:00Z');
const MINUTE = 60_000;

function payload(name: FixtureName): WebhookPayload {
  const result = parseWebhookPayload(fixture(name));
  if (!result.ok) throw new Error(result.message);
  return result.payload;
}

interface AlertSpec {
  fingerprint?: string;
  labels: Record<string, string>;
  status?: 'firing' | 'resolved';
  startsAt?: string;
  endsAt?: string;
}

function build(alerts: AlertSpec[]): WebhookPayload {
  const result = parseWebhookPayload({
    version: '4',
    status: alerts.some((a) => (a.status ?? 'firing') === 'firing') ? 'firing' : 'resolved',
    receiver: 'ipshift',
    groupKey: '{}:{}',
    truncatedAlerts: 0,
    alerts: alerts.map((a, i) => ({
      status: a.status ?? 'firing',
      labels: a.labels,
      annotations: {},
      startsAt: a.startsAt ?? '2026-11-22T10:00:00Z',
      endsAt: a.endsAt ?? '0001-01-01T00:00:00Z',
      generatorURL: '',
      fingerprint: a.fingerprint ?? `fp${i}`,
    })),
  });
  if (!result.ok) throw new Error(result.message);
  return result.payload;
}

describe('AlertStore', () => {
  it('records a firing alert and removes it when resolved', async () => {
    const { store, trigger, registry } = makeStore();
    const result = store.ingestWebhook(payload('firing'), T0);
    expect(result).toEqual({ firing: 1, resolved: 0, changed: true });
    expect(store.active(T0)).toEqual([
      {
        fingerprint: 'd784274104f05781',
        labels: { alertname: 'KubeNodeNotReady', node: 'node-1', severity: 'critical' },
        startsAt: Date.parse('2026-11-22T10:55:38.006Z'),
        lastSeenAt: T0,
        source: 'webhook',
      },
    ]);
    expect(store.classified(T0)[0]).toMatchObject({ node: 'node-1', cls: 'down' });
    expect(await metricValue(registry, 'ipshift_alerts_active', { class: 'down' })).toBe(1);
    await settle();
    expect(trigger.reasons).toEqual(['alerts']);

    expect(store.ingestWebhook(payload('resolved'), T0 + 1000).changed).toBe(true);
    expect(store.active(T0 + 1000)).toEqual([]);
    expect(await metricValue(registry, 'ipshift_alerts_active', { class: 'down' })).toBe(0);
    expect(await metricValue(registry, 'ipshift_alerts_received_total', { status: 'firing' })).toBe(1);
    expect(await metricValue(registry, 'ipshift_alerts_received_total', { status: 'resolved' })).toBe(1);
    await settle();
    expect(trigger.reasons).toEqual(['alerts', 'alerts']);
  });

  it('is idempotent: the same payload twice (HA peer, retry) changes nothing', async () => {
    const { store, trigger } = makeStore();
    store.ingestWebhook(payload('prometheus-firing'), T0);
    await settle();
    const before = store.active(T0);
    const again = store.ingestWebhook(payload('prometheus-firing'), T0);
    expect(again.changed).toBe(false);
    expect(store.active(T0)).toEqual(before);
    await settle();
    expect(trigger.reasons).toHaveLength(1);
    // A duplicate resolved after the first is a no-op too.
    store.ingestWebhook(payload('prometheus-resolved'), T0 + 1);
    expect(store.ingestWebhook(payload('prometheus-resolved'), T0 + 2).changed).toBe(false);
    expect(store.active(T0 + 2)).toEqual([]);
  });

  it('coalesces a storm of changes into one reconcile request', async () => {
    const { store, trigger } = makeStore({ debounceMs: 20 });
    for (let i = 0; i < 50; i++) store.ingestWebhook(build([{ fingerprint: `f${i}`, labels: { alertname: 'KubeNodeNotReady', node: 'node-2' } }]), T0);
    await settle(60);
    expect(trigger.reasons).toEqual(['alerts']);
    expect(store.active(T0)).toHaveLength(50);
  });

  it('a resolved for an older episode does not remove a newer firing', () => {
    const { store } = makeStore();
    const labels = { alertname: 'KubeNodeNotReady', node: 'node-1' };
    store.ingestWebhook(build([{ fingerprint: 'a', labels, startsAt: '2026-11-22T10:30:00Z' }]), T0);
    // Late delivery: the previous episode (10:00–10:10) resolved.
    const late = build([{ fingerprint: 'a', labels, status: 'resolved', startsAt: '2026-11-22T10:00:00Z', endsAt: '2026-11-22T10:10:00Z' }]);
    expect(store.ingestWebhook(late, T0 + 1).changed).toBe(false);
    expect(store.active(T0 + 1).map((a) => a.fingerprint)).toEqual(['a']);
    // The resolve of the held episode removes it.
    const current = build([{ fingerprint: 'a', labels, status: 'resolved', startsAt: '2026-11-22T10:30:00Z', endsAt: '2026-11-22T10:50:00Z' }]);
    expect(store.ingestWebhook(current, T0 + 2).changed).toBe(true);
    expect(store.active(T0 + 2)).toEqual([]);
  });

  it('a late firing of an episode already resolved does not bring it back; a new episode does', () => {
    const { store } = makeStore();
    const labels = { alertname: 'KubeNodeNotReady', node: 'node-1' };
    const firing = build([{ fingerprint: 'a', labels, startsAt: '2026-11-22T10:30:00Z' }]);
    store.ingestWebhook(firing, T0);
    store.ingestWebhook(build([{ fingerprint: 'a', labels, status: 'resolved', startsAt: '2026-11-22T10:30:00Z', endsAt: '2026-11-22T10:59:00Z' }]), T0 + 1);
    expect(store.ingestWebhook(firing, T0 + 2).changed).toBe(false);
    expect(store.active(T0 + 2)).toEqual([]);
    const refired = build([{ fingerprint: 'a', labels, startsAt: '2026-11-22T11:00:30Z' }]);
    expect(store.ingestWebhook(refired, T0 + 3).changed).toBe(true);
    expect(store.active(T0 + 3)[0]?.startsAt).toBe(Date.parse('2026-11-22T11:00:30Z'));
  });

  it('an API answer requested before a resolve cannot resurrect the alert; one requested after can', () => {
    const { store } = makeStore();
    const labels = { alertname: 'KubeNodeNotReady', node: 'node-1' };
    const startsAt = Date.parse('2026-11-22T10:30:00Z');
    store.ingestWebhook(build([{ fingerprint: 'a', labels, startsAt: '2026-11-22T10:30:00Z' }]), T0);
    store.ingestWebhook(build([{ fingerprint: 'a', labels, status: 'resolved', startsAt: '2026-11-22T10:30:00Z', endsAt: '2026-11-22T10:59:00Z' }]), T0 + 10);
    store.replaceFromApi([{ fingerprint: 'a', labels, startsAt }], T0 + 20, T0 + 5);
    expect(store.active(T0 + 20)).toEqual([]);
    store.replaceFromApi([{ fingerprint: 'a', labels, startsAt }], T0 + 40, T0 + 30);
    expect(store.active(T0 + 40).map((a) => [a.fingerprint, a.source])).toEqual([['a', 'api']]);
  });

  it('the API view replaces the source: alerts it no longer lists are resolved', async () => {
    const { store, trigger } = makeStore();
    const node1 = { alertname: 'KubeNodeNotReady', node: 'node-1' };
    const node2 = { alertname: 'KubeNodeUnreachable', node: 'node-2' };
    store.ingestWebhook(
      build([
        { fingerprint: 'a', labels: node1 },
        { fingerprint: 'b', labels: node2 },
      ]),
      T0,
    );
    await settle();
    const result = store.replaceFromApi([{ fingerprint: 'b', labels: node2, startsAt: T0 - MINUTE }], T0 + MINUTE, T0 + MINUTE - 50);
    expect(result).toEqual({ firing: 1, resolved: 1, changed: true });
    expect(store.active(T0 + MINUTE).map((a) => [a.fingerprint, a.source, a.lastSeenAt])).toEqual([['b', 'api', T0 + MINUTE]]);
    expect(store.freshness(T0 + MINUTE)).toMatchObject({ lastWebhookAt: T0, lastSyncAt: T0 + MINUTE, stale: false });
    await settle();
    expect(trigger.reasons).toHaveLength(2);
  });

  it('keeps an alert a webhook reported while the API request was in flight', () => {
    const { store } = makeStore();
    const requestedAt = T0;
    store.ingestWebhook(build([{ fingerprint: 'new', labels: { alertname: 'KubeNodeNotReady', node: 'node-1' } }]), T0 + 100);
    store.replaceFromApi([], T0 + 200, requestedAt);
    expect(store.active(T0 + 200).map((a) => a.fingerprint)).toEqual(['new']);
  });

  it('alert-derived penalties expire after maxAge unless refreshed', async () => {
    const { store, trigger, registry } = makeStore({ maxAgeMs: 10 * MINUTE });
    const labels = { alertname: 'KubeNodeNotReady', node: 'node-1' };
    store.ingestWebhook(
      build([
        { fingerprint: 'a', labels },
        { fingerprint: 'b', labels: { ...labels, node: 'node-2' } },
      ]),
      T0,
    );
    // A repeat notification refreshes `a` only.
    store.ingestWebhook(build([{ fingerprint: 'a', labels }]), T0 + 8 * MINUTE);
    expect(store.active(T0 + 11 * MINUTE).map((a) => a.fingerprint)).toEqual(['a']);
    await settle();
    trigger.reasons.length = 0;
    store.sweep(T0 + 11 * MINUTE);
    expect(await metricValue(registry, 'ipshift_alerts_active', { class: 'down' })).toBe(1);
    await settle();
    expect(trigger.reasons).toEqual(['alerts']);
    // An API sync refreshes too.
    store.replaceFromApi([{ fingerprint: 'a', labels, startsAt: T0 }], T0 + 17 * MINUTE);
    expect(store.active(T0 + 26 * MINUTE).map((a) => a.fingerprint)).toEqual(['a']);
    expect(store.active(T0 + 28 * MINUTE)).toEqual([]);
  });

  it('a missing watchdog marks the view stale, its return makes it fresh', async () => {
    const { store, trigger, registry } = makeStore({ watchdog: { alertname: 'Watchdog', timeoutMs: 5 * MINUTE } });
    const watchdog = build([{ fingerprint: 'w', labels: { alertname: 'Watchdog', severity: 'none' } }]);
    // Grace period after start: not stale before the timeout.
    expect(store.freshness(T0 + 4 * MINUTE).stale).toBe(false);
    store.ingestWebhook(watchdog, T0 + 4 * MINUTE);
    expect(store.freshness(T0 + 8 * MINUTE)).toMatchObject({ stale: false, lastWatchdogAt: T0 + 4 * MINUTE });
    expect(store.freshness(T0 + 10 * MINUTE).stale).toBe(true);
    await settle();
    trigger.reasons.length = 0;
    store.sweep(T0 + 10 * MINUTE);
    expect(await metricValue(registry, 'ipshift_alert_source_stale')).toBe(1);
    await settle();
    expect(trigger.reasons).toEqual(['alerts']);
    // The API sync seeing the watchdog counts too.
    store.replaceFromApi([{ fingerprint: 'w', labels: { alertname: 'Watchdog' }, startsAt: T0 }], T0 + 11 * MINUTE);
    expect(store.freshness(T0 + 11 * MINUTE).stale).toBe(false);
    expect(await metricValue(registry, 'ipshift_alert_source_stale')).toBe(0);
    // The watchdog never counts as unmapped: the policy ignores it.
    expect(store.unmapped(T0 + 11 * MINUTE)).toEqual([]);
  });

  it('without a watchdog, an overdue API sync marks the view stale when asked to', () => {
    const { store } = makeStore({ syncStaleAfterMs: 3 * MINUTE });
    expect(store.freshness(T0 + 2 * MINUTE).stale).toBe(false);
    expect(store.freshness(T0 + 4 * MINUTE).stale).toBe(true);
    store.replaceFromApi([], T0 + 4 * MINUTE);
    expect(store.freshness(T0 + 5 * MINUTE)).toMatchObject({ stale: false, lastSyncAt: T0 + 4 * MINUTE });
  });

  describe('mapping through the core (alertNode + classifyAlert, default policy)', () => {
    it.each([
      ['label node', { alertname: 'KubeNodeNotReady', node: 'node-1' }, 'node-1', 'down'],
      ['instance with port, by address', { alertname: 'NodeFilesystemSpaceFillingUp', severity: 'warning', instance: '10.0.0.2:9100' }, 'node-2', 'degraded'],
      ['instance with port, by name', { alertname: 'NodeMemoryHighUtilization', severity: 'warning', instance: 'node-1:9100' }, 'node-1', 'degraded'],
      ['bracketed IPv6 instance [::1]:9100', { alertname: 'NodeFilesystemAlmostOutOfSpace', severity: 'critical', instance: '[::1]:9100' }, 'node-3', 'down'],
      [
        'IPv6 instance [2001:db8::2]:9100',
        { alertname: 'NodeFilesystemAlmostOutOfSpace', severity: 'critical', instance: '[2001:db8::2]:9100' },
        'node-2',
        'down',
      ],
      [
        'kube-state-metrics instance excluded',
        { alertname: 'NodeMemoryHighUtilization', severity: 'warning', job: 'kube-state-metrics', instance: '10.0.0.1:8080' },
        null,
        'degraded',
      ],
      [
        "a tenant's critical alert on a node's address: ignored",
        { alertname: 'CheckoutDown', severity: 'critical', instance: '10.0.0.1:8080' },
        'node-1',
        'ignore',
      ],
      ['unknown node name', { alertname: 'KubeNodeNotReady', node: 'elsewhere' }, null, 'down'],
    ])('%s', (_name, labels, node, cls) => {
      const { store } = makeStore();
      store.ingestWebhook(build([{ fingerprint: 'x', labels }]), T0);
      expect(store.classified(T0)[0]).toMatchObject({ node, cls });
    });

    it('counts unmapped alerts by alertname (state and metric), never drops them', async () => {
      const { store, registry } = makeStore();
      store.ingestWebhook(
        build([
          { fingerprint: 'a', labels: { alertname: 'NodeMemoryHighUtilization', severity: 'warning', job: 'kube-state-metrics', instance: '10.0.0.1:8080' } },
          { fingerprint: 'b', labels: { alertname: 'NodeMemoryHighUtilization', severity: 'warning', pod: 'x' } },
          { fingerprint: 'c', labels: { alertname: 'KubeNodeUnreachable', node: 'gone' } },
          { fingerprint: 'd', labels: { alertname: 'KubeNodeNotReady', node: 'node-1' } },
        ]),
        T0,
      );
      expect(store.unmapped(T0)).toEqual([
        { alertname: 'NodeMemoryHighUtilization', count: 2 },
        { alertname: 'KubeNodeUnreachable', count: 1 },
      ]);
      expect(store.active(T0)).toHaveLength(4);
      expect(await metricValue(registry, 'ipshift_alerts_unmapped_total', { alertname: 'NodeMemoryHighUtilization' })).toBe(2);
      // Duplicates do not count again.
      store.ingestWebhook(build([{ fingerprint: 'c', labels: { alertname: 'KubeNodeUnreachable', node: 'gone' } }]), T0 + 1);
      expect(await metricValue(registry, 'ipshift_alerts_unmapped_total', { alertname: 'KubeNodeUnreachable' })).toBe(1);
    });

    it('bounds the unmapped alertname label: names past the cap fold into "other"', async () => {
      // A policy that counts every alert, none of them naming a node.
      const { store, registry } = makeStore({ resolveAlert: () => ({ node: null, cls: 'degraded' }) });
      const alerts = Array.from({ length: 60 }, (_, i) => ({ fingerprint: `u${i}`, labels: { alertname: `Noise${i}`, severity: 'warning' } }));
      store.ingestWebhook(build(alerts), T0);
      const metric = await registry.getSingleMetric('ipshift_alerts_unmapped_total')?.get();
      const names = new Set(metric?.values.map((v) => String(v.labels['alertname'])));
      expect(names.size).toBe(51);
      expect(await metricValue(registry, 'ipshift_alerts_unmapped_total', { alertname: 'other' })).toBe(10);
    });
  });

  it('bounds memory: past maxAlerts the least recently seen alert is dropped', () => {
    const { store } = makeStore({ maxAlerts: 3 });
    for (let i = 0; i < 5; i++) store.ingestWebhook(build([{ fingerprint: `f${i}`, labels: { alertname: 'A', node: 'node-1' } }]), T0 + i);
    expect(
      store
        .active(T0 + 10)
        .map((a) => a.fingerprint)
        .sort(),
    ).toEqual(['f2', 'f3', 'f4']);
    // Larger views drop the oldest 5 % in one go.
    const big = makeStore({ maxAlerts: 40 }).store;
    for (let i = 0; i < 41; i++) big.ingestWebhook(build([{ fingerprint: `g${i}`, labels: { alertname: 'A', node: 'node-1' } }]), T0 + i);
    const left = big.active(T0 + 100).map((a) => a.fingerprint);
    expect(left).toHaveLength(39);
    expect(left).not.toContain('g0');
    expect(left).not.toContain('g1');
    expect(left).toContain('g40');
  });

  it('bounds memory in bytes too: large alerts push out the least recently seen before the count is reached', () => {
    // Each alert carries labels of about 1000 characters: about 2.5 KB as kept.
    const { store } = makeStore({ maxBytes: 10_000 });
    for (let i = 0; i < 8; i++)
      store.ingestWebhook(build([{ fingerprint: `b${i}`, labels: { alertname: 'A', node: 'node-1', pad: 'x'.repeat(980) } }]), T0 + i);
    const left = store.active(T0 + 10).map((a) => a.fingerprint);
    expect(left.length).toBeLessThanOrEqual(4);
    expect(left).toContain('b7');
    expect(left).not.toContain('b0');
  });

  it('the background sweep expires alerts on its own (metric and reconcile follow) and stops cleanly', async () => {
    const { store, clock, registry, trigger } = makeStore({ maxAgeMs: 1000 });
    store.ingestWebhook(build([{ fingerprint: 'a', labels: { alertname: 'KubeNodeNotReady', node: 'node-1' } }]), clock.now());
    await settle();
    expect(await metricValue(registry, 'ipshift_alerts_active', { class: 'down' })).toBe(1);
    store.start();
    store.start();
    clock.advance(5000);
    await settle(1300);
    store.stop();
    expect(await metricValue(registry, 'ipshift_alerts_active', { class: 'down' })).toBe(0);
    expect(trigger.reasons).toEqual(['alerts', 'alerts']);
  });

  it('reclassify() re-runs the resolver (policy reload) and updates the gauges', async () => {
    let cls: AlertClass = 'degraded';
    const { store, registry } = makeStore({ resolveAlert: () => ({ node: 'node-1', cls }) });
    store.ingestWebhook(build([{ fingerprint: 'a', labels: { alertname: 'X' } }]), T0);
    expect(await metricValue(registry, 'ipshift_alerts_active', { class: 'degraded' })).toBe(1);
    cls = 'down';
    store.reclassify(T0);
    expect(await metricValue(registry, 'ipshift_alerts_active', { class: 'degraded' })).toBe(0);
    expect(await metricValue(registry, 'ipshift_alerts_active', { class: 'down' })).toBe(1);
  });

  it('logs each change of a small delivery, and one summary line for a storm', () => {
    const logger = createCapturingLogger();
    const lines = (): Array<[string, LogFields]> => logger.records.filter((r) => r.level !== 'debug').map((r) => [r.message, r.fields]);
    const { store } = makeStore({ logger });
    store.ingestWebhook(build([{ fingerprint: 'a', labels: { alertname: 'KubeNodeNotReady', node: 'node-1' } }]), T0);
    expect(lines()).toEqual([['alert firing', { alertname: 'KubeNodeNotReady', fingerprint: 'a', node: 'node-1', cls: 'down', source: 'webhook' }]]);
    logger.records.length = 0;
    store.ingestWebhook(build(Array.from({ length: 30 }, (_, i) => ({ fingerprint: `s${i}`, labels: { alertname: 'NodeDiskFull', node: 'node-2' } }))), T0);
    expect(lines()).toEqual([['alert view changed', { source: 'webhook', firing: 30, resolved: 0, alertnames: ['NodeDiskFull'] }]]);
  });

  it('alerts expiring together are one log line, not one per alert', () => {
    const logger = createCapturingLogger();
    const { store } = makeStore({ logger, maxAgeMs: MINUTE });
    store.ingestWebhook(
      build(Array.from({ length: 10_003 }, (_, i) => ({ fingerprint: `e${i}`, labels: { alertname: `Stale${i % 12}`, node: 'node-1' } }))),
      T0,
    );
    store.sweep(T0 + 2 * MINUTE);
    expect(store.active(T0 + 2 * MINUTE)).toEqual([]);
    const lines = logger.records.filter((r) => r.level === 'warn' || r.level === 'error');
    expect(lines).toHaveLength(1);
    expect(lines[0]?.message).toBe('alerts expired: not refreshed by a webhook or an API sync within the maximum age');
    expect(lines[0]?.fields).toMatchObject({ expired: 10_003, maxAgeSeconds: 60 });
    expect((lines[0]?.fields['alertnames'] as string[]).length).toBe(10);
  });
});
