import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tcpProbe } from '../src/reachability/tcp-probe.js';
import { readBootId, startIdentityResponder } from './identity-responder.js';

describe('the agent identity responder', () => {
  it('answers every connect with the node name and boot id, which the node probe reads', async () => {
    const responder = await startIdentityResponder({
      port: 0,
      bindAddress: '127.0.0.1',
      identity: { node: 'node-2', bootId: '6f1c2a9e-0000-4000-8000-000000000002' },
    });
    try {
      for (let i = 0; i < 3; i++)
        await expect(tcpProbe('127.0.0.1', responder.port, 1000)).resolves.toEqual({
          kind: 'identified',
          node: 'node-2',
          bootId: '6f1c2a9e-0000-4000-8000-000000000002',
        });
    } finally {
      await responder.close();
    }
  });

  it('reads the boot id the kernel publishes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ipshift-boot-'));
    await writeFile(join(dir, 'boot_id'), '1b2c3d4e-aaaa-4bbb-8ccc-123456789abc\n');
    await expect(readBootId(join(dir, 'boot_id'))).resolves.toBe('1b2c3d4e-aaaa-4bbb-8ccc-123456789abc');
  });
});
