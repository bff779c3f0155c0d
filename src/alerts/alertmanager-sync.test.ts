import { Secret } from '../config/secret.js';
import { silentLogger } from '../ports/logger.js';
import { makeStore, settle, type StoreKit } from '../../test/alertmanager/helpers.js';
import { metricValue } from '../../test/support/metric-value.js';
import { AlertmanagerSync, type AlertmanagerSyncOptions } from './alertmanager-sync.js';

const NOT_READY = {
  annotations: { summary: 'Node is not ready.' },
  endsAt: '2026-11-22T10:43:53.000Z',
  fingerprint: '2729c6e0cd4f5410',
  receivers: [{ name: 'ipshift' }],
  startsAt: '2026-11-22T10:39:53.000Z',
  status: { inhibitedBy: [], silencedBy: [], state: 'active' },
  updatedAt: '2026-11-22T10:39:53.304Z',
  generatorURL: 'http://prometheus:9090/graph?g0.expr=x',
  labels: { alertname: 'KubeNodeNotReady', job: 'kube-state-metrics', namespace: 'monitoring', node: 'node-1', severity: 'warning' },
};

interface Call {
  url: string;
  headers: Record<string, string>;
}

type Reply = () => Response | Promise<Response>;
const json =
  (body: unknown, status = 200): Reply =>
  () =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

interface Harness extends StoreKit {
  sync: AlertmanagerSync;
  calls: Call[];
}

const created: AlertmanagerSync[] = [];
afterEach(async () => {
  while (created.length > 0) await created.pop()?.stop();
});

function harness(replies: Reply[], options: Partial<AlertmanagerSyncOptions> = {}): Harness {
  const kit = makeStore();
  const calls: Call[] = [];
  const sync = new AlertmanagerSync({
    url: 'http://alertmanager.test:9093',
    clock: kit.clock,
    logger: silentLogger,
    metrics: kit.metrics,
    store: kit.store,
    backoff: { initialMs: 20, maxMs: 200 },
    random: () => 0.999,
    fetch: async (input, init) => {
      calls.push({ url: String(input), headers: { ...(init?.headers as Record<string, string>) } });
      const reply = replies.length > 1 ? replies.shift() : replies[0];
      if (reply === undefined) throw new Error('no reply');
      return reply();
    },
    ...options,
  });
  created.push(sync);
  return { ...kit, sync, calls };
}

