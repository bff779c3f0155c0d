import { secret } from '../../src/config/secret.js';
import { startHetznerCloudEmulator } from '../../src/emulators/hetzner-cloud/hetzner-cloud-emulator.js';
import { staticCredentials } from '../../src/providers/credentials.js';
import { createHetznerCloudProvider } from '../../src/providers/hetzner-cloud/hetzner-cloud-provider.js';
import { runProviderConformance } from './provider-conformance.js';

const TOKEN = 'hcloud-test-token-4f9a2c7e1b';

runProviderConformance({
  name: 'hetzner-cloud',
  async setup(adapter) {
    const emulator = await startHetznerCloudEmulator({
      token: TOKEN,
      floatingIps: [
        { id: 11, ip: '203.0.113.10', server: 1001 },
        { id: 12, ip: '2001:db8:10::/64', server: 1001 },
        { id: 13, ip: '203.0.113.99', server: null },
      ],
      servers: [1001, 1002],
      actionDurationMs: 30,
    });
    const provider = createHetznerCloudProvider({
      apiUrl: `${emulator.url}/v1`,
      credentials: staticCredentials({ token: secret(TOKEN) }),
      ...adapter,
      actionPollIntervalMs: 10,
    });
    return {
      provider,
      addresses: ['203.0.113.10', '2001:db8:10::/64'],
      servers: ['1001', '1002'],
      faults: emulator.control,
      secrets: [TOKEN],
      teardown: () => emulator.close(),
    };
  },
});
