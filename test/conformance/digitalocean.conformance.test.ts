import { secret } from '../../src/config/secret.js';
import { startDigitalOceanEmulator } from '../../src/emulators/digitalocean/digitalocean-emulator.js';
import { staticCredentials } from '../../src/providers/credentials.js';
import { createDigitalOceanProvider } from '../../src/providers/digitalocean/digitalocean-provider.js';
import { runProviderConformance } from './provider-conformance.js';

const TOKEN = 'dop_v1_conformance_8c2e5a1f9d';

runProviderConformance({
  name: 'digitalocean',
  async setup(adapter) {
    const emulator = await startDigitalOceanEmulator({
      token: TOKEN,
      reservedIps: [
        // One reserved IP per Droplet (and family): a FailoverIP moves a reserved IPv4 and a reserved IPv6 together.
        { ip: '203.0.113.50', dropletId: 4001 },
        { ip: '2001:db8:50::5', dropletId: 4001 },
      ],
      droplets: [{ id: 4001 }, { id: 4002 }],
      actionDurationMs: 30,
    });
    const provider = createDigitalOceanProvider({
      apiUrl: emulator.url,
      credentials: staticCredentials({ token: secret(TOKEN) }),
      ...adapter,
      actionPollIntervalMs: 10,
    });
    return {
      provider,
      addresses: ['203.0.113.50/32', '2001:db8:50::5/128'],
      servers: ['4001', '4002'],
      faults: emulator.control,
      secrets: [TOKEN],
      teardown: () => emulator.close(),
    };
  },
});
