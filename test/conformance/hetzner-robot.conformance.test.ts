import { secret } from '../../src/config/secret.js';
import { startHetznerRobotEmulator } from '../../src/emulators/hetzner-robot/hetzner-robot-emulator.js';
import { staticCredentials } from '../../src/providers/credentials.js';
import { createHetznerRobotProvider } from '../../src/providers/hetzner-robot/hetzner-robot-provider.js';
import { runProviderConformance } from './provider-conformance.js';

const USER = '#ws+robotuser';
const PASSWORD = 'robot-pass-7d1e9b3a5c';

runProviderConformance({
  name: 'hetzner-robot',
  async setup(adapter) {
    const emulator = await startHetznerRobotEmulator({
      user: USER,
      password: PASSWORD,
      servers: [
        { serverIp: '198.51.100.11', serverIpv6Net: '2a01:4f8:0:11::', serverNumber: 311 },
        { serverIp: '198.51.100.12', serverIpv6Net: '2a01:4f8:0:12::', serverNumber: 312 },
      ],
      failoverIps: [
        { ip: '198.51.100.200', netmask: '255.255.255.255', serverIp: '198.51.100.11', activeServerIp: '198.51.100.11' },
        { ip: '2a01:4f8:fff0:4::', netmask: 'ffff:ffff:ffff:ffff::', serverIp: '198.51.100.11', activeServerIp: '2a01:4f8:0:11::' },
      ],
      routeDurationMs: 20,
    });
    const provider = createHetznerRobotProvider({
      apiUrl: emulator.url,
      credentials: staticCredentials({ user: secret(USER), password: secret(PASSWORD) }),
      ...adapter,
      routeTimeoutMs: adapter.requestTimeoutMs,
    });
    return {
      provider,
      addresses: ['198.51.100.200/32', '2a01:4f8:fff0:4::/64'],
      servers: ['198.51.100.11', '198.51.100.12'],
      faults: emulator.control,
      secrets: [PASSWORD, Buffer.from(`${USER}:${PASSWORD}`).toString('base64')],
      teardown: () => emulator.close(),
    };
  },
});
