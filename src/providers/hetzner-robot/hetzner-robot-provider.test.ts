import { secret } from '../../config/secret.js';
import { startHetznerRobotEmulator, type HetznerRobotEmulator } from '../../emulators/hetzner-robot/hetzner-robot-emulator.js';
import { systemClock } from '../../ports/clock.js';
import { silentLogger } from '../../ports/logger.js';
import { staticCredentials } from '../credentials.js';
import { createHetznerRobotProvider } from './hetzner-robot-provider.js';
import { rejectionOf } from '../../../test/support/rejection-of.js';

describe('Hetzner Robot provider against its emulator', () => {
  let emulator: HetznerRobotEmulator;
  const build = () =>
    createHetznerRobotProvider({
      apiUrl: emulator.url,
      credentials: staticCredentials({ user: secret('robot'), password: secret('robot-password') }),
      logger: silentLogger,
      clock: systemClock,
      retry: { deadlineMs: 3_000, maxAttempts: 30, baseDelayMs: 20, maxDelayMs: 60 },
    });

  beforeEach(async () => {
    emulator = await startHetznerRobotEmulator({
      user: 'robot',
      password: 'robot-password',
      servers: [
        { serverIp: '198.51.100.1', serverIpv6Net: '2a01:4f8:0:1::', serverNumber: 101 },
        { serverIp: '198.51.100.2', serverIpv6Net: '2a01:4f8:0:2::', serverNumber: 102 },
      ],
      failoverIps: [{ ip: '198.51.100.100', netmask: '255.255.255.255', serverIp: '198.51.100.1', activeServerIp: '198.51.100.1' }],
      routeDurationMs: 150,
    });
  });
  afterEach(() => emulator.close());

  it('retries FAILOVER_LOCKED and takes FAILOVER_ALREADY_ROUTED as success', async () => {
    const provider = build();
    await Promise.all([provider.route(['198.51.100.100'], '198.51.100.2'), provider.route(['198.51.100.100'], '198.51.100.2')]);
    const statuses = emulator.requests.filter((r) => r.mutation).map((r) => r.status);
    expect(statuses).toContain(200);
    expect(statuses).toContain(409);
    expect(emulator.activeServerOf('198.51.100.100')).toBe('198.51.100.2');
  });

  it('reports an unknown target server as terminal', async () => {
    const error = await rejectionOf(build().route(['198.51.100.100'], '203.0.113.9'));
    expect(error).toMatchObject({ kind: 'terminal', code: 'server-not-found' });
    expect(emulator.requests.filter((r) => r.mutation)).toHaveLength(1);
  });

  it('reports a changed webservice password as a terminal auth error, once', async () => {
    emulator.changePassword('rotated');
    expect(await rejectionOf(build().getRouting(['198.51.100.100']))).toMatchObject({ kind: 'terminal', code: 'auth' });
    expect(emulator.requests).toHaveLength(1);
  });

  it('reports Robot’s request limit (403 RATE_LIMIT_EXCEEDED) as rate-limited for its interval', async () => {
    await emulator.close();
    emulator = await startHetznerRobotEmulator({
      user: 'robot',
      password: 'robot-password',
      servers: [{ serverIp: '198.51.100.1', serverNumber: 101 }],
      failoverIps: [{ ip: '198.51.100.100', netmask: '255.255.255.255', serverIp: '198.51.100.1', activeServerIp: null }],
      requestLimitPerHour: 2,
    });
    const provider = build();
    expect(await provider.getRouting(['198.51.100.100'])).toEqual([{ address: '198.51.100.100', serverId: null }]);
    await provider.getRouting(['198.51.100.100']);
    const error = await rejectionOf(provider.getRouting(['198.51.100.100']));
    expect(error).toMatchObject({ kind: 'rate-limited', retryAfterMs: 3_600_000 });
    expect(emulator.requests).toHaveLength(3);
  });

  it('finds a node’s server by its addresses or its hrobot:// provider ID, once per server list', async () => {
    const provider = build();
    expect(await provider.discoverServer?.({ nodeName: 'a', addresses: ['10.0.0.5', '198.51.100.2'] })).toBe('198.51.100.2');
    expect(await provider.discoverServer?.({ nodeName: 'b', addresses: [], providerID: 'hrobot://101' })).toBe('198.51.100.1');
    expect(await provider.discoverServer?.({ nodeName: 'c', addresses: ['10.0.0.6'] })).toBeNull();
    expect(emulator.requests.filter((r) => r.path === '/server')).toHaveLength(1);
  });
});
