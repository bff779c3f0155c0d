import { secret } from '../config/secret.js';
import { PROVIDER_TYPES } from '../core/model.js';
import { systemClock } from '../ports/clock.js';
import { silentLogger } from '../ports/logger.js';
import { staticCredentials } from './credentials.js';
import { createProvider, type ProviderDeps } from './provider-factory.js';

function deps(seen: string[]): ProviderDeps {
  const fetchImpl = (input: string | URL | Request): Promise<Response> => {
    seen.push(String(input));
    return Promise.resolve(new Response('{"error":{"code":"not_found","message":"nope"}}', { status: 404 }));
  };
  return {
    credentials: staticCredentials({ token: secret('t0ken-value'), user: secret('u'), password: secret('p4ssword') }),
    endpoints: {
      hetznerCloudApiUrl: 'http://127.0.0.1:9/hcloud/v1',
      hetznerRobotApiUrl: 'http://127.0.0.1:9/robot',
      digitaloceanApiUrl: 'http://127.0.0.1:9/do',
    },
    logger: silentLogger,
    clock: systemClock,
    fetch: fetchImpl as typeof fetch,
  };
}

describe('createProvider', () => {
  it.each(PROVIDER_TYPES)('builds a %s adapter', (type) => {
    const provider = createProvider(type, deps([]));
    expect(provider.type).toBe(type);
    expect(provider.minMoveIntervalMs).toBe(type === 'netcup' ? 300_000 : 0);
  });

  it.each([
    ['hetzner-cloud', 'http://127.0.0.1:9/hcloud/v1/floating_ips?'],
    ['hetzner-robot', 'http://127.0.0.1:9/robot/failover/198.51.100.1'],
    ['digitalocean', 'http://127.0.0.1:9/do/v2/reserved_ips/198.51.100.1'],
  ] as const)('sends %s requests to the overridden endpoint', async (type, prefix) => {
    const seen: string[] = [];
    await expect(createProvider(type, deps(seen)).getRouting(['198.51.100.1'])).rejects.toMatchObject({ kind: 'terminal' });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.startsWith(prefix)).toBe(true);
  });
});
