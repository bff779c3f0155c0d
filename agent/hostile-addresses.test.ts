/**
 * A hostile FailoverIP against the real agent code and a real kernel: a router namespace with
 * a bridge (the provider's gateway, 203.0.113.254 and fe80::1) and two node namespaces on it.
 * The FailoverIPs name the gateway, the other node's address, this node's own address and
 * native /64, the metadata service, the stub resolver, a link-local IPv6 address and a
 * cluster range. The agent must add none of them (routes, addresses and ARP unchanged), say
 * why in its metrics, and still add the one acceptable address beside them.
 * Needs root (CAP_SYS_ADMIN for `ip netns add`); CI runs as root.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { parseCidr, type Cidr } from '../src/core/address.js';
import { createAgentMetrics } from '../src/metrics/agent-metrics.js';
import { silentLogger } from '../src/ports/logger.js';
import { describeAsRoot as asRoot } from '../test/support/as-root.js';
import { NodeAgent } from './agent.js';
import { FakeClusterView, ManualClock } from './fake-cluster-view.js';
import { Iproute2Link } from './iproute2-link.js';
import { FileLedgerStore } from './ledger.js';
import { failoverIP, nodeFacts } from './test-fixtures.js';
import { ip, sysctlIn, NO_DAD } from '../test/support/netns.js';

const describeAsRoot = asRoot('agent/hostile-addresses.test.ts');

const suffix = randomBytes(4).toString('hex');
const NS_R = `ipshift-h-${suffix}-r`;
const NS_A = `ipshift-h-${suffix}-a`;
const NS_B = `ipshift-h-${suffix}-b`;
const GATEWAY = '203.0.113.254';

/** Everything of a namespace's network state a bad address would change, without counters. */
async function snapshot(ns: string): Promise<string> {
  const addresses = JSON.parse(await ip('-n', ns, '-j', 'addr', 'show')) as { ifname: string; addr_info: { local: string; prefixlen: number }[] }[];
  const routes = await Promise.all(['-4', '-6'].map((family) => ip('-n', ns, family, 'route', 'show', 'table', 'all')));
  return JSON.stringify({ addresses: addresses.map((l) => [l.ifname, l.addr_info.map((a) => `${a.local}/${a.prefixlen}`).sort()]), routes });
}

/** The link-layer addresses that answer an ARP request for `target`, asked from `ns`. */
async function arpAnswerers(ns: string, iface: string, target: string): Promise<string[]> {
  // arping exits non-zero when nobody answers: what it printed is the answer all the same.
  const stdout = await ip('netns', 'exec', ns, 'arping', '-c', '2', '-w', '2', '-i', iface, target).catch((error: { stdout?: string }) => error.stdout ?? '');
  return [...new Set([...stdout.matchAll(/from ([0-9a-f:]{17}) /g)].map((m) => m[1] ?? ''))].sort();
}

