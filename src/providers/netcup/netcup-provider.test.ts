import { Registry } from 'prom-client';
import { secret, type Secret } from '../../config/secret.js';
import { createProviderMetrics } from '../../metrics/provider-metrics.js';
import { systemClock, type Clock } from '../../ports/clock.js';
import type { CredentialStore } from '../../ports/provider.js';
import { silentLogger } from '../../ports/logger.js';
import { type NetcupEmulator, startNetcupEmulator, type NetcupEmulatorOptions } from '../../emulators/netcup/netcup-emulator.js';
import { NETCUP_READ_REUSE_MS, createNetcupProvider, type NetcupProviderOptions } from './netcup-provider.js';
import { rejectionOf } from '../../../test/support/rejection-of.js';

const V4 = '198.51.100.10';
const V6 = '2001:db8:a:20::/64';

/** One shifted time source for the emulator and the adapter, so 5-minute windows pass instantly. */
function shiftedClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    sleep: systemClock.sleep,
    advance: (ms) => {
      offset += ms;
    },
  };
}

function memoryCredentials(
  initial: Record<string, string>,
  events: string[] = [],
): CredentialStore & { values: () => Record<string, string>; failWrites: number } {
  let current: Record<string, Secret> = Object.fromEntries(Object.entries(initial).map(([k, v]) => [k, secret(v)]));
  const store = {
    failWrites: 0,
    read: () => Promise.resolve({ ...current }),
    write: (values: Record<string, Secret>) => {
      if (store.failWrites > 0) {
        store.failWrites -= 1;
        return Promise.reject(new Error('apiserver unavailable'));
      }
      events.push('secret-write');
      current = { ...current, ...values };
      return Promise.resolve();
    },
    values: () => Object.fromEntries(Object.entries(current).map(([k, v]) => [k, v.reveal()])),
  };
  return store;
}

