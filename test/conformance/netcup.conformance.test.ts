import { secret } from '../../src/config/secret.js';
import { staticCredentials } from '../../src/providers/credentials.js';
import { createNetcupProvider } from '../../src/providers/netcup/netcup-provider.js';
import { startNetcupEmulator } from '../../src/emulators/netcup/netcup-emulator.js';
import { runProviderConformance } from './provider-conformance.js';

/** Collects every access token the issuer hands out, so the suite can check none leaks. */
function tokenRecordingFetch(sink: string[]): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = input instanceof Request ? input.url : String(input);
    if (url.endsWith('/protocol/openid-connect/token') && response.ok) {
      const body = (await response.clone().json()) as { access_token?: string; refresh_token?: string };
      if (body.access_token) sink.push(body.access_token);
      if (body.refresh_token) sink.push(body.refresh_token);
    }
    return response;
  };
}

runProviderConformance({
  name: 'netcup',
  setup: async (adapter) => {
    // The suite moves IPs back and forth within seconds: the 5-minute rule is tested elsewhere.
    const emulator = await startNetcupEmulator({ taskDurationMs: 60, moveIntervalMs: 0 });
    const secrets: string[] = [emulator.refreshToken];
    const provider = createNetcupProvider({
      apiUrl: emulator.apiUrl,
      issuerUrl: emulator.issuerUrl,
      credentials: staticCredentials({ refreshToken: secret(emulator.refreshToken) }),
      fetch: tokenRecordingFetch(secrets),
      ...adapter,
      taskPollIntervalMs: 25,
    });
    // Other providers hold a static token; warm netcup's OIDC exchange so every test starts equal
    // (through a server lookup: a routing read would be reused by the first test's route()).
    await provider.discoverServer?.({ nodeName: 'warm-up', addresses: ['192.0.2.250'] });
    return {
      provider,
      addresses: ['198.51.100.10', '2001:db8:a:20::/64'],
      servers: ['111001', '111002'],
      faults: emulator.faults,
      secrets,
      teardown: () => emulator.close(),
    };
  },
});
