import { nodeFacts } from '../../test/support/node-facts.js';
import type { NodeFacts } from '../core/model.js';
import { silentLogger } from '../ports/logger.js';
import type { FailoverIpProvider } from '../ports/provider.js';
import { failoverAddressTest, ServerDirectory } from './server-directory.js';

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ServerDirectory', () => {
  it('forgets the discoveries of nodes that left or changed address: node churn does not grow it', async () => {
    const provider = { type: 'netcup', discoverServer: async (hint: { nodeName: string }) => `srv-${hint.nodeName}` } as unknown as FailoverIpProvider;
    const directory = new ServerDirectory(silentLogger);
    // 50 generations of 10 nodes each (autoscaling replaces nodes; addresses are reused).
    for (let generation = 0; generation < 50; generation++) {
      const nodes = Array.from({ length: 10 }, (_, i) => nodeFacts(`node-${generation}-${i}`, { addresses: [`10.0.0.${i}`] }));
      directory.resolve('netcup/ipshift/creds', provider, nodes, generation);
      await settle();
      const found = directory.resolve('netcup/ipshift/creds', provider, nodes, generation);
      expect(found.servers.size).toBe(10);
    }
    expect(directory.size).toBe(10);
  });
});

describe('ServerDirectory pins what a node says of itself', () => {
  const PIN = 'ipshift.dev/server-pin.netcup';
  // netcup finds a server by address: 10.0.0.2 is server 2's, 10.0.0.66 the server an attacker chose.
  const netcup = {
    type: 'netcup',
    discoverServer: async (hint: { addresses: readonly string[] }) => `srv-${hint.addresses[0]?.split('.')[3]}`,
  } as unknown as FailoverIpProvider;
  // Each pin written (a repeat while the watch has not shown it yet is harmless: the same merge patch).
  const pins: Array<[string, string, string]> = [];
  const written = (): string[] => [...new Set(pins.map((p) => p.join(' ')))];
  const writePin = async (node: string, key: string, id: string): Promise<void> => {
    pins.push([node, key, id]);
  };
  beforeEach(() => pins.splice(0));

  async function resolved(directory: ServerDirectory, node: NodeFacts, provider = netcup, write: typeof writePin | null = writePin) {
    directory.resolve('p', provider, [node], 0, write ?? undefined);
    await settle();
    return directory.resolve('p', provider, [node], 0, write ?? undefined);
  }

  it('pins the first server found, as leader only', async () => {
    const node = nodeFacts('node-2', { addresses: ['10.0.0.2'] });
    expect((await resolved(new ServerDirectory(silentLogger), node, netcup, null)).servers.get('node-2')).toBe('srv-2');
    expect(pins).toEqual([]);
    expect((await resolved(new ServerDirectory(silentLogger), node)).servers.get('node-2')).toBe('srv-2');
    expect(written()).toEqual([`node-2 ${PIN} srv-2`]);
  });

  it('a pinned node whose addresses now lead to another server is left out, not remapped', async () => {
    const moved = nodeFacts('node-2', { addresses: ['10.0.0.66'], annotations: { [PIN]: 'srv-2' } });
    const result = await resolved(new ServerDirectory(silentLogger), moved);
    expect(result.servers.has('node-2')).toBe(false);
    expect(result.remapped.get('node-2')).toEqual({ node: 'node-2', pinned: 'srv-2', found: 'srv-66', source: 'discovery' });
    expect(pins).toEqual([]);
    // Same server behind new addresses: nothing to confirm.
    const renumbered = nodeFacts('node-2', { addresses: ['10.0.0.2', '10.0.1.9'], annotations: { [PIN]: 'srv-2' } });
    expect((await resolved(new ServerDirectory(silentLogger), renumbered)).servers.get('node-2')).toBe('srv-2');
  });

  it('while a discovery runs (or finds nothing) the pin holds', () => {
    const moved = nodeFacts('node-2', { addresses: ['10.0.0.66'], annotations: { [PIN]: 'srv-2' } });
    const first = new ServerDirectory(silentLogger).resolve('p', netcup, [moved], 0, writePin);
    expect(first.servers.get('node-2')).toBe('srv-2');
  });

  it('a providerID that changed after the pin is left out too', async () => {
    const hcloud = { type: 'hetzner-cloud' } as unknown as FailoverIpProvider;
    const node = { ...nodeFacts('node-2', { annotations: { 'ipshift.dev/server-pin.hetzner-cloud': '4711' } }), providerID: 'hcloud://666' };
    const result = await resolved(new ServerDirectory(silentLogger), node, hcloud);
    expect(result.remapped.get('node-2')).toMatchObject({ pinned: '4711', found: '666', source: 'provider-id' });
    const first = { ...nodeFacts('node-3'), providerID: 'hcloud://4712' };
    expect((await resolved(new ServerDirectory(silentLogger), first, hcloud)).servers.get('node-3')).toBe('4712');
    expect(written()).toEqual(['node-3 ipshift.dev/server-pin.hetzner-cloud 4712']);
  });

  it("the operator's ipshift.dev/server-id wins and is never pinned", async () => {
    const node = nodeFacts('node-2', { addresses: ['10.0.0.66'], annotations: { 'ipshift.dev/server-id': 'srv-9', [PIN]: 'srv-2' } });
    const result = await resolved(new ServerDirectory(silentLogger), node);
    expect(result.servers.get('node-2')).toBe('srv-9');
    expect(result.remapped.size).toBe(0);
    expect(pins).toEqual([]);
  });
});

describe('ServerDirectory never finds a server by a failover address', () => {
  it("a node's failover /32 (or an address in a failover /64) is not asked about", async () => {
    const asked: string[][] = [];
    const provider = {
      type: 'netcup',
      discoverServer: async (hint: { addresses: readonly string[] }) => {
        asked.push([...hint.addresses]);
        return hint.addresses.length > 0 ? `srv-${hint.addresses[0]}` : null;
      },
    } as unknown as FailoverIpProvider;
    const isFailover = failoverAddressTest([{ spec: { addresses: ['198.51.100.10', '2001:db8:a:20::/64'] } }]);
    const node = nodeFacts('node-2', { addresses: ['198.51.100.10', '2001:db8:a:20::5', '192.0.2.12'] });
    const directory = new ServerDirectory(silentLogger);
    directory.resolve('p', provider, [node], 0, undefined, isFailover);
    await settle();
    expect(directory.resolve('p', provider, [node], 0, undefined, isFailover).servers.get('node-2')).toBe('srv-192.0.2.12');
    expect(asked).toEqual([['192.0.2.12']]);
  });
});
