import { secret } from '../../config/secret.js';
import { startDigitalOceanEmulator, type DigitalOceanEmulator } from '../../emulators/digitalocean/digitalocean-emulator.js';
import { systemClock } from '../../ports/clock.js';
import { silentLogger } from '../../ports/logger.js';
import { staticCredentials } from '../credentials.js';
import { createDigitalOceanProvider } from './digitalocean-provider.js';
import { rejectionOf } from '../../../test/support/rejection-of.js';

const TOKEN = 'dop_v1_unit_token';

describe('DigitalOcean provider against its emulator', () => {
  let emulator: DigitalOceanEmulator;
  /** A provider on emulator `e`: quick retries and action polls. */
  const on = (e: DigitalOceanEmulator) =>
    createDigitalOceanProvider({
      apiUrl: e.url,
      credentials: staticCredentials({ token: secret(TOKEN) }),
      logger: silentLogger,
      clock: systemClock,
      retry: { deadlineMs: 3_000, maxAttempts: 30, baseDelayMs: 20, maxDelayMs: 60 },
      actionPollIntervalMs: 10,
    });
  const build = () => on(emulator);

  beforeEach(async () => {
    emulator = await startDigitalOceanEmulator({
      token: TOKEN,
      reservedIps: [{ ip: '203.0.113.5', dropletId: 1, region: 'fra1' }],
      droplets: [
        { id: 1, region: 'fra1', name: 'pool-a-1', publicIpv4: '198.51.100.1', privateIpv4: '10.110.0.1' },
        { id: 2, region: 'fra1', name: 'pool-a-2', publicIpv4: '198.51.100.2' },
        { id: 3, region: 'nyc3' },
      ],
      actionDurationMs: 150,
    });
  });
  afterEach(() => emulator.close());

  it('retries an assign refused for a pending event (422) until the event is done', async () => {
    const provider = build();
    await Promise.all([provider.route(['203.0.113.5'], '2'), provider.route(['203.0.113.5'], '2')]);
    const statuses = emulator.requests.filter((r) => r.mutation).map((r) => r.status);
    expect(statuses).toContain(422);
    // The refused caller reads the routing before it sends again: after the first event it sends
    // nothing more; a read that lands just before the event ends (the event's duration races the
    // retry's jittered backoff) leads to one more assign to the same Droplet, which is harmless.
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1);
    expect(statuses.filter((s) => s === 201).length).toBeLessThanOrEqual(2);
    const refusedAt = emulator.requests.findIndex((r) => r.mutation && r.status === 422);
    const later = emulator.requests.slice(refusedAt + 1);
    const resent = later.findIndex((r) => r.mutation);
    if (resent >= 0) expect(later.slice(0, resent).some((r) => r.method === 'GET')).toBe(true);
    expect(emulator.dropletOf('203.0.113.5')).toBe(2);
  });

  it('does not retry a Droplet in another region (422)', async () => {
    const error = await rejectionOf(build().route(['203.0.113.5'], '3'));
    expect(error).toMatchObject({ kind: 'terminal', code: 'validation' });
    expect(emulator.requests.filter((r) => r.mutation)).toHaveLength(1);
  });

  it('refuses an IPv6 prefix (a reserved IPv6 is one address, /128) and non-numeric server ids without asking the API', async () => {
    expect(await rejectionOf(build().getRouting(['2001:db8::/64']))).toMatchObject({ kind: 'terminal', code: 'validation' });
    expect(await rejectionOf(build().route(['203.0.113.5'], 'node-a'))).toMatchObject({ kind: 'terminal', code: 'validation' });
    expect(emulator.requests).toHaveLength(0);
  });

  it('reports a revoked token as a terminal auth error, once', async () => {
    emulator.revokeToken();
    expect(await rejectionOf(build().route(['203.0.113.5'], '2'))).toMatchObject({ kind: 'terminal', code: 'auth' });
    expect(emulator.requests).toHaveLength(1);
  });

  it('finds the Droplet of a node from its digitalocean:// provider ID, else by its addresses or name', async () => {
    expect(await build().discoverServer?.({ nodeName: 'n', addresses: [], providerID: 'digitalocean://99' })).toBe('99');
    const provider = build();
    expect(await provider.discoverServer?.({ nodeName: 'n', addresses: ['10.110.0.1'], providerID: 'hcloud://99' })).toBe('1');
    expect(await provider.discoverServer?.({ nodeName: 'pool-a-2', addresses: [] })).toBe('2');
    expect(await provider.discoverServer?.({ nodeName: 'n', addresses: ['10.9.9.9'] })).toBeNull();
    expect(emulator.requests.filter((r) => r.path === '/v2/droplets')).toHaveLength(1);
  });

  describe('one reserved IP per Droplet', () => {
    let crowded: DigitalOceanEmulator;
    const start = (inUseMessage?: string) =>
      startDigitalOceanEmulator({
        token: TOKEN,
        reservedIps: [
          { ip: '203.0.113.5', dropletId: 1 },
          { ip: '203.0.113.6', dropletId: 2 },
          { ip: '2001:db8:5::5', dropletId: 1 },
        ],
        droplets: [{ id: 1 }, { id: 2 }, { id: 3 }],
        actionDurationMs: 20,
        ...(inUseMessage === undefined ? {} : { inUseMessage }),
      });
    afterEach(() => crowded.close());

    it.each([
      ['a message that says so', undefined],
      ['any other wording (the Droplet is checked)', 'Unprocessable Entity'],
    ])('refuses a Droplet that holds another reserved IPv4 as node-in-use, sent once, with %s', async (_what, message) => {
      crowded = await start(message);
      const error = await rejectionOf(on(crowded).route(['203.0.113.5'], '2'));
      expect(error).toMatchObject({ kind: 'target-refused', code: 'node-in-use' });
      expect(crowded.requests.filter((r) => r.mutation).map((r) => r.status)).toEqual([422]);
      expect(crowded.dropletOf('203.0.113.5')).toBe(1);
    });

    it('keeps other 422s as they are, and moves a reserved IPv6 beside a Droplet’s reserved IPv4', async () => {
      crowded = await start('Unprocessable Entity');
      await on(crowded).route(['2001:db8:5::5/128'], '2');
      expect(crowded.dropletOf('2001:db8:5::5')).toBe(2);
      expect(await on(crowded).getRouting(['203.0.113.6/32', '2001:db8:5::5/128'])).toEqual([
        { address: '203.0.113.6/32', serverId: '2' },
        { address: '2001:db8:5::5/128', serverId: '2' },
      ]);
      expect(await rejectionOf(on(crowded).route(['203.0.113.5'], '99'))).toMatchObject({ kind: 'terminal', code: 'validation' });
    });

    it('the provider says so: onePerServer', async () => {
      crowded = await start();
      expect(on(crowded).onePerServer).toBe(true);
    });
  });
});
