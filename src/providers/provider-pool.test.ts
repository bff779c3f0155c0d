import type { FailoverIPObject } from '../core/model.js';
import { systemClock } from '../ports/clock.js';
import { silentLogger } from '../ports/logger.js';
import { createProviderPool } from './provider-pool.js';

const secrets = { read: () => Promise.resolve({}), write: () => Promise.resolve() };

function dryRun(assignedNode: string | null): FailoverIPObject {
  return {
    namespace: 'default',
    name: 'web',
    generation: 1,
    annotations: {},
    spec: { addresses: ['198.51.100.77'], provider: { type: 'dry-run', secretRef: { name: 'unused' } } },
    status: { assignedNode },
  };
}

describe('provider pool', () => {
  it('hands a new leader a dry-run routing recalled from status, so it does not "move" again', async () => {
    // A previous leader routed the address to node-b in dry-run and wrote it to status.
    const pool = createProviderPool(secrets, { logger: silentLogger, clock: systemClock });
    const provider = await pool.forFailoverIP(dryRun('node-b'));
    await expect(provider.getRouting(['198.51.100.77/32'])).resolves.toEqual([{ address: '198.51.100.77/32', serverId: 'node-b' }]);
    // Its own later moves win over the recalled value.
    await provider.route(['198.51.100.77'], 'node-c');
    await pool.forFailoverIP(dryRun('node-b'));
    await expect(provider.getRouting(['198.51.100.77'])).resolves.toEqual([{ address: '198.51.100.77', serverId: 'node-c' }]);
  });

  it('reads a dry-run address never routed as routed nowhere', async () => {
    const pool = createProviderPool(secrets, { logger: silentLogger, clock: systemClock });
    const provider = await pool.forFailoverIP(dryRun(null));
    await expect(provider.getRouting(['198.51.100.77'])).resolves.toEqual([{ address: '198.51.100.77', serverId: null }]);
  });
});
