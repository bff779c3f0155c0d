import { secret, type Secret } from '../../src/config/secret.js';
import { IpshiftError } from '../../src/errors.js';
import { systemClock } from '../../src/ports/clock.js';
import type { CredentialStore } from '../../src/ports/provider.js';
import { startNetcupEmulator, type NetcupEmulator } from '../../src/emulators/netcup/netcup-emulator.js';
import { createNetcupProvider } from '../../src/providers/netcup/netcup-provider.js';
import { createCapturingLogger } from '../support/capturing-logger.js';
import { startOidcHarness, type OidcHarness, type OidcHarnessOptions } from './oidc-provider-harness.js';
import { refreshTokenFrom, runLoginAgainst } from './device-login.js';

const V4 = '198.51.100.10';

function recordingStore(refreshToken: string): CredentialStore & { writes: string[]; current(): string } {
  let values: Record<string, Secret> = { refreshToken: secret(refreshToken) };
  const writes: string[] = [];
  return {
    writes,
    current: () => values['refreshToken']?.reveal() ?? '',
    read: () => Promise.resolve({ ...values }),
    write: (next) => {
      writes.push(next['refreshToken']?.reveal() ?? '');
      values = { ...values, ...next };
      return Promise.resolve();
    },
  };
}

/** netcup's Keycloak is played by oidc-provider; the SCP API by the emulator, trusting that issuer's tokens. */
describe('netcup OIDC against oidc-provider', () => {
  let harness: OidcHarness;
  let emulator: NetcupEmulator;

  async function start(options: OidcHarnessOptions) {
    harness = await startOidcHarness(options);
    emulator = await startNetcupEmulator({
      userId: harness.userId,
      taskDurationMs: 30,
      authorize: (token) => harness.userIdForAccessToken(token),
    });
    const login = await runLoginAgainst(harness);
    expect(login.code).toBe(0);
    const refreshToken = refreshTokenFrom(login.stdout);
    let offset = 0;
    const clock = { now: () => Date.now() + offset, sleep: systemClock.sleep };
    const store = recordingStore(refreshToken);
    const logger = createCapturingLogger();
    const provider = createNetcupProvider({
      apiUrl: emulator.apiUrl,
      issuerUrl: harness.issuerUrl,
      credentials: store,
      logger,
      clock,
      requestTimeoutMs: 5000,
      taskPollIntervalMs: 20,
    });
    return { provider, store, refreshToken, logs: logger.lines, expireAccessToken: () => (offset += 301_000) };
  }

  afterEach(async () => {
    await emulator?.close();
    await harness?.close();
  });

  it('reuses a non-rotating offline token: refreshes work and the Secret is never rewritten', async () => {
    const { provider, store, refreshToken, expireAccessToken } = await start({ rotateRefreshToken: false });
    await expect(provider.getRouting([V4])).resolves.toEqual([{ address: V4, serverId: '111001' }]);
    expireAccessToken();
    await provider.route([V4], '111002');
    expect(harness.grants.get('refresh_token')).toBe(2);
    expect(store.writes).toEqual([]);
    expect(store.current()).toBe(refreshToken);
  });

  it('stores every rotated refresh token and keeps working although each old one dies', async () => {
    const { provider, store, refreshToken, expireAccessToken } = await start({ rotateRefreshToken: true });
    await provider.getRouting([V4]);
    expect(store.writes).toHaveLength(1);
    expect(store.current()).not.toBe(refreshToken);
    expireAccessToken();
    await provider.getRouting([V4]);
    expireAccessToken();
    await provider.getRouting([V4]);
    expect(harness.grants.get('refresh_token')).toBe(3);
    expect(new Set([refreshToken, ...store.writes]).size).toBe(4);
  });

  it('reads the SCP user id from the JWT access token `id` claim', async () => {
    const { provider } = await start({ rotateRefreshToken: false, accessTokenFormat: 'jwt' });
    await provider.getRouting([V4]);
    expect(emulator.faults.requestCount()).toBe(1);
  });

  it('reads the SCP user id from userinfo when access tokens are opaque', async () => {
    const { provider } = await start({ rotateRefreshToken: false, accessTokenFormat: 'opaque' });
    await expect(provider.getRouting([V4])).resolves.toEqual([{ address: V4, serverId: '111001' }]);
  });

  it('turns a revoked offline token into a terminal auth error that says what to do', async () => {
    const { provider, refreshToken, logs } = await start({ rotateRefreshToken: false });
    await harness.revokeRefreshToken(refreshToken);
    let caught: unknown;
    try {
      await provider.getRouting([V4]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(IpshiftError);
    const error = caught as IpshiftError;
    expect(error).toMatchObject({ kind: 'terminal', code: 'auth' });
    expect(error.message).toContain('invalid_grant');
    expect(error.message).toContain('ipshift netcup-login');
    expect(`${error.message}${error.stack ?? ''}${logs.join('\n')}`).not.toContain(refreshToken);
  });
});
