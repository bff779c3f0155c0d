/**
 * The agent against a real kernel: two network namespaces stand for two nodes, joined by a
 * veth pair whose ends both live inside them (the host's interfaces are never touched). The
 * agent's iproute2 link runs inside each namespace through `ip netns exec`.
 * Needs root (CAP_SYS_ADMIN for `ip netns add`); CI runs as root.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { PRIMARY_MAC_ANNOTATION, type FailoverIPObject } from '../src/core/model.js';
import { createAgentMetrics } from '../src/metrics/agent-metrics.js';
import { silentLogger } from '../src/ports/logger.js';
import { NodeAgent } from './agent.js';
import type { AgentMode } from './desired-addresses.js';
import { FakeClusterView, ManualClock } from './fake-cluster-view.js';
import { Iproute2Link } from './iproute2-link.js';
import { FileLedgerStore } from './ledger.js';
import { failoverIP, nodeFacts } from './test-fixtures.js';
import { describeAsRoot as asRoot } from '../test/support/as-root.js';
import { ip, sysctlIn, NO_DAD } from '../test/support/netns.js';
import { createCapturingLogger, type LogRecord } from '../test/support/capturing-logger.js';

const describeAsRoot = asRoot('agent/netns.test.ts');

const suffix = randomBytes(4).toString('hex');
const NS_A = `ipshift-t-${suffix}-a`;
const NS_B = `ipshift-t-${suffix}-b`;
const MAC_A = '02:00:5e:10:00:01';
const MAC_B = '02:00:5e:10:00:02';
// Modified EUI-64 of the MACs above inside each node's native /64 (U/L bit 0x02 flipped off).
const NATIVE_A = '2001:db8:aaaa:1::a/64';
const NATIVE_B = '2001:db8:bbbb:1::b/64';
const EUI64_A = '2001:db8:aaaa:1:0:5eff:fe10:1/64';
const EUI64_B = '2001:db8:bbbb:1:0:5eff:fe10:2/64';

/** `address/prefix` of every address on eth0 in a namespace, as the kernel reports them. */
async function addressesIn(ns: string): Promise<string[]> {
  const links = JSON.parse(await ip('-n', ns, '-j', 'addr', 'show', 'dev', 'eth0')) as {
    addr_info: { local: string; prefixlen: number; tentative?: boolean; dadfailed?: boolean }[];
  }[];
  return (links[0]?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}${a.dadfailed === true ? ' dadfailed' : ''}`).sort();
}

interface TestNode {
  readonly agent: NodeAgent;
  readonly link: Iproute2Link;
  readonly registry: Registry;
}

describeAsRoot('agent in real network namespaces', () => {
  const created: string[] = [];
  let stateRoot = '';
  const view = new FakeClusterView([
    // node A is found through its InternalIP, node B through its primary-mac annotation
    nodeFacts('node-a', { addresses: ['10.99.0.1'] }),
    nodeFacts('node-b', { addresses: ['10.99.0.2'], annotations: { [PRIMARY_MAC_ANNOTATION]: MAC_B.toUpperCase() } }),
  ]);

  const startNode = async (ns: string, nodeName: string, mode: AgentMode, ledgerName: string): Promise<TestNode> => {
    const link = new Iproute2Link({ netns: ns, searchPath: '' }, { logger: silentLogger });
    const registry = new Registry();
    const agent = new NodeAgent(
      { nodeName, mode, resyncIntervalMs: 3_600_000, addressPolicy: { allowDocumentation: true }, clusterCidrs: [] },
      {
        cluster: view,
        link,
        ledger: new FileLedgerStore({ stateDir: join(stateRoot, ledgerName) }),
        metrics: createAgentMetrics(registry),
        logger: silentLogger,
        clock: new ManualClock(),
      },
    );
    await agent.start();
    return { agent, link, registry };
  };

  beforeAll(async () => {
    stateRoot = await mkdtemp(join(tmpdir(), 'ipshift-netns-'));
    for (const ns of [NS_A, NS_B]) {
      await ip('netns', 'add', ns);
      created.push(ns);
      // DAD would leave fresh IPv6 addresses tentative for a moment: switch it off for new interfaces.
      await sysctlIn(ns, ...NO_DAD);
    }
    await ip('-n', NS_A, 'link', 'add', 'eth0', 'address', MAC_A, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', NS_B, 'address', MAC_B);
    for (const [ns, v4, v6] of [
      [NS_A, '10.99.0.1/24', NATIVE_A],
      [NS_B, '10.99.0.2/24', NATIVE_B],
    ] as const) {
      await ip('-n', ns, 'addr', 'add', v4, 'dev', 'eth0');
      await ip('-n', ns, 'addr', 'add', v6, 'dev', 'eth0', 'nodad');
      await ip('-n', ns, 'link', 'set', 'eth0', 'up');
      // netcup-style: the IPv6 default route goes via the router's link-local address
      await ip('-n', ns, '-6', 'route', 'add', 'default', 'via', 'fe80::1', 'dev', 'eth0');
    }
  });

  afterAll(async () => {
    for (const ns of created) await ip('netns', 'del', ns).catch(() => undefined);
    if (stateRoot !== '') await rm(stateRoot, { recursive: true, force: true });
  });

  it('all-eligible: IPv4 /32, the failover /64 and the EUI-64 next hop; a second run changes nothing; foreign addresses stay', async () => {
    await ip('-n', NS_A, 'addr', 'add', '192.0.2.77/32', 'dev', 'eth0'); // an administrator's addresses
    await ip('-n', NS_A, 'addr', 'add', '2001:db8:ffff::77/128', 'dev', 'eth0', 'nodad');
    view.fipList = [failoverIP('web', ['198.51.100.10']), failoverIP('web6', ['2001:db8:10::/64'])];

    const a = await startNode(NS_A, 'node-a', 'all-eligible', 'eligible-a');
    const after = await addressesIn(NS_A);
    expect(after).toEqual(
      expect.arrayContaining(['198.51.100.10/32', '2001:db8:10::1/64', EUI64_A, '192.0.2.77/32', '2001:db8:ffff::77/128', '10.99.0.1/24', NATIVE_A]),
    );
    expect(after.some((a) => a.includes('dadfailed'))).toBe(false);
    const ledger = JSON.parse(await readFile(join(stateRoot, 'eligible-a', 'ledger.json'), 'utf8')) as { entries: unknown[] };
    expect(ledger.entries).toEqual([
      { iface: 'eth0', cidr: '198.51.100.10/32' },
      { iface: 'eth0', cidr: '2001:db8:10::1/64' },
      { iface: 'eth0', cidr: EUI64_A },
    ]);
    const metrics = await a.registry.metrics();
    expect(metrics).toContain(`ipshift_agent_address_present{failover_ip="default/web6",address="${EUI64_A}",interface="eth0"} 1`);

    // The failover /64 only receives: deprecated and without prefix route, so the node's own
    // traffic keeps its native source and reaches the rest of the /64 through the router.
    const [eth0] = JSON.parse(await ip('-n', NS_A, '-j', 'addr', 'show', 'dev', 'eth0')) as {
      addr_info: { local: string; deprecated?: boolean; noprefixroute?: boolean }[];
    }[];
    const flags = (address: string) => eth0?.addr_info.find((x) => x.local === address);
    expect(flags('2001:db8:10::1')).toMatchObject({ deprecated: true, noprefixroute: true });
    expect(flags(EUI64_A.split('/')[0] ?? '')?.deprecated).toBeUndefined();
    for (const destination of ['2001:db8:10::99', '2001:db8:10:5::1', '2001:db8:ffff:9::1']) {
      const route = await ip('-n', NS_A, '-6', 'route', 'get', destination);
      expect(route).toContain('via fe80::1');
      expect(route).not.toContain('src 2001:db8:10::1');
    }

    const second = await a.agent.syncOnce();
    expect(second).toMatchObject({ completed: true, iface: 'eth0', added: [], removed: [], failed: [] });
    expect(await addressesIn(NS_A)).toEqual(after);

    // The FailoverIPs are deleted: the agent's own addresses go, everything else stays.
    view.fipList = [];
    view.emit('failover-ip');
    await a.agent.idle();
    const left = (await addressesIn(NS_A)).filter((x) => !x.startsWith('fe80:'));
    expect(left).toEqual(['10.99.0.1/24', '192.0.2.77/32', NATIVE_A, '2001:db8:ffff::77/128']);
    await a.agent.stop();
  });

  it('an EUI-64 address that was already configured is used but never removed', async () => {
    await ip('-n', NS_B, 'addr', 'add', EUI64_B, 'dev', 'eth0', 'nodad');
    view.fipList = [failoverIP('web6', ['2001:db8:20::/64'])];
    const b = await startNode(NS_B, 'node-b', 'all-eligible', 'eui-b');
    expect(await addressesIn(NS_B)).toEqual(expect.arrayContaining(['2001:db8:20::1/64', EUI64_B]));
    view.fipList = [];
    view.emit('failover-ip');
    await b.agent.idle();
    const left = await addressesIn(NS_B);
    expect(left).toContain(EUI64_B);
    expect(left).not.toContain('2001:db8:20::1/64');
    await b.agent.stop();
    await ip('-n', NS_B, 'addr', 'del', EUI64_B, 'dev', 'eth0');
  });

  it('holder-only: the new holder adds when desired, the former holder removes once the provider moved', async () => {
    const status = (assignedNode: string, desiredNode: string): FailoverIPObject[] => [
      failoverIP('web', ['198.51.100.20', '2001:db8:30::/64'], { status: { assignedNode, desiredNode } }),
    ];
    view.fipList = status('node-a', 'node-a');
    const a = await startNode(NS_A, 'node-a', 'holder-only', 'holder-a');
    const b = await startNode(NS_B, 'node-b', 'holder-only', 'holder-b');
    expect(await addressesIn(NS_A)).toEqual(expect.arrayContaining(['198.51.100.20/32', '2001:db8:30::1/64', EUI64_A]));
    expect(await addressesIn(NS_B)).not.toContain('198.51.100.20/32');

    const step = async (assignedNode: string, desiredNode: string): Promise<void> => {
      view.fipList = status(assignedNode, desiredNode);
      view.emit('failover-ip');
      await Promise.all([a.agent.idle(), b.agent.idle()]);
    };
    await step('node-a', 'node-b'); // the controller chose B; the provider still routes to A
    expect(await addressesIn(NS_A)).toEqual(expect.arrayContaining(['198.51.100.20/32', '2001:db8:30::1/64']));
    expect(await addressesIn(NS_B)).toEqual(expect.arrayContaining(['198.51.100.20/32', '2001:db8:30::1/64', EUI64_B]));

    await step('node-b', 'node-b'); // the provider moved: A lets go
    const leftOnA = await addressesIn(NS_A);
    expect(leftOnA).not.toContain('198.51.100.20/32');
    expect(leftOnA).not.toContain('2001:db8:30::1/64');
    expect(leftOnA).not.toContain(EUI64_A);
    expect(leftOnA).toEqual(expect.arrayContaining(['10.99.0.1/24', NATIVE_A, '192.0.2.77/32']));
    expect(await addressesIn(NS_B)).toEqual(expect.arrayContaining(['198.51.100.20/32', '2001:db8:30::1/64', EUI64_B]));

    const again = await Promise.all([a.agent.syncOnce(), b.agent.syncOnce()]);
    for (const report of again) expect(report).toMatchObject({ added: [], removed: [], failed: [] });
    await Promise.all([a.agent.stop(), b.agent.stop()]);
  });

  it('iproute2 link: errors are classified, deleting a missing address succeeds', async () => {
    const link = new Iproute2Link({ netns: NS_A }, { logger: silentLogger });
    await expect(link.addAddress('eth0', '10.99.0.1/24')).rejects.toMatchObject({ kind: 'terminal', code: 'exists' });
    await expect(link.addAddress('nosuch0', '198.51.100.99/32')).rejects.toMatchObject({ kind: 'terminal', code: 'no-device' });
    await expect(link.delAddress('eth0', '198.51.100.98/32')).resolves.toBeUndefined();
    const ifaces = await link.listInterfaces();
    expect(ifaces.map((i) => i.name).sort()).toEqual(['eth0', 'lo']);
    expect(ifaces.find((i) => i.name === 'eth0')?.mac).toBe(MAC_A);
  });

  it('announces with iputils arping (-I), inside the namespace', async () => {
    const bin = await mkdtemp(join(tmpdir(), 'ipshift-bin-'));
    const record = join(bin, 'called');
    // iputils' arping: usage names -I; anything else records its arguments and what it sees.
    await writeFile(
      join(bin, 'arping'),
      `#!/bin/sh\nif [ "$1" = "--help" ]; then echo "Usage: arping [-AbDfhqUV] [-c count] [-I device] destination" >&2; exit 2; fi\necho "$@" > ${record}\nip -j link show > ${record}.links\n`,
    );
    await chmod(join(bin, 'arping'), 0o755);
    try {
      const link = new Iproute2Link({ netns: NS_A, searchPath: bin }, { logger: silentLogger });
      await link.announce('eth0', '198.51.100.20/32');
      expect((await readFile(record, 'utf8')).trim()).toBe('-q -U -c 1 -I eth0 198.51.100.20');
      // it ran inside the namespace: it saw the namespace's eth0 with node A's MAC
      expect(await readFile(`${record}.links`, 'utf8')).toContain(MAC_A);
      // neither ndsend nor ndisc6 there: skipped without an error
      await expect(link.announce('eth0', '2001:db8:30::1/64')).resolves.toBeUndefined();
    } finally {
      await rm(bin, { recursive: true, force: true });
    }
  });

  it('the tools the agent image ships (Debian arping, ndisc6) put packets on the wire', async () => {
    // scripts/ensure-system-deps.mjs installs both, as the Dockerfile's agent target does.
    const logger = createCapturingLogger();
    const lines = (): LogRecord[] => logger.records.filter((r) => r.level === 'debug');
    const link = new Iproute2Link({ netns: NS_A, searchPath: `${process.env['PATH'] ?? ''}:/usr/sbin:/sbin` }, { logger });
    const sent = async (): Promise<number> => {
      const [stats] = JSON.parse(await ip('-n', NS_A, '-s', '-j', 'link', 'show', 'dev', 'eth0')) as { stats64: { tx: { packets: number } } }[];
      return stats?.stats64.tx.packets ?? 0;
    };
    await ip('-n', NS_A, 'addr', 'add', '198.51.100.40/32', 'dev', 'eth0');
    await ip('-n', NS_A, 'addr', 'add', '2001:db8:40::1/64', 'dev', 'eth0', 'nodad');
    try {
      const before4 = await sent();
      await link.announce('eth0', '198.51.100.40/32');
      expect(await sent()).toBeGreaterThan(before4);
      const before6 = await sent();
      await link.announce('eth0', '2001:db8:40::1/64');
      expect(await sent()).toBeGreaterThan(before6);
      // both tools really ran (they exit non-zero because nobody answers), none was skipped
      const tools = lines()
        .filter((l) => typeof l.fields['tool'] === 'string')
        .map((l) => String(l.fields['tool']).split('/').pop());
      expect(tools).toEqual(['arping', 'ndisc6']);
      expect(lines().filter((l) => l.message.startsWith('no announcement'))).toEqual([]);
    } finally {
      await ip('-n', NS_A, 'addr', 'del', '198.51.100.40/32', 'dev', 'eth0').catch(() => '');
      await ip('-n', NS_A, 'addr', 'del', '2001:db8:40::1/64', 'dev', 'eth0').catch(() => '');
    }
  });
});