describe('netcup provider against the emulator', () => {
  let emulator: NetcupEmulator;
  let clock: ReturnType<typeof shiftedClock>;

  async function setup(emulatorOptions: NetcupEmulatorOptions = {}, credentials?: CredentialStore, extra: Partial<NetcupProviderOptions> = {}) {
    clock = shiftedClock();
    emulator = await startNetcupEmulator({ taskDurationMs: 40, now: clock.now, ...emulatorOptions });
    const store = credentials ?? memoryCredentials({ refreshToken: emulator.refreshToken });
    const provider = createNetcupProvider({
      apiUrl: emulator.apiUrl,
      issuerUrl: emulator.issuerUrl,
      credentials: store,
      logger: silentLogger,
      clock,
      retry: { deadlineMs: 3000, maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 50 },
      requestTimeoutMs: 5000,
      taskPollIntervalMs: 20,
      ...extra,
    });
    return provider;
  }

  afterEach(async () => {
    await emulator.close();
  });

  it('reads IPv4 and IPv6 routing, and an unrouted address as null', async () => {
    const provider = await setup();
    emulator.setRouting(V6, null);
    await expect(provider.getRouting([V4, '2001:DB8:A:20:0::/64'])).resolves.toEqual([
      { address: V4, serverId: '111001' },
      { address: '2001:DB8:A:20:0::/64', serverId: null },
    ]);
  });

  it('moves an IPv6 prefix with one PATCH and polls the task to the end', async () => {
    const provider = await setup();
    await provider.route([V6], '111002');
    expect(emulator.routing(V6)).toBe(111002);
    expect(emulator.patches.map((p) => [p.address, p.serverId, p.status])).toEqual([[V6, 111002, 202]]);
  });

  it('honours the once-per-5-minutes rule: a second move is rate-limited with the time left, later it works', async () => {
    const provider = await setup();
    expect(provider.minMoveIntervalMs).toBe(300_000);
    await provider.route([V4], '111002');
    clock.advance(60_000);
    const error = await rejectionOf(provider.route([V4], '111003'));
    expect(error.kind).toBe('rate-limited');
    expect(error.retryAfterMs).toBe(240_000);
    expect(error.message).toContain('once every 5 minutes');
    expect(emulator.patches.map((p) => p.status)).toEqual([202, 429]);
    clock.advance(240_000);
    await provider.route([V4], '111003');
    expect(emulator.routing(V4)).toBe(111003);
  });

  it('reports a move whose answer was lost as done, although the repeat is refused by the per-IP limit', async () => {
    const provider = await setup();
    emulator.faults.loseAnswerNext(1, 'mutation');
    await provider.route([V4], '111002');
    expect(emulator.routing(V4)).toBe(111002);
    // One move taken; the resend, if any, refused by the 5-minute rule, and still success.
    expect(emulator.tasks).toHaveLength(1);
    expect(emulator.patches.filter((p) => p.status === 202)).toHaveLength(1);
  });

  it('a 401 on the move changes nothing and the next call succeeds with a new token', async () => {
    const provider = await setup();
    emulator.faults.failNext(1, 401, 'mutation');
    expect(await rejectionOf(provider.route([V4], '111002'))).toMatchObject({ kind: 'terminal', code: 'auth' });
    expect(emulator.routing(V4)).toBe(111001);
    expect(emulator.tasks).toHaveLength(0);
  });

  it('resumes a partly done move: addresses already on the target are skipped', async () => {
    const provider = await setup();
    await provider.route([V6], '111003');
    expect((await rejectionOf(provider.route([V4, V6], '111002'))).kind).toBe('rate-limited');
    expect([emulator.routing(V4), emulator.routing(V6)]).toEqual([111002, 111003]);
    clock.advance(300_000);
    await provider.route([V4, V6], '111002');
    expect(emulator.patches.map((p) => [p.address, p.serverId, p.status])).toEqual([
      [V6, 111003, 202],
      [V4, 111002, 202],
      [V6, 111002, 429],
      [V6, 111002, 202],
    ]);
  });

  it('reports the same-site rule as terminal and does not retry it', async () => {
    const provider = await setup();
    const error = await rejectionOf(provider.route([V4], '111009'));
    expect(error).toMatchObject({ kind: 'terminal', code: 'same-site' });
    expect(emulator.patches).toHaveLength(1);
    expect(emulator.routing(V4)).toBe(111001);
  });

  it('rejects bad input before sending anything', async () => {
    const provider = await setup();
    expect(await rejectionOf(provider.route([V4], 'hcloud://7'))).toMatchObject({ kind: 'terminal', code: 'validation' });
    expect(await rejectionOf(provider.getRouting(['not-an-ip']))).toMatchObject({ kind: 'terminal', code: 'validation' });
    expect(emulator.faults.requestCount()).toBe(0);
  });

  it('turns a failed routing task into a transient error and leaves routing alone', async () => {
    const provider = await setup();
    emulator.faults.failNextTask('ROLLBACK');
    const error = await rejectionOf(provider.route([V4], '111002'));
    expect(error).toMatchObject({ kind: 'transient', code: 'task-failed' });
    expect(error.message).toContain('ROLLBACK');
    expect(emulator.routing(V4)).toBe(111001);
  });

  it('gives up on a task that outlives the task deadline', async () => {
    const provider = await setup({ taskDurationMs: 10_000 }, undefined, { taskDeadlineMs: 150 });
    const started = Date.now();
    const error = await rejectionOf(provider.route([V4], '111002'));
    expect(error).toMatchObject({ kind: 'transient', code: 'action-timeout' });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('caches the access token until shortly before it expires', async () => {
    const provider = await setup();
    await provider.getRouting([V4]);
    await provider.getRouting([V4, V6]);
    await provider.route([V4], '111001');
    expect(emulator.refreshGrants()).toBe(1);
    clock.advance(260_000);
    await provider.getRouting([V4]);
    expect(emulator.refreshGrants()).toBe(1);
    clock.advance(15_000); // 275 s: inside the 30 s margin of the 300 s lifetime
    await provider.getRouting([V4]);
    expect(emulator.refreshGrants()).toBe(2);
  });

  it('stops waiting for a slow token refresh when cancelled, and keeps its result for the next call', async () => {
    const provider = await setup();
    emulator.faults.slowNext(600, 1, 'token');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    expect(await rejectionOf(provider.getRouting([V4], controller.signal))).toMatchObject({ kind: 'transient', code: 'aborted' });
    expect(Date.now() - started).toBeLessThan(500);
    expect(emulator.faults.requestCount()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 700));
    await expect(provider.getRouting([V4])).resolves.toEqual([{ address: V4, serverId: '111001' }]);
    expect(emulator.refreshGrants()).toBe(1);
  });

  it('drops an access token the API refuses, and the next call works with a new one', async () => {
    const provider = await setup();
    await provider.getRouting([V4]);
    emulator.faults.expireTokens();
    const error = await rejectionOf(provider.getRouting([V4]));
    expect(error).toMatchObject({ kind: 'terminal', code: 'auth' });
    await expect(provider.getRouting([V4])).resolves.toEqual([{ address: V4, serverId: '111001' }]);
    expect(emulator.refreshGrants()).toBe(2);
  });

  it('turns a revoked offline token into a terminal auth error that says what to do, without the token', async () => {
    const registry = new Registry();
    const metrics = createProviderMetrics(registry);
    const provider = await setup({}, undefined, { metrics });
    emulator.faults.revokeRefreshToken();
    const error = await rejectionOf(provider.getRouting([V4]));
    expect(error).toMatchObject({ kind: 'terminal', code: 'auth' });
    expect(error.message).toContain('ipshift netcup-login');
    expect(error.message).toContain('invalid_grant');
    expect(error.message).not.toContain(emulator.refreshToken);
    expect(JSON.stringify(await registry.getMetricsAsJSON())).toContain('auth_error');
    expect(emulator.faults.requestCount()).toBe(0);
  });

  it('writes a rotated refresh token to the Secret before any API call relies on it', async () => {
    const events: string[] = [];
    clock = shiftedClock();
    const store = memoryCredentials({ refreshToken: 'placeholder' }, events);
    const provider = await setup({ rotateRefreshTokens: true }, store, {
      fetch: (input, init) => {
        const url = input instanceof Request ? input.url : String(input);
        if (url.includes('/scp-core/')) events.push('api');
        return fetch(input, init);
      },
    });
    await store.write({ refreshToken: secret(emulator.refreshToken) });
    events.length = 0;
    await provider.getRouting([V4]);
    const rotated = store.values().refreshToken;
    expect(rotated).not.toBe(emulator.refreshToken);
    expect(events.slice(0, 2)).toEqual(['secret-write', 'api']);
    clock.advance(300_000);
    await provider.getRouting([V4]); // the old token is dead now; only the stored one works
    expect(store.values().refreshToken).not.toBe(rotated);
    expect(emulator.refreshGrants()).toBe(2);
  });

  it('uses a rotated token whose write failed from memory, says so in a metric, and stores it once the Secret takes writes', async () => {
    clock = shiftedClock();
    const registry = new Registry();
    const metrics = createProviderMetrics(registry);
    const store = memoryCredentials({ refreshToken: 'placeholder' });
    const provider = await setup({ rotateRefreshTokens: true }, store, { metrics, random: () => 0 });
    await store.write({ refreshToken: secret(emulator.refreshToken) });
    store.failWrites = 10;
    const unsaved = async (): Promise<number | undefined> =>
      (await registry.getSingleMetric('ipshift_provider_credentials_unsaved')?.get())?.values.find((v) => v.labels.provider === 'netcup')?.value;
    // The call works: the new token is held in memory, the old one in the Secret is spent.
    await expect(provider.getRouting([V4])).resolves.toEqual([{ address: V4, serverId: '111001' }]);
    expect(store.values().refreshToken).toBe(emulator.refreshToken);
    expect(await unsaved()).toBe(1);
    // A refresh while unsaved uses the token from memory, not the spent one in the Secret.
    clock.advance(300_000);
    await expect(provider.getRouting([V4])).resolves.toEqual([{ address: V4, serverId: '111001' }]);
    expect(emulator.refreshGrants()).toBe(2);
    store.failWrites = 0;
    await provider.getRouting([V4]);
    for (let i = 0; i < 50 && (await unsaved()) !== 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await unsaved()).toBe(0);
    expect(store.values().refreshToken).not.toBe(emulator.refreshToken);
    clock.advance(300_000);
    await expect(provider.getRouting([V4])).resolves.toEqual([{ address: V4, serverId: '111001' }]);
  });

  it.each([
    ['a 503', (e: NetcupEmulator) => e.faults.failNext(1, 503, 'token')],
    ['a 429 with Retry-After 1', (e: NetcupEmulator) => e.faults.rateLimitNext(1, 'token')],
    ['an answer slower than the request timeout', (e: NetcupEmulator) => e.faults.slowNext(3_000, 1, 'token')],
    ['a reset', (e: NetcupEmulator) => e.faults.resetNext(1, 'token')],
  ])('retries a token refresh that meets %s, within the call', async (_what, fault) => {
    const provider = await setup({}, undefined, { requestTimeoutMs: 1_000, retry: { deadlineMs: 4_000, maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 50 } });
    fault(emulator);
    await expect(provider.getRouting([V4])).resolves.toEqual([{ address: V4, serverId: '111001' }]);
    expect(emulator.refreshGrants()).toBe(1);
  });

  it('a failed move costs at most one token grant per attempt of the call, not a retried refresh inside each attempt', async () => {
    const maxAttempts = 4;
    let tokenRequests = 0;
    let expireOnNextApiFailure = false;
    // Counts token requests; the first API 503 of the move lets the access token run out (the
    // clock jumps past its lifetime), so each further attempt of that call needs a new one.
    const counting: typeof fetch = async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url.endsWith('/token')) tokenRequests += 1;
      const response = await fetch(input, init);
      if (expireOnNextApiFailure && url.includes('/api/') && response.status === 503) {
        expireOnNextApiFailure = false;
        clock.advance(300_000);
      }
      return response;
    };
    const provider = await setup({}, undefined, { fetch: counting, retry: { deadlineMs: 3_600_000, maxAttempts, baseDelayMs: 1, maxDelayMs: 5 } });
    await provider.getRouting([V4]);
    expect(tokenRequests).toBe(1);
    // Past the read route() would reuse: its own read is the call that meets the expiry.
    clock.advance(NETCUP_READ_REUSE_MS + 1);

    tokenRequests = 0;
    emulator.faults.failNext(1000, 503, 'api');
    emulator.faults.failNext(1000, 503, 'token');
    expireOnNextApiFailure = true;
    expect((await rejectionOf(provider.route([V4], '111002'))).kind).toBe('transient');
    // One grant per remaining attempt of the call that met the expiry (a retried refresh inside
    // each attempt would cost maxAttempts more per attempt).
    expect(tokenRequests).toBeGreaterThan(0);
    expect(tokenRequests).toBeLessThanOrEqual(maxAttempts);
    expect(emulator.routing(V4)).toBe(111001);
  });

  it('uses the Secret userId when present and the token `id` claim otherwise', async () => {
    await setup();
    const store = memoryCredentials({ refreshToken: emulator.refreshToken, userId: '999' });
    const withWrongId = createNetcupProvider({
      apiUrl: emulator.apiUrl,
      issuerUrl: emulator.issuerUrl,
      credentials: store,
      logger: silentLogger,
      clock,
      requestTimeoutMs: 5000,
    });
    expect(await rejectionOf(withWrongId.getRouting([V4]))).toMatchObject({ kind: 'terminal', code: 'auth' });
    expect(emulator.faults.requestCount()).toBe(1); // the path with user 999 was refused (403), not retried
    const fromClaim = createNetcupProvider({
      apiUrl: emulator.apiUrl,
      issuerUrl: emulator.issuerUrl,
      credentials: memoryCredentials({ refreshToken: emulator.refreshToken }),
      logger: silentLogger,
      clock,
    });
    await expect(fromClaim.getRouting([V4])).resolves.toEqual([{ address: V4, serverId: '111001' }]);
  });

  it('finds the server behind a node by its IP and caches the answer', async () => {
    const provider = await setup();
    const node = { nodeName: 'n2', addresses: ['10.0.0.2', '192.0.2.12'] };
    await expect(provider.discoverServer?.(node)).resolves.toBe('111002');
    const requests = emulator.faults.requestCount();
    await expect(provider.discoverServer?.(node)).resolves.toBe('111002');
    expect(emulator.faults.requestCount()).toBe(requests);
    await expect(provider.discoverServer?.({ nodeName: 'x', addresses: ['10.9.9.9'] })).resolves.toBeNull();
  });

  it('a move right after a routing read reuses that read (no second GET on the failover path); an older read is not reused', async () => {
    const registry = new Registry();
    const provider = await setup({}, undefined, { metrics: createProviderMetrics(registry) });
    const reads = async (): Promise<string> => /operation="get_routing",code="200"\} (\d+)/.exec(await registry.metrics())?.[1] ?? '0';
    await provider.getRouting([V4]);
    await provider.route([V4], '111002');
    expect(await reads()).toBe('1');
    expect(emulator.routing(V4)).toBe(111002);
    // The read was taken once: routing to where the address now is reads again and sends nothing.
    await provider.route([V4], '111002');
    expect(await reads()).toBe('2');
    expect(emulator.patches).toHaveLength(1);
    clock.advance(300_000);
    await provider.getRouting([V4]);
    clock.advance(NETCUP_READ_REUSE_MS + 1);
    await provider.route([V4], '111003');
    expect(await reads()).toBe('4');
    expect(emulator.routing(V4)).toBe(111003);
  });

  it('records request and token metrics', async () => {
    const registry = new Registry();
    const provider = await setup({}, undefined, { metrics: createProviderMetrics(registry) });
    await provider.route([V4], '111002');
    const text = await registry.metrics();
    expect(text).toMatch(/ipshift_provider_requests_total\{provider="netcup",operation="get_routing",code="200"\} 1/);
    expect(text).toMatch(/ipshift_provider_requests_total\{provider="netcup",operation="route",code="202"\} 1/);
    expect(text).toMatch(/ipshift_provider_requests_total\{provider="netcup",operation="token_refresh",code="200"\} 1/);
    expect(text).toMatch(/ipshift_provider_token_refresh_total\{provider="netcup",result="success"\} 1/);
    expect(text).toMatch(/ipshift_provider_token_last_refresh_timestamp_seconds\{provider="netcup"\} \d{10}/);
  });
});
