import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { createAgentMetrics } from '../src/metrics/agent-metrics.js';
import { silentLogger } from '../src/ports/logger.js';
import { describeAsRoot as asRoot } from '../test/support/as-root.js';
import { ManualClock } from './fake-cluster-view.js';
import type { GatewayCheck } from './ip-link.js';
import { Iproute2Link } from './iproute2-link.js';
import { UplinkMonitor } from './uplink-monitor.js';
import { ip } from '../test/support/netns.js';

const describeAsRoot = asRoot('agent/uplink-monitor.test.ts');
const REACHABLE: GatewayCheck = { kind: 'reachable', iface: 'eth0', gateway: '203.0.113.1' };
const UNREACHABLE: GatewayCheck = { kind: 'unreachable', iface: 'eth0', gateway: '203.0.113.1' };

describe('UplinkMonitor', () => {
  function setup(answers: GatewayCheck[]) {
    const registry = new Registry();
    const monitor = new UplinkMonitor(
      { intervalMs: 1000, failures: 3 },
      { check: async () => answers.shift() ?? REACHABLE, metrics: createAgentMetrics(registry), logger: silentLogger, clock: new ManualClock() },
    );
    const value = async (): Promise<string | null> =>
      /ipshift_agent_uplink_up\{interface="eth0",gateway="203.0.113.1"\} (\d)/.exec(await registry.metrics())?.[1] ?? null;
    return { monitor, value, registry };
  }

  it('reports the uplink down only after three unanswered ARP checks in a row, and up at the first answer', async () => {
    const { monitor, value } = setup([REACHABLE, UNREACHABLE, UNREACHABLE, REACHABLE, UNREACHABLE, UNREACHABLE, UNREACHABLE, UNREACHABLE, REACHABLE]);
    const seen: Array<string | null> = [];
    for (let i = 0; i < 9; i++) {
      await monitor.checkOnce();
      seen.push(await value());
    }
    expect(seen).toEqual(['1', '1', '1', '1', '1', '1', '0', '0', '1']);
  });

  it('has no series while the check cannot run (no default route, no arping): silence is not an outage', async () => {
    const { monitor, registry } = setup([{ kind: 'unknown', detail: 'no IPv4 default gateway' }]);
    await monitor.checkOnce();
    expect(await registry.metrics()).not.toMatch(/ipshift_agent_uplink_up\{/);
  });
});

describeAsRoot('Iproute2Link.checkGateway against a real gateway', () => {
  const suffix = randomBytes(4).toString('hex');
  const NODE = `ipshift-u-${suffix}-n`;
  const GW = `ipshift-u-${suffix}-g`;

  beforeAll(async () => {
    await ip('netns', 'add', NODE);
    await ip('netns', 'add', GW);
    await ip('-n', NODE, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'up0', 'netns', GW);
    await ip('-n', NODE, 'addr', 'add', '203.0.113.2/24', 'dev', 'eth0');
    await ip('-n', GW, 'addr', 'add', '203.0.113.1/24', 'dev', 'up0');
    for (const [ns, dev] of [
      [NODE, 'eth0'],
      [GW, 'up0'],
    ] as const)
      await ip('-n', ns, 'link', 'set', dev, 'up');
    await ip('-n', NODE, 'route', 'add', 'default', 'via', '203.0.113.1');
  }, 30_000);
  afterAll(async () => {
    await ip('netns', 'del', NODE).catch(() => undefined);
    await ip('netns', 'del', GW).catch(() => undefined);
  });

  it('a gateway that answers ARP is reachable; one whose link is gone is not; no default route is unknown', async () => {
    const link = new Iproute2Link({ netns: NODE, searchPath: process.env['PATH'] ?? '' }, { logger: silentLogger });
    await expect(link.checkGateway()).resolves.toEqual({ kind: 'reachable', iface: 'eth0', gateway: '203.0.113.1' });
    await ip('-n', GW, 'link', 'set', 'up0', 'down');
    await expect(link.checkGateway()).resolves.toEqual({ kind: 'unreachable', iface: 'eth0', gateway: '203.0.113.1' });
    await ip('-n', NODE, 'route', 'del', 'default');
    await expect(link.checkGateway()).resolves.toEqual({ kind: 'unknown', detail: 'no IPv4 default gateway' });
  }, 30_000);
});
