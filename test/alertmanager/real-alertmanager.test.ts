import { AlertmanagerSync } from '../../src/alerts/alertmanager-sync.js';
import { silentLogger } from '../../src/ports/logger.js';
import { alertmanagerConfig, startAlertmanager, type AlertmanagerInstance } from '../support/alertmanager.js';
import { ControllerHarness, type Replica } from '../support/controller-harness.js';
import { freePort } from '../support/free-port.js';
import { makeStore, settle } from './helpers.js';
import { metricValue } from '../support/metric-value.js';
import { isoTime } from '../../src/core/time.js';

/**
 * ipshift's webhook and API sync against a real Alertmanager (Debian 0.25), over loopback,
 * each receiver a whole controller built by the composition root (createApp), so the webhook
 * is served the way production serves it. One Alertmanager routes by the `route` label:
 * `good` → ipshift with the right token, `bad` → ipshift with a wrong token, anything else →
 * a null receiver.
 */

const TOKEN = 'am-to-ipshift-token';
/** Never during a test: every sync here is one the test or the webhook asked for. */
const RARELY = '0 0 1 1 *';

interface Receiver {
  harness: ControllerHarness;
  replica: Replica;
  port: number;
}

async function receiver(port: number, alertmanagerUrl: string): Promise<Receiver> {
  const harness = await ControllerHarness.start();
  const replica = await harness.addReplica(true, {
    port,
    env: {
      IPSHIFT_WEBHOOK_TOKEN: TOKEN,
      IPSHIFT_ALERTMANAGER_URL: alertmanagerUrl,
      IPSHIFT_ALERTMANAGER_RECEIVER: 'ipshift',
      IPSHIFT_ALERTMANAGER_SYNC_SCHEDULE: RARELY,
    },
  });
  return { harness, replica, port };
}

const now = (): number => Date.now();
const active = (r: Receiver) => r.replica.app.store.classified(now());
const registry = (r: Receiver) => r.replica.app.metrics.registry;

async function waitFor(what: string, check: () => boolean | Promise<boolean>, am: AlertmanagerInstance, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await settle(100);
  }
  throw new Error(`timed out waiting for ${what}; Alertmanager log tail:\n${am.logs().slice(-3000)}`);
}

let good: Receiver;
let bad: Receiver;
let am: AlertmanagerInstance;

beforeAll(async () => {
  const goodPort = await freePort();
  const badPort = await freePort();
  am = await startAlertmanager({
    config: alertmanagerConfig({
      receivers: [
        { name: 'ipshift', url: `http://127.0.0.1:${goodPort}/webhook/alertmanager`, bearerToken: TOKEN, matchers: { route: 'good' }, maxAlerts: 2 },
        { name: 'ipshift-wrong-token', url: `http://127.0.0.1:${badPort}/webhook/alertmanager`, bearerToken: 'not-the-token', matchers: { route: 'bad' } },
      ],
    }),
  });
  good = await receiver(goodPort, am.url);
  bad = await receiver(badPort, am.url);
}, 30_000);

afterAll(async () => {
  await am?.stop();
  for (const r of [good, bad]) await r?.harness.stop();
});