describeAsRoot('a hostile FailoverIP changes nothing on the node', () => {
  const created: string[] = [];
  let stateDir = '';
  let routerMac = '';
  let nodeBMac = '';

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'ipshift-hostile-'));
    for (const ns of [NS_R, NS_A, NS_B]) {
      await ip('netns', 'add', ns);
      created.push(ns);
      await sysctlIn(ns, ...NO_DAD);
      await ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    await ip('-n', NS_R, 'link', 'add', 'br0', 'type', 'bridge');
    await ip('-n', NS_R, 'addr', 'add', `${GATEWAY}/24`, 'dev', 'br0');
    await ip('-n', NS_R, 'addr', 'add', 'fe80::1/64', 'dev', 'br0', 'nodad');
    await ip('-n', NS_R, 'link', 'set', 'br0', 'up');
    for (const [ns, port, v4, v6] of [
      [NS_A, 'pa', '203.0.113.1/24', '2001:db8:aa::1/64'],
      [NS_B, 'pb', '203.0.113.2/24', '2001:db8:bb::1/64'],
    ] as const) {
      await ip('-n', NS_R, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      await ip('-n', NS_R, 'link', 'set', port, 'master', 'br0', 'up');
      await ip('-n', ns, 'addr', 'add', v4, 'dev', 'eth0');
      await ip('-n', ns, 'addr', 'add', v6, 'dev', 'eth0', 'nodad');
      await ip('-n', ns, 'link', 'set', 'eth0', 'up');
      await ip('-n', ns, 'route', 'add', 'default', 'via', GATEWAY, 'dev', 'eth0');
      await ip('-n', ns, '-6', 'route', 'add', 'default', 'via', 'fe80::1', 'dev', 'eth0');
    }
    const [br0] = JSON.parse(await ip('-n', NS_R, '-j', 'link', 'show', 'br0')) as { address: string }[];
    routerMac = br0?.address ?? '';
    const [eth0] = JSON.parse(await ip('-n', NS_B, '-j', 'link', 'show', 'eth0')) as { address: string }[];
    nodeBMac = eth0?.address ?? '';
  });

  afterAll(async () => {
    for (const ns of created) await ip('netns', 'del', ns).catch(() => undefined);
    if (stateDir !== '') await rm(stateDir, { recursive: true, force: true });
  });

  it('refuses the gateway, node addresses, 169.254.169.254, 127.0.0.53, fe80::1, the native /64 and a cluster range; adds the acceptable one', async () => {
    // As in production (agent-command.ts watches its own Node only), node B's Node is not in the view.
    const view = new FakeClusterView(
      [nodeFacts('node-a', { addresses: ['203.0.113.1'] })],
      [
        failoverIP('gateway', [GATEWAY]),
        failoverIP('other-node', ['203.0.113.2']),
        failoverIP('own-address', ['203.0.113.1/32']),
        failoverIP('metadata', ['169.254.169.254']),
        failoverIP('stub-resolver', ['127.0.0.53']),
        failoverIP('link-local', ['fe80::1']),
        failoverIP('native-prefix', ['2001:db8:aa::/64']),
        failoverIP('service-range', ['198.51.100.200']),
        failoverIP('good', ['198.51.100.10']),
      ],
    );
    expect(await arpAnswerers(NS_B, 'eth0', GATEWAY)).toEqual([routerMac]);
    const before = await snapshot(NS_A);

    const registry = new Registry();
    const agent = new NodeAgent(
      {
        nodeName: 'node-a',
        mode: 'all-eligible',
        resyncIntervalMs: 3_600_000,
        // The tests' addresses are documentation ranges; everything else is the production rule.
        addressPolicy: { allowDocumentation: true },
        clusterCidrs: [parseCidr('198.51.100.128/25') as Cidr],
      },
      {
        cluster: view,
        link: new Iproute2Link({ netns: NS_A, searchPath: '' }, { logger: silentLogger }),
        ledger: new FileLedgerStore({ stateDir }),
        metrics: createAgentMetrics(registry),
        logger: silentLogger,
        clock: new ManualClock(),
      },
    );
    await agent.start();
    const report = await agent.syncOnce();
    await agent.stop();
    expect(report).toMatchObject({ completed: true, added: [], removed: [], failed: [] });
    expect(agent.ledgerEntries()).toEqual([{ iface: 'eth0', cidr: '198.51.100.10/32' }]);

    // The only change on node A is the acceptable address.
    await ip('-n', NS_A, 'addr', 'del', '198.51.100.10/32', 'dev', 'eth0');
    expect(await snapshot(NS_A)).toEqual(before);
    const route = await ip('-n', NS_A, 'route', 'get', GATEWAY);
    expect(route).not.toMatch(/^local/);
    // Only the router answers ARP for the gateway, and only node B for its own address.
    expect(await arpAnswerers(NS_B, 'eth0', GATEWAY)).toEqual([routerMac]);
    expect(await arpAnswerers(NS_R, 'br0', '203.0.113.2')).toEqual([nodeBMac]);

    const metrics = await registry.metrics();
    for (const [reason, count] of [
      ['gateway', 1],
      ['node-address', 2],
      ['on-link', 1],
      ['not-global-unicast', 3],
      ['cluster-range', 1],
    ] as const) {
      expect(metrics).toContain(`ipshift_agent_refused_addresses{reason="${reason}"} ${count}`);
    }
  });
});
