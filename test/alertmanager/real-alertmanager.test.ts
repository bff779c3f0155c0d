import { Secret } from '../../src/config/secret.js';
import { AlertmanagerSync } from '../../src/alerts/alertmanager-sync.js';
import { createAlertmanagerWebhook } from '../../src/http/alertmanager-webhook.js';
import { silentLogger } from '../../src/ports/logger.js';
import { alertmanagerConfig, startAlertmanager, type AlertmanagerInstance } from '../support/alertmanager.js';
import { makeStore, metricValue, serve, settle, type StoreKit } from './helpers.js';

/**
 * ipshift's webhook and API sync against a real Alertmanager (Debian 0.25), over loopback.
 * One Alertmanager routes by the `route` label: `good` → ipshift with the right token,
 * `bad` → ipshift with a wrong token, anything else → a null receiver.
 */

const TOKEN = 'am-to-ipshift-token';

interface Receiver extends StoreKit {
  url: string;
  close: () => Promise<void>;
  truncated: string[];
  /** Set once Alertmanager runs: the sync a truncated payload asks for. */
  sync?: AlertmanagerSync;
}

async function receiver(): Promise<Receiver> {
  const kit = makeStore({}, Date.now());
  const truncated: string[] = [];
  const router = createAlertmanagerWebhook({
    auth: { bearerToken: new Secret(TOKEN) },
    store: kit.store,
    clock: kit.clock,
    logger: silentLogger,
    metrics: kit.metrics,
    requestSync: (reason) => {
      truncated.push(reason);
      void self.sync?.syncNow(reason);
    },
  });
  const server = await serve(router);
  const self: Receiver = { ...kit, ...server, truncated };
  return self;
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, am: AlertmanagerInstance, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await settle(100);
  }
  throw new Error(`timed out waiting for ${what}; Alertmanager log tail:\n${am.logs().slice(-3000)}`);
}

const iso = (ms: number): string => new Date(ms).toISOString();

let good: Receiver;
let bad: Receiver;
let am: AlertmanagerInstance;

beforeAll(async () => {
  good = await receiver();
  bad = await receiver();
  am = await startAlertmanager({
    config: alertmanagerConfig({
      receivers: [
        { name: 'ipshift', url: `${good.url}/webhook/alertmanager`, bearerToken: TOKEN, matchers: { route: 'good' }, maxAlerts: 2 },
        { name: 'ipshift-wrong-token', url: `${bad.url}/webhook/alertmanager`, bearerToken: 'not-the-token', matchers: { route: 'bad' } },
      ],
    }),
  });
  good.sync = new AlertmanagerSync({ url: am.url, receiver: 'ipshift', clock: good.clock, logger: silentLogger, metrics: good.metrics, store: good.store });
}, 30_000);

afterAll(async () => {
  await good?.sync?.stop();
  await am?.stop();
  for (const r of [good, bad]) {
    r?.store.stop();
    await r?.close();
  }
});

describe('against a real Alertmanager', () => {
  it('the webhook sees an alert firing, then resolved', async () => {
    const startsAt = Date.now() - 1000;
    const labels = { alertname: 'KubeNodeNotReady', node: 'node-1', severity: 'critical', route: 'good' };
    await am.postAlerts([{ labels, annotations: { summary: 'Node node-1 is not ready' }, startsAt: iso(startsAt), endsAt: iso(Date.now() + 5 * 60_000) }]);

    await waitFor('the firing alert', () => good.store.active(good.clock.now()).length === 1, am);
    const [alert] = good.store.classified(good.clock.now());
    expect(alert).toMatchObject({ labels, source: 'webhook', node: 'node-1', cls: 'down', startsAt });
    expect(alert?.fingerprint).toMatch(/^[0-9a-f]{16}$/);

    await am.postAlerts([{ labels, startsAt: iso(startsAt), endsAt: iso(Date.now()) }]);
    await waitFor('the resolve', () => good.store.active(good.clock.now()).length === 0, am);
    expect(await metricValue(good.registry, 'ipshift_alerts_received_total', { status: 'resolved' })).toBeGreaterThanOrEqual(1);
    expect(await metricValue(good.registry, 'ipshift_webhook_requests_total', { code: '401' })).toBeUndefined();
  });

  it('a payload truncated by max_alerts asks for an API sync', async () => {
    const now = Date.now();
    // Three alerts in one group (same alertname and node), and the receiver has max_alerts: 2.
    const alerts = ['10.0.0.1:9100', '10.0.0.2:9100', '10.0.0.3:9100'].map((instance) => ({
      labels: { alertname: 'NodeFilesystemAlmostFull', node: 'node-9', instance, severity: 'warning', route: 'good' },
      startsAt: iso(now - 1000),
      endsAt: iso(now + 5 * 60_000),
    }));
    await am.postAlerts(alerts);
    await waitFor('a truncated payload', () => good.truncated.length > 0, am);
    expect(good.truncated[0]).toBe('truncated');
    // The webhook carried two; the API sync it triggered brought the third.
    const full = (): number => good.store.active(good.clock.now()).filter((a) => a.labels['alertname'] === 'NodeFilesystemAlmostFull').length;
    await waitFor('the sync to complete the group', () => full() === 3, am);
    expect(await metricValue(good.registry, 'ipshift_alertmanager_sync_total', { result: 'success' })).toBeGreaterThanOrEqual(1);
  });

  it('with a wrong token configured: 401s, and the store stays unchanged', async () => {
    const labels = { alertname: 'KubeNodeUnreachable', node: 'node-2', severity: 'critical', route: 'bad' };
    await am.postAlerts([{ labels, startsAt: iso(Date.now() - 1000), endsAt: iso(Date.now() + 5 * 60_000) }]);
    await waitFor('a 401', async () => ((await metricValue(bad.registry, 'ipshift_webhook_requests_total', { code: '401' })) ?? 0) >= 1, am);
    expect(bad.store.active(bad.clock.now())).toEqual([]);
    expect(bad.store.freshness(bad.clock.now()).lastWebhookAt).toBeNull();
    expect(await metricValue(bad.registry, 'ipshift_webhook_requests_total', { code: '200' })).toBeUndefined();
  });

  it('started after the alert fired, the API sync finds it; silenced alerts and resolves follow', async () => {
    const labels = { alertname: 'KubeNodeNotReady', node: 'node-3', severity: 'critical', route: 'none' };
    const silenced = { alertname: 'KubeNodeNotReady', node: 'node-2', severity: 'critical', route: 'none' };
    const startsAt = Date.now() - 60_000;
    await am.postAlerts([
      { labels, startsAt: iso(startsAt), endsAt: iso(Date.now() + 5 * 60_000) },
      { labels: silenced, startsAt: iso(startsAt), endsAt: iso(Date.now() + 5 * 60_000) },
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
      await am.postAlerts([{ labels, startsAt: iso(startsAt), endsAt: iso(Date.now()) }]);
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
