import { nodeFacts } from '../../test/support/node-facts.js';
import { silentLogger } from '../ports/logger.js';
import type { FailoverIpProvider } from '../ports/provider.js';
import { ServerDirectory } from './server-directory.js';

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
      expect(found.size).toBe(10);
    }
    expect(directory.size).toBe(10);
  });
});