describe('against a real Alertmanager', () => {
  it('the webhook sees an alert firing, then resolved', async () => {
    const startsAt = Date.now() - 1000;
    const labels = { alertname: 'KubeNodeNotReady', node: 'node-1', severity: 'critical', route: 'good' };
    await am.postAlerts([
      { labels, annotations: { summary: 'Node node-1 is not ready' }, startsAt: isoTime(startsAt), endsAt: isoTime(Date.now() + 5 * 60_000) },
    ]);

    await waitFor('the firing alert', () => active(good).length === 1, am);
    const [alert] = active(good);
    expect(alert).toMatchObject({ labels, source: 'webhook', node: 'node-1', cls: 'down', startsAt });
    expect(alert?.fingerprint).toMatch(/^[0-9a-f]{16}$/);

    await am.postAlerts([{ labels, startsAt: isoTime(startsAt), endsAt: isoTime(Date.now()) }]);
    await waitFor('the resolve', () => active(good).length === 0, am);
    expect(await metricValue(registry(good), 'ipshift_alerts_received_total', { status: 'resolved' })).toBeGreaterThanOrEqual(1);
    expect(await metricValue(registry(good), 'ipshift_webhook_requests_total', { code: '401' })).toBeUndefined();
  });

  it('a payload truncated by max_alerts asks for an API sync', async () => {
    const syncsBefore = (await metricValue(registry(good), 'ipshift_alertmanager_sync_total', { result: 'success' })) ?? 0;
    const at = Date.now();
    // Three alerts in one group (same alertname and node), and the receiver has max_alerts: 2.
    const alerts = ['10.0.0.1:9100', '10.0.0.2:9100', '10.0.0.3:9100'].map((instance) => ({
      labels: { alertname: 'NodeFilesystemAlmostFull', node: 'node-9', instance, severity: 'warning', route: 'good' },
      startsAt: isoTime(at - 1000),
      endsAt: isoTime(at + 5 * 60_000),
    }));
    await am.postAlerts(alerts);
    // The webhook carried two; the API sync it triggered (no schedule runs here) brought the third.
    const full = (): number => active(good).filter((a) => a.labels['alertname'] === 'NodeFilesystemAlmostFull').length;
    await waitFor('the sync to complete the group', () => full() === 3, am);
    expect(active(good).filter((a) => a.labels['alertname'] === 'NodeFilesystemAlmostFull' && a.source === 'api').length).toBeGreaterThanOrEqual(1);
    expect(await metricValue(registry(good), 'ipshift_alertmanager_sync_total', { result: 'success' })).toBeGreaterThan(syncsBefore);
  });

  it('with a wrong token configured: 401s, and the store stays unchanged', async () => {
    const labels = { alertname: 'KubeNodeUnreachable', node: 'node-2', severity: 'critical', route: 'bad' };
    await am.postAlerts([{ labels, startsAt: isoTime(Date.now() - 1000), endsAt: isoTime(Date.now() + 5 * 60_000) }]);
    await waitFor('a 401', async () => ((await metricValue(registry(bad), 'ipshift_webhook_requests_total', { code: '401' })) ?? 0) >= 1, am);
    expect(active(bad).filter((a) => a.labels['route'] === 'bad')).toEqual([]);
    expect(bad.replica.app.store.freshness(now()).lastWebhookAt).toBeNull();
    expect(await metricValue(registry(bad), 'ipshift_webhook_requests_total', { code: '200' })).toBeUndefined();
  });

  it('started after the alert fired, the API sync finds it; silenced alerts and resolves follow', async () => {
    const labels = { alertname: 'KubeNodeNotReady', node: 'node-3', severity: 'critical', route: 'none' };
    const silenced = { alertname: 'KubeNodeNotReady', node: 'node-2', severity: 'critical', route: 'none' };
    const startsAt = Date.now() - 60_000;
    await am.postAlerts([
      { labels, startsAt: isoTime(startsAt), endsAt: isoTime(Date.now() + 5 * 60_000) },
      { labels: silenced, startsAt: isoTime(startsAt), endsAt: isoTime(Date.now() + 5 * 60_000) },
    ]);
    await am.silence({ node: 'node-2', route: 'none' });
    await waitFor('Alertmanager to list the alerts', async () => (await am.alerts({ filter: 'route="none"' })).length === 2, am);

    // ipshift starts now: no webhook ever came for these.
    const late = makeStore({}, Date.now());
    const sync = new AlertmanagerSync({ url: am.url, clock: late.clock, logger: silentLogger, metrics: late.metrics, store: late.store });
    try {
      expect((await sync.syncNow('start')).result).toBe('success');
      const mine = late.store.classified(late.clock.now()).filter((a) => a.labels['route'] === 'none');
      expect(mine).toEqual([expect.objectContaining({ labels, source: 'api', node: 'node-3', cls: 'down', startsAt })]);
      expect(await metricValue(late.registry, 'ipshift_alertmanager_sync_total', { result: 'success' })).toBe(1);

      // Resolved in Alertmanager, no webhook: the next sync drops it.
      await am.postAlerts([{ labels, startsAt: isoTime(startsAt), endsAt: isoTime(Date.now()) }]);
      await settle(50);
      late.clock.time = Date.now();
      expect((await sync.syncNow('schedule')).result).toBe('success');
      expect(late.store.active(late.clock.now()).filter((a) => a.labels['route'] === 'none')).toEqual([]);
    } finally {
      await sync.stop();
      late.store.stop();
    }
  });

  it('the receiver filter limits the sync to alerts routed to ipshift', async () => {
    const kit = makeStore({}, Date.now());
    const sync = new AlertmanagerSync({ url: am.url, receiver: 'ipshift', clock: kit.clock, logger: silentLogger, metrics: kit.metrics, store: kit.store });
    try {
      expect((await sync.syncNow('start')).result).toBe('success');
      const routes = new Set(kit.store.active(kit.clock.now()).map((a) => a.labels['route']));
      expect([...routes]).toEqual(['good']);
    } finally {
      await sync.stop();
      kit.store.stop();
    }
  });
});
