import { Registry } from 'prom-client';
import { terminalError, transientError } from '../src/errors.js';
import { createAgentMetrics } from '../src/metrics/agent-metrics.js';
import { PRIMARY_MAC_ANNOTATION, type FailoverIPObject } from '../src/core/model.js';
import { silentLogger } from '../src/ports/logger.js';
import { NodeAgent, type NodeAgentOptions } from './agent.js';
import type { AgentMode } from './desired-addresses.js';
import { FakeClusterView, ManualClock } from './fake-cluster-view.js';
import { FakeIpLink } from './fake-ip-link.js';
import { MemoryLedgerStore, type LedgerStore } from './ledger.js';
import type { AddressOnInterface } from './reconcile-addresses.js';
import { failoverIP, nodeFacts } from './test-fixtures.js';
import { metricValue } from '../test/support/metric-value.js';

const MAC_A = '52:54:00:aa:00:01';
const MAC_B = '52:54:00:bb:00:01';

// The tests use documentation addresses, accepted only in the tests mode.
const TESTS_MODE = { addressPolicy: { allowDocumentation: true }, clusterCidrs: [] } as const;

function setup(options: { mode?: AgentMode; fips?: FailoverIPObject[]; ledger?: LedgerStore; nodeName?: string; mac?: string; view?: FakeClusterView } = {}) {
  const nodeName = options.nodeName ?? 'node-a';
  const mac = options.mac ?? MAC_A;
  const view = options.view ?? new FakeClusterView([nodeFacts(nodeName, { annotations: { [PRIMARY_MAC_ANNOTATION]: mac } })], options.fips ?? []);
  const link = new FakeIpLink([
    { name: 'lo', mac: '00:00:00:00:00:00', addresses: ['127.0.0.1/8'] },
    { name: 'eth0', mac, addresses: ['203.0.113.5/24', '2a03:4000:6:1::5/64', '192.0.2.99/32'] },
  ]);
  const ledger = options.ledger ?? new MemoryLedgerStore();
  const registry = new Registry();
  const clock = new ManualClock();
  const agentOptions: NodeAgentOptions = { nodeName, mode: options.mode ?? 'all-eligible', resyncIntervalMs: 30_000, ...TESTS_MODE };
  const agent = new NodeAgent(agentOptions, { cluster: view, link, ledger, metrics: createAgentMetrics(registry), logger: silentLogger, clock });
  return { view, link, ledger, registry, clock, agent };
}

const V4 = failoverIP('web', ['198.51.100.1']);
const V6 = failoverIP('web6', ['2001:db8:1::/64']);
const EUI64_A = '2a03:4000:6:1:5054:ff:feaa:1/64';

