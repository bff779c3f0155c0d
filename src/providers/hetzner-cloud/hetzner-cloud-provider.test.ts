import { Registry } from 'prom-client';
import { secret } from '../../config/secret.js';
import { IpshiftError } from '../../errors.js';
import { startHetznerCloudEmulator, type HetznerCloudEmulator } from '../../emulators/hetzner-cloud/hetzner-cloud-emulator.js';
import { createProviderMetrics } from '../../metrics/provider-metrics.js';
import { systemClock } from '../../ports/clock.js';
import { silentLogger } from '../../ports/logger.js';
import { staticCredentials } from '../credentials.js';
import type { RetryPolicy } from '../../retry/with-retry.js';
import { createHetznerCloudProvider, type HetznerCloudProviderOptions } from './hetzner-cloud-provider.js';
import { rejectionOf } from '../../../test/support/rejection-of.js';

const TOKEN = 'hcloud-unit-token-1234';
const FAST: RetryPolicy = { deadlineMs: 3_000, maxAttempts: 20, baseDelayMs: 20, maxDelayMs: 100 };

describe('Hetzner Cloud provider against its emulator', () => {
  let emulator: HetznerCloudEmulator;
  const build = (extra: Partial<HetznerCloudProviderOptions> = {}) =>
    createHetznerCloudProvider({
      apiUrl: `${emulator.url}/v1`,
      credentials: staticCredentials({ token: secret(TOKEN) }),
      logger: silentLogger,
      clock: systemClock,
      retry: FAST,
      actionPollIntervalMs: 10,
      ...extra,
    });

  beforeEach(async () => {
    emulator = await startHetznerCloudEmulator({
      token: TOKEN,
      floatingIps: Array.from({ length: 60 }, (_, i) => ({ id: i + 1, ip: `203.0.113.${i + 1}`, server: i === 54 ? 7 : null })),
      servers: [
        { id: 7, name: 'cp-1', publicIpv4: '198.51.100.7', privateIps: ['10.0.0.7'] },
        { id: 8, name: 'worker-1' },
      ],
      actionDurationMs: 100,
      rateLimit: 50,
    });
  });
  afterEach(() => emulator.close());

  it('pages through the floating IP list', async () => {
    expect(await build().getRouting(['203.0.113.55', '203.0.113.1'])).toEqual([
      { address: '203.0.113.55', serverId: '7' },
      { address: '203.0.113.1', serverId: null },
    ]);
    expect(emulator.requests.filter((r) => r.path === '/v1/floating_ips')).toHaveLength(2);
  });

  it('retries while another action holds the floating IP locked (423), then assigns', async () => {
    const provider = build();
    await Promise.all([provider.route(['203.0.113.55'], '8'), provider.route(['203.0.113.55'], '8')]);
    const assigns = emulator.requests.filter((r) => r.mutation);
    expect(assigns.some((r) => r.status === 423)).toBe(true);
    // The refused caller reads the routing before it sends again: when that read lands after the
    // first action it sends nothing more; when it lands just before the action ends (the 100 ms
    // lock races the retry's jittered backoff) it sends one more assign to the same server, which
    // is harmless. Never more than that.
    expect(assigns.filter((r) => r.status === 201).length).toBeGreaterThanOrEqual(1);
    expect(assigns.filter((r) => r.status === 201).length).toBeLessThanOrEqual(2);
    // Every assign after the refusal follows a read of the routing sent after that refusal.
    const refusedAt = emulator.requests.findIndex((r) => r.mutation && r.status === 423);
    const later = emulator.requests.slice(refusedAt + 1);
    const resent = later.findIndex((r) => r.mutation);
    if (resent >= 0) expect(later.slice(0, resent).some((r) => r.method === 'GET' && r.path.startsWith('/v1/floating_ips'))).toBe(true);
    expect(emulator.serverOf('203.0.113.55')).toBe(8);
  });

  it('refuses a server id that is not a number without asking the API', async () => {
    const error = await rejectionOf(build().route(['203.0.113.55'], 'node-a'));
    expect(error).toMatchObject({ kind: 'terminal', code: 'validation' });
    expect(emulator.requests).toHaveLength(0);
  });

  it('names the missing Secret key and sends nothing', async () => {
    const error = await rejectionOf(build({ credentials: staticCredentials({}) }).getRouting(['203.0.113.55']));
    expect(error).toMatchObject({ kind: 'terminal', code: 'credentials-missing' });
    expect(error.message).toContain('"token"');
    expect(emulator.requests).toHaveLength(0);
  });

  it('reports a spent project budget as rate-limited until RateLimit-Reset', async () => {
    const provider = build({ retry: { ...FAST, deadlineMs: 200 } });
    let error: IpshiftError | undefined;
    for (let i = 0; i < 60 && !error; i++)
      error = await provider.getRouting(['203.0.113.1']).then(
        () => undefined,
        (e: IpshiftError) => e,
      );
    expect(error?.kind).toBe('rate-limited');
    expect(error?.retryAfterMs).toBeGreaterThan(0);
    expect(error?.retryAfterMs).toBeLessThanOrEqual(51_000);
  });

  it('reports a revoked token as a terminal auth error that says what to check', async () => {
    emulator.revokeToken();
    const error = await rejectionOf(build().getRouting(['203.0.113.1']));
    expect(error).toMatchObject({ kind: 'terminal', code: 'auth' });
    expect(error.message).toContain('check the credentials in the provider Secret');
    expect(emulator.requests).toHaveLength(1);
  });

  it('records provider request metrics', async () => {
    const registry = new Registry();
    await build({ metrics: createProviderMetrics(registry) }).route(['203.0.113.1'], '8');
    const text = await registry.metrics();
    expect(text).toMatch(/ipshift_provider_requests_total\{provider="hetzner-cloud",operation="route",code="201"\} 1/);
    expect(text).toMatch(/ipshift_provider_requests_total\{provider="hetzner-cloud",operation="poll_task",code="200"\} [1-9]/);
  });

  it('finds the server of a node from its hcloud:// provider ID, else asks GET /servers', async () => {
    const provider = build();
    expect(await provider.discoverServer?.({ nodeName: 'n1', addresses: [], providerID: 'hcloud://4711' })).toBe('4711');
    expect(await provider.discoverServer?.({ nodeName: 'n1', addresses: ['10.0.0.1'] })).toBeNull();
    expect(emulator.requests.filter((r) => r.path === '/v1/servers')).toHaveLength(1);
  });

  it('finds the server of a node without a providerID by its addresses, else by its name', async () => {
    const provider = build();
    expect(await provider.discoverServer?.({ nodeName: 'x', addresses: ['10.0.0.7'] })).toBe('7');
    expect(await provider.discoverServer?.({ nodeName: 'x', addresses: ['198.51.100.7'] })).toBe('7');
    expect(await provider.discoverServer?.({ nodeName: 'worker-1', addresses: ['10.0.0.99'] })).toBe('8');
    expect(emulator.requests.filter((r) => r.path === '/v1/servers')).toHaveLength(1);
  });
});