describe('AlertmanagerSync', () => {
  it('GETs active, unsilenced, uninhibited alerts and replaces the store view', async () => {
    const h = harness([json([NOT_READY])]);
    const outcome = await h.sync.syncNow('start');
    expect(outcome).toEqual({ result: 'success', alerts: 1 });
    expect(h.calls[0]?.url).toBe('http://alertmanager.test:9093/api/v2/alerts?active=true&silenced=false&inhibited=false');
    expect(h.calls[0]?.headers['authorization']).toBeUndefined();
    expect(h.store.active(h.clock.now())).toEqual([
      expect.objectContaining({ fingerprint: '2729c6e0cd4f5410', source: 'api', startsAt: Date.parse('2026-11-22T10:39:53.000Z') }),
    ]);
    expect(h.store.freshness(h.clock.now()).lastSyncAt).toBe(h.clock.now());
    expect(await metricValue(h.registry, 'ipshift_alertmanager_sync_total', { result: 'success' })).toBe(1);
    expect(await metricValue(h.registry, 'ipshift_alertmanager_last_sync_timestamp_seconds')).toBe(h.clock.now() / 1000);

    // The next answer no longer lists it: resolved.
    const next = harness([json([])]);
    next.store.replaceFromApi([{ fingerprint: 'x', labels: { alertname: 'A' }, startsAt: 0 }], next.clock.now() - 10);
    await next.sync.syncNow('schedule');
    expect(next.store.active(next.clock.now())).toEqual([]);
  });

  it('keeps a route prefix, adds the receiver filter and the silenced/inhibited choices', async () => {
    const h = harness([json([])], { url: 'https://am.example:9443/alertmanager/', receiver: 'ipshift|fallback', includeInhibited: true });
    await h.sync.syncNow('start');
    const url = new URL(h.calls[0]?.url ?? '');
    expect(url.origin + url.pathname).toBe('https://am.example:9443/alertmanager/api/v2/alerts');
    expect(Object.fromEntries(url.searchParams)).toEqual({ active: 'true', silenced: 'false', inhibited: 'true', receiver: 'ipshift|fallback' });
  });

  it.each([
    ['bearer', { bearerToken: new Secret('tok') }, 'Bearer tok'],
    ['basic', { basic: { username: 'u', password: new Secret('p:w') } }, `Basic ${Buffer.from('u:p:w').toString('base64')}`],
  ])('sends %s auth', async (_name, auth, header) => {
    const h = harness([json([])], { auth });
    await h.sync.syncNow('start');
    expect(h.calls[0]?.headers['authorization']).toBe(header);
  });

  it('moves credentials out of the URL into a basic auth header', async () => {
    const h = harness([json([])], { url: 'http://admin:s%3Acret@am.test:9093' });
    await h.sync.syncNow('start');
    expect(h.calls[0]?.url.startsWith('http://am.test:9093/api/v2/alerts?')).toBe(true);
    expect(h.calls[0]?.headers['authorization']).toBe(`Basic ${Buffer.from('admin:s:cret').toString('base64')}`);
  });

  it('rejects a bad URL or cron expression at construction, without echoing the URL', () => {
    expect(() => harness([], { url: 'not a url with secret' })).toThrow('Alertmanager URL is not a valid URL (IPSHIFT_ALERTMANAGER_URL)');
    expect(() => harness([], { url: 'ftp://am' })).toThrow(/http\(s\)/);
    expect(() => harness([], { schedule: 'every minute' })).toThrow(/not a valid cron expression/);
  });

  it.each([
    ['401', json({}, 401), 'auth_error'],
    ['403', json({}, 403), 'auth_error'],
    ['500', json({}, 500), 'http_error'],
    ['429', json({}, 429), 'http_error'],
    ['invalid JSON', () => new Response('<html>', { status: 200 }), 'invalid_response'],
    ['a malformed list', json([{ labels: { a: 1 } }]), 'invalid_response'],
    ['a network error', () => Promise.reject(new TypeError('fetch failed')), 'network_error'],
    ['an answer over the size cap (declared)', json(Array.from({ length: 2000 }, () => NOT_READY)), 'invalid_response'],
    [
      'an answer over the size cap (streamed, no length)',
      () => new Response(new Blob([JSON.stringify(Array.from({ length: 2000 }, () => NOT_READY))]).stream(), { status: 200 }),
      'invalid_response',
    ],
  ])('classifies %s, counts it, and leaves the view alone', async (_name, reply, result) => {
    const h = harness([reply], { backoff: { initialMs: 60_000, maxMs: 60_000 }, maxResponseBytes: 100_000 });
    h.store.replaceFromApi([{ fingerprint: 'x', labels: { alertname: 'KubeNodeNotReady', node: 'node-1' }, startsAt: 0 }], h.clock.now());
    const outcome = await h.sync.syncNow('start');
    expect(outcome.result).toBe(result);
    expect(outcome.error?.message).not.toContain('alertmanager.test');
    expect(await metricValue(h.registry, 'ipshift_alertmanager_sync_total', { result })).toBe(1);
    expect(h.store.active(h.clock.now())).toHaveLength(1);
  });

  it('backs off exponentially after errors, retries on its own, then recovers', async () => {
    const failure = json({}, 503);
    const h = harness([failure, failure, failure, json([NOT_READY])]);
    const started = Date.now();
    expect((await h.sync.syncNow('start')).result).toBe('http_error');
    // Backing off: explicit requests are skipped, not sent.
    expect((await h.sync.syncNow('leader')).result).toBe('skipped');
    for (let i = 0; i < 100 && h.calls.length < 4; i++) await settle(10);
    expect(h.calls).toHaveLength(4);
    // 19 + 39 + 79 ms of backoff (full jitter pinned near its ceiling).
    expect(Date.now() - started).toBeGreaterThanOrEqual(130);
    await settle(5);
    expect(h.store.active(h.clock.now())).toHaveLength(1);
    expect(await metricValue(h.registry, 'ipshift_alertmanager_sync_total', { result: 'http_error' })).toBe(3);
    expect(await metricValue(h.registry, 'ipshift_alertmanager_sync_total', { result: 'success' })).toBe(1);
  });

  it('honours Retry-After on 429', async () => {
    const h = harness([() => new Response('', { status: 429, headers: { 'retry-after': '120' } })]);
    const outcome = await h.sync.syncNow('start');
    expect(outcome.error?.kind).toBe('rate-limited');
    h.clock.advance(119_000);
    expect((await h.sync.syncNow('schedule')).result).toBe('skipped');
    h.clock.advance(2_000);
    expect((await h.sync.syncNow('schedule')).result).toBe('http_error');
  });

  it('coalesces requests made during a sync into one follow-up run', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const h = harness([
      async () => {
        await gate;
        return json([])();
      },
      json([NOT_READY]),
    ]);
    const first = h.sync.syncNow('start');
    const second = h.sync.syncNow('truncated');
    const third = h.sync.syncNow('truncated');
    expect(second).toBe(third);
    release();
    await Promise.all([first, second, third]);
    expect(h.calls).toHaveLength(2);
    expect(h.store.active(h.clock.now())).toHaveLength(1);
  });

  it('times out a hanging request', async () => {
    const h = harness([], {
      timeoutMs: 50,
      fetch: (_input, init) =>
        new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
        }),
    });
    const outcome = await h.sync.syncNow('start');
    expect(outcome.result).toBe('network_error');
    expect(outcome.error?.message).toContain('timeout');
  });

  it('start() syncs at once and then on the cron schedule; stop() ends it', async () => {
    const h = harness([json([NOT_READY])], { schedule: '* * * * * *' });
    h.sync.start();
    for (let i = 0; i < 300 && h.calls.length < 2; i++) await settle(10);
    await h.sync.stop();
    const seen = h.calls.length;
    expect(seen).toBeGreaterThanOrEqual(2);
    await settle(1200);
    expect(h.calls.length).toBe(seen);
    expect((await h.sync.syncNow('leader')).result).toBe('skipped');
  });

  it('start() with a leadership syncs each time this replica becomes leader, and unsubscribes on stop()', async () => {
    const listeners = new Set<(isLeader: boolean) => void>();
    const leadership = {
      onChange: (listener: (isLeader: boolean) => void) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
    const h = harness([json([])], { leadership });
    h.sync.start();
    for (let i = 0; i < 100 && h.calls.length < 1; i++) await settle(5);
    expect(h.calls).toHaveLength(1);
    for (const listener of listeners) listener(false);
    await settle(20);
    expect(h.calls).toHaveLength(1);
    for (const listener of listeners) listener(true);
    for (let i = 0; i < 100 && h.calls.length < 2; i++) await settle(5);
    expect(h.calls).toHaveLength(2);
    await h.sync.stop();
    expect(listeners.size).toBe(0);
  });

  it('an alert over the intake limits is left out; the others still sync', async () => {
    const huge = { ...NOT_READY, fingerprint: 'big', annotations: { description: 'x'.repeat(1_000_000) } };
    const h = harness([json([NOT_READY, huge])]);
    const outcome = await h.sync.syncNow('start');
    expect(outcome).toMatchObject({ result: 'success', alerts: 1 });
    expect(h.store.active(h.clock.now()).map((a) => a.fingerprint)).toEqual([NOT_READY.fingerprint]);
  });
});