describe('NodeAgent.syncOnce', () => {
  it('all-eligible: adds the /32, the failover /64 and the EUI-64 next hop; a second pass changes nothing', async () => {
    const { agent, link, registry, ledger } = setup({ fips: [V4, V6] });
    await agent.start();
    expect(link.cidrsOn('eth0')).toEqual(expect.arrayContaining(['198.51.100.1/32', '2001:db8:1::1/64', EUI64_A, '203.0.113.5/24', '192.0.2.99/32']));
    expect((ledger as MemoryLedgerStore).entries).toEqual([
      { iface: 'eth0', cidr: '198.51.100.1/32' },
      { iface: 'eth0', cidr: '2001:db8:1::1/64' },
      { iface: 'eth0', cidr: EUI64_A },
    ]);
    expect(await metricValue(registry, 'ipshift_agent_address_present', { failover_ip: 'default/web', address: '198.51.100.1/32', interface: 'eth0' })).toBe(1);
    expect(await metricValue(registry, 'ipshift_agent_address_present', { failover_ip: 'default/web6', address: EUI64_A })).toBe(1);
    expect(await metricValue(registry, 'ipshift_agent_last_sync_timestamp_seconds')).toBe(1_700_000_000);

    // failover addresses only receive; the EUI-64 next hop is the node's own address
    expect(link.operations.filter((o) => o.op === 'add')).toEqual([
      { op: 'add', iface: 'eth0', cidr: '198.51.100.1/32', receiveOnly: true },
      { op: 'add', iface: 'eth0', cidr: '2001:db8:1::1/64', receiveOnly: true },
      { op: 'add', iface: 'eth0', cidr: EUI64_A },
    ]);
    const opsBefore = link.operations.length;
    const again = await agent.syncOnce();
    expect(again).toMatchObject({ completed: true, iface: 'eth0', added: [], removed: [], failed: [] });
    expect(link.operations.length).toBe(opsBefore);
    await agent.stop();
  });

  it('removes its own addresses when the FailoverIP is deleted, and leaves foreign ones alone', async () => {
    const { agent, link, view, registry } = setup({ fips: [V4] });
    await agent.start();
    expect(link.cidrsOn('eth0')).toContain('198.51.100.1/32');
    link.put('eth0', '198.51.100.50/32'); // an administrator's address
    view.fipList = [];
    view.emit('failover-ip');
    await agent.idle();
    expect(link.cidrsOn('eth0')).not.toContain('198.51.100.1/32');
    expect(link.cidrsOn('eth0')).toEqual(expect.arrayContaining(['198.51.100.50/32', '192.0.2.99/32', '203.0.113.5/24']));
    expect(agent.ledgerEntries()).toEqual([]);
    expect(await metricValue(registry, 'ipshift_agent_address_present', { failover_ip: 'default/web' })).toBeUndefined();
    await agent.stop();
  });

  it('never removes an address it did not add, even when it equals a FailoverIP address', async () => {
    const { agent, link, view } = setup({ fips: [] });
    link.put('eth0', '198.51.100.1/32');
    await agent.start();
    view.fipList = [V4];
    view.emit('failover-ip');
    await agent.idle();
    expect(agent.ledgerEntries()).toEqual([]); // present already: not ours
    view.fipList = [];
    view.emit('failover-ip');
    await agent.idle();
    expect(link.cidrsOn('eth0')).toContain('198.51.100.1/32');
    expect(link.operations.filter((o) => o.op === 'del')).toEqual([]);
    await agent.stop();
  });

  it('holder-only: the new holder adds as soon as it is desired, the old one removes once neither desired nor assigned', async () => {
    const view = new FakeClusterView(
      [nodeFacts('node-a', { annotations: { [PRIMARY_MAC_ANNOTATION]: MAC_A } }), nodeFacts('node-b', { annotations: { [PRIMARY_MAC_ANNOTATION]: MAC_B } })],
      [failoverIP('web', ['198.51.100.1'], { status: { assignedNode: 'node-a', desiredNode: 'node-a' } })],
    );
    const a = setup({ mode: 'holder-only', nodeName: 'node-a', mac: MAC_A, view });
    const b = setup({ mode: 'holder-only', nodeName: 'node-b', mac: MAC_B, view });
    await a.agent.start();
    await b.agent.start();
    expect(a.link.cidrsOn('eth0')).toContain('198.51.100.1/32');
    expect(b.link.cidrsOn('eth0')).not.toContain('198.51.100.1/32');
    expect(a.link.operations).toContainEqual({ op: 'announce', iface: 'eth0', cidr: '198.51.100.1/32' });

    const step = async (assignedNode: string, desiredNode: string): Promise<void> => {
      view.fipList = [failoverIP('web', ['198.51.100.1'], { status: { assignedNode, desiredNode } })];
      view.emit('failover-ip');
      await Promise.all([a.agent.idle(), b.agent.idle()]);
    };
    await step('node-a', 'node-b'); // decided, provider not moved yet: both hold it
    expect(a.link.cidrsOn('eth0')).toContain('198.51.100.1/32');
    expect(b.link.cidrsOn('eth0')).toContain('198.51.100.1/32');
    await step('node-b', 'node-b'); // provider moved: the former holder lets go
    expect(a.link.cidrsOn('eth0')).not.toContain('198.51.100.1/32');
    expect(b.link.cidrsOn('eth0')).toContain('198.51.100.1/32');
    await Promise.all([a.agent.stop(), b.agent.stop()]);
  });

  it('changes nothing while its own Node is not visible', async () => {
    const { agent, link, view, registry } = setup({ fips: [V4] });
    view.nodeList = [];
    const report = await agent.syncOnce();
    expect(report.completed).toBe(false);
    expect(link.operations).toEqual([]);
    expect(await metricValue(registry, 'ipshift_agent_errors_total', { operation: 'node-missing' })).toBe(1);
  });

  it('changes nothing when no interface can be chosen, even with owned addresses', async () => {
    const ledger = new MemoryLedgerStore([{ iface: 'eth0', cidr: '198.51.100.1/32' }]);
    const { agent, link, view, registry } = setup({ fips: [], ledger });
    link.put('eth0', '198.51.100.1/32');
    view.nodeList = [nodeFacts('node-a', { annotations: { [PRIMARY_MAC_ANNOTATION]: '52:54:00:99:99:99' } })];
    await agent.start();
    expect(link.cidrsOn('eth0')).toContain('198.51.100.1/32');
    expect(await metricValue(registry, 'ipshift_agent_errors_total', { operation: 'choose-interface' })).toBe(1);
    await agent.stop();
  });

  it('a failed add is counted, reported as missing, and retried on the next pass', async () => {
    const { agent, link, registry } = setup({ fips: [V4] });
    link.failNext.set('add', transientError('ip addr add: boom', 'ip-failed'));
    await agent.start();
    expect(link.cidrsOn('eth0')).not.toContain('198.51.100.1/32');
    expect(await metricValue(registry, 'ipshift_agent_errors_total', { operation: 'add-address' })).toBe(1);
    expect(await metricValue(registry, 'ipshift_agent_address_present', { failover_ip: 'default/web' })).toBe(0);
    await agent.syncOnce();
    expect(link.cidrsOn('eth0')).toContain('198.51.100.1/32');
    expect(await metricValue(registry, 'ipshift_agent_address_present', { failover_ip: 'default/web' })).toBe(1);
    await agent.stop();
  });

  it('an address that appeared between listing and adding is not taken as its own', async () => {
    const { agent, link, ledger } = setup({ fips: [V4] });
    link.failNext.set('add', terminalError('already present', 'exists'));
    await agent.start();
    expect(agent.ledgerEntries()).toEqual([]);
    expect((ledger as MemoryLedgerStore).entries).toEqual([]);
    await agent.stop();
  });

  it('adds nothing when the ledger cannot be written first (write-ahead)', async () => {
    const failing: LedgerStore = { load: () => Promise.resolve([]), save: () => Promise.reject(transientError('disk full', 'ledger-write')) };
    const { agent, link, registry } = setup({ fips: [V4], ledger: failing });
    await agent.start();
    expect(link.operations.filter((o) => o.op === 'add')).toEqual([]);
    expect(agent.ledgerEntries()).toEqual([]);
    expect(await metricValue(registry, 'ipshift_agent_errors_total', { operation: 'ledger-write' })).toBe(1);
    await agent.stop();
  });

  it('an unreadable ledger starts empty: nothing it added before gets removed', async () => {
    const broken: LedgerStore = { load: () => Promise.reject(terminalError('corrupt', 'ledger-corrupt')), save: () => Promise.resolve() };
    const { agent, link, registry } = setup({ fips: [], ledger: broken });
    link.put('eth0', '198.51.100.1/32');
    await agent.start();
    expect(link.cidrsOn('eth0')).toContain('198.51.100.1/32');
    expect(await metricValue(registry, 'ipshift_agent_errors_total', { operation: 'ledger-read' })).toBe(1);
    await agent.stop();
  });

  it('forgets owned addresses removed by hand', async () => {
    const ledger = new MemoryLedgerStore([{ iface: 'eth0', cidr: '198.51.100.77/32' }]);
    const { agent } = setup({ fips: [], ledger });
    await agent.start();
    expect(ledger.entries).toEqual([]);
    await agent.stop();
  });

  it('counts invalid FailoverIP addresses and still configures the valid ones', async () => {
    const { agent, link, registry } = setup({ fips: [failoverIP('odd', ['198.51.100.0/29', '198.51.100.8'])] });
    await agent.start();
    expect(link.cidrsOn('eth0')).toContain('198.51.100.8/32');
    expect(await metricValue(registry, 'ipshift_agent_errors_total', { operation: 'invalid-address' })).toBe(1);
    await agent.stop();
  });
});

