import { systemClock } from '../../ports/clock.js';
import type { CredentialStore } from '../../ports/provider.js';
import { createCapturingLogger } from '../../../test/support/capturing-logger.js';
import { createDryRunProvider } from './dry-run-provider.js';

describe('dry-run provider', () => {
  it('starts with every address unrouted, records and logs moves, and reads back what it recorded', async () => {
    const logger = createCapturingLogger();
    const provider = createDryRunProvider({ logger, clock: systemClock });
    expect(await provider.getRouting(['198.51.100.1'])).toEqual([{ address: '198.51.100.1', serverId: null }]);
    await provider.route(['198.51.100.1', '2001:db8::/64'], 'node-a');
    await provider.route(['198.51.100.1/32', '2001:db8::/64'], 'node-a');
    await provider.route(['198.51.100.1'], 'node-b');
    expect(await provider.getRouting(['198.51.100.1/32', '2001:DB8:0::/64'])).toEqual([
      { address: '198.51.100.1/32', serverId: 'node-b' },
      { address: '2001:DB8:0::/64', serverId: 'node-a' },
    ]);
    expect(provider.moves().map((m) => [m.address, m.from, m.to])).toEqual([
      ['198.51.100.1', null, 'node-a'],
      ['2001:db8::/64', null, 'node-a'],
      ['198.51.100.1', 'node-a', 'node-b'],
    ]);
    expect(logger.lines.filter((l) => l.includes('would route'))).toHaveLength(3);
  });

  it('warns once, and carries on, when the Secret cannot be read', async () => {
    const logger = createCapturingLogger();
    const credentials: CredentialStore = {
      read: () => Promise.reject(new Error('secrets "fip-credentials" is forbidden')),
      write: () => Promise.resolve(),
    };
    const provider = createDryRunProvider({ logger, clock: systemClock, credentials });
    await provider.getRouting(['198.51.100.1']);
    await provider.getRouting(['198.51.100.1']);
    expect(logger.lines.filter((l) => l.startsWith('warn') && l.includes('not readable'))).toHaveLength(1);
  });

  it('names the node itself as its server', async () => {
    const provider = createDryRunProvider({ logger: createCapturingLogger(), clock: systemClock });
    expect(await provider.discoverServer?.({ nodeName: 'worker-1', addresses: [] })).toBe('worker-1');
  });
});