describe('NodeAgent loop', () => {
  it('resyncs on the timer and repairs an address removed behind its back', async () => {
    const { agent, link, clock } = setup({ fips: [V4] });
    await agent.start();
    await link.delAddress('eth0', '198.51.100.1/32');
    expect(clock.pendingSleeps()).toBe(1);
    clock.advance(30_000);
    await new Promise((resolve) => setImmediate(resolve));
    await agent.idle();
    expect(link.cidrsOn('eth0')).toContain('198.51.100.1/32');
    await agent.stop();
    expect(clock.pendingSleeps()).toBe(0);
  });

  it('coalesces a burst of changes into at most one extra pass, and ignores pod changes', async () => {
    const { agent, link, view } = setup({ fips: [V4] });
    await agent.start();
    let lists = 0;
    const original = link.listInterfaces.bind(link);
    link.listInterfaces = () => {
      lists += 1;
      return original();
    };
    view.emit('pod');
    await agent.idle();
    expect(lists).toBe(0);
    for (let i = 0; i < 20; i += 1) view.emit('node');
    await agent.idle();
    expect(lists).toBe(2); // the one started at once, plus one for everything that came meanwhile
    await agent.stop();
  });

  it('stop unsubscribes and later changes do nothing', async () => {
    const { agent, link, view } = setup({ fips: [V4] });
    await agent.start();
    expect(view.listenerCount()).toBe(1);
    await agent.stop();
    expect(view.listenerCount()).toBe(0);
    const before = link.operations.length;
    agent.request();
    await agent.idle();
    expect(link.operations.length).toBe(before);
  });

  it('interface changes: the address moves to the interface the annotation now names, make before break', async () => {
    const { agent, view } = setup({ fips: [V4] });
    await agent.start();
    const ledgerBefore: readonly AddressOnInterface[] = agent.ledgerEntries();
    expect(ledgerBefore).toEqual([{ iface: 'eth0', cidr: '198.51.100.1/32' }]);
    await agent.stop();
    // The operator points the annotation at a second NIC; the next agent run shares the ledger.
    view.nodeList = [nodeFacts('node-a', { annotations: { [PRIMARY_MAC_ANNOTATION]: '52:54:00:aa:00:02' } })];
    const ledger = new MemoryLedgerStore([...ledgerBefore]);
    const twoNics = new FakeIpLink([
      { name: 'eth0', mac: MAC_A, addresses: ['198.51.100.1/32'] },
      { name: 'eth1', mac: '52:54:00:aa:00:02' },
    ]);
    const registry = new Registry();
    const moved = new NodeAgent(
      { nodeName: 'node-a', mode: 'all-eligible', resyncIntervalMs: 30_000, ...TESTS_MODE },
      { cluster: view, link: twoNics, ledger, metrics: createAgentMetrics(registry), logger: silentLogger, clock: new ManualClock() },
    );
    await moved.start();
    expect(twoNics.cidrsOn('eth1')).toEqual(['198.51.100.1/32']);
    expect(twoNics.cidrsOn('eth0')).toEqual([]);
    expect(twoNics.operations.map((o) => o.op)).toEqual(['add', 'del']); // make before break
    await moved.stop();
  });
});
