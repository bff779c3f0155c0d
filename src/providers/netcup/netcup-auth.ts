import * as oidc from 'openid-client';
import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import type { CredentialStore } from '../../ports/provider.js';
import { Secret } from '../../config/secret.js';
import { IpshiftError, rateLimitedError, terminalError, transientError } from '../../errors.js';
import { PROVIDER_LABEL, type ProviderMetricsSink } from './provider-metrics-sink.js';
import { cancelledError } from './retry-policy.js';

export const NETCUP_SECRET_KEYS = { refreshToken: 'refreshToken', userId: 'userId' } as const;

const RELOGIN_HINT =
  'Run `ipshift netcup-login` to get a new offline token and update the Secret (key refreshToken).';

export interface NetcupAuthOptions {
  readonly issuerUrl: string;
  readonly clientId: string;
  readonly credentials: CredentialStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: ProviderMetricsSink | undefined;
  readonly fetch: typeof fetch;
  /** Access tokens are refreshed this long before they expire (netcup's live 300 s). */
  readonly refreshMarginMs: number;
  readonly requestTimeoutMs: number;
}

export interface NetcupAuth {
  accessToken(signal?: AbortSignal): Promise<string>;
  invalidateAccessToken(): void;
  /** The numeric SCP user id: the Secret's userId, else the `id` claim of the access token or userinfo. */
  userId(signal?: AbortSignal): Promise<number>;
}

interface CachedToken {
  readonly value: string;
  readonly expiresAt: number;
}

/** openid-client refuses http:// unless told; only loopback issuers (emulators, tests) get that. */
export function isLoopbackUrl(url: URL): boolean {
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

/**
 * OIDC for netcup's Keycloak realm: public client, refresh_token grant with the offline token
 * from the Secret. Concurrent callers share one refresh. A refresh token that comes back changed
 * is written to the Secret before anything relies on it; if that write fails, the new token is
 * kept in memory (the old one may already be dead) and the write is retried on the next call.
 */
export function createNetcupAuth(options: NetcupAuthOptions): NetcupAuth {
  const issuer = new URL(options.issuerUrl);
  let configuration: Promise<oidc.Configuration> | undefined;
  let cached: CachedToken | undefined;
  let inFlight: Promise<CachedToken> | undefined;
  let unsavedRefreshToken: string | undefined;
  let userIdFromToken: number | undefined;
  let lastAccessToken: string | undefined;

  function discover(): Promise<oidc.Configuration> {
    configuration ??= oidc
      .discovery(issuer, options.clientId, { token_endpoint_auth_method: 'none' }, oidc.None(), {
        [oidc.customFetch]: options.fetch as oidc.CustomFetch,
        execute: isLoopbackUrl(issuer) ? [oidc.allowInsecureRequests] : [],
        timeout: Math.ceil(options.requestTimeoutMs / 1000),
      })
      .catch((error: unknown) => {
        configuration = undefined;
        throw classifyOidcError(error, 'discovery');
      });
    return configuration;
  }

  async function persist(all: Record<string, Secret>, refreshToken: string): Promise<void> {
    await options.credentials.write({ ...all, [NETCUP_SECRET_KEYS.refreshToken]: new Secret(refreshToken) });
    unsavedRefreshToken = undefined;
    options.logger.info('netcup returned a new refresh token; stored it in the Secret', { provider: PROVIDER_LABEL });
  }

  async function refresh(): Promise<CachedToken> {
    const stored = await readCredentials(options.credentials);
    if (unsavedRefreshToken !== undefined) await persistOrThrow(stored.all, unsavedRefreshToken);
    const refreshToken = unsavedRefreshToken ?? stored.refreshToken;
    const config = await discover();
    let response: oidc.TokenEndpointResponse;
    try {
      response = await oidc.refreshTokenGrant(config, refreshToken);
    } catch (error) {
      options.metrics?.tokenRefresh(PROVIDER_LABEL, 'failure');
      throw classifyOidcError(error, 'token refresh');
    }
    if (response.refresh_token !== undefined && response.refresh_token !== refreshToken) {
      unsavedRefreshToken = response.refresh_token;
      await persistOrThrow(stored.all, response.refresh_token);
    }
    options.metrics?.tokenRefresh(PROVIDER_LABEL, 'success');
    const now = options.clock.now();
    options.metrics?.tokenRefreshedAt(PROVIDER_LABEL, Math.floor(now / 1000));
    const lifetimeMs = (response.expires_in ?? 300) * 1000;
    const margin = Math.min(options.refreshMarginMs, lifetimeMs / 2);
    lastAccessToken = response.access_token;
    userIdFromToken = stored.userId ?? idClaim(response.access_token);
    return { value: response.access_token, expiresAt: now + lifetimeMs - margin };
  }

  async function persistOrThrow(all: Record<string, Secret>, refreshToken: string): Promise<void> {
    try {
      await persist(all, refreshToken);
    } catch (error) {
      const reason = error instanceof IpshiftError ? error.message : 'write failed';
      throw transientError(`netcup issued a new refresh token but storing it in the Secret failed (${reason}); will retry`, 'credential-write');
    }
  }

  async function accessToken(signal?: AbortSignal): Promise<string> {
    if (signal?.aborted) throw cancelledError('netcup token refresh', signal.reason);
    if (cached && options.clock.now() < cached.expiresAt) return cached.value;
    inFlight ??= refresh().finally(() => {
      inFlight = undefined;
    });
    cached = await inFlight;
    return cached.value;
  }

  async function userId(signal?: AbortSignal): Promise<number> {
    const token = await accessToken(signal);
    if (userIdFromToken !== undefined) return userIdFromToken;
    // Opaque access token and no userId in the Secret: ask userinfo, whose `id` is the SCP user id.
    const config = await discover();
    let info: oidc.UserInfoResponse;
    try {
      info = await oidc.fetchUserInfo(config, token, oidc.skipSubjectCheck);
    } catch (error) {
      throw classifyOidcError(error, 'userinfo');
    }
    const id = numericId(info['id']);
    if (id === undefined) {
      throw terminalError(
        'netcup user id unknown: the Secret has no userId and neither the access token nor userinfo carries an `id` claim. ' +
          'Add the numeric SCP user id to the Secret (key userId); `ipshift netcup-login` prints it.',
        'no-user-id',
      );
    }
    if (lastAccessToken === token) userIdFromToken = id;
    return id;
  }

  return {
    accessToken,
    invalidateAccessToken: () => {
      cached = undefined;
    },
    userId,
  };
}

async function readCredentials(store: CredentialStore): Promise<{ all: Record<string, Secret>; refreshToken: string; userId?: number }> {
  let all: Record<string, Secret>;
  try {
    all = await store.read();
  } catch (error) {
    if (error instanceof IpshiftError) throw error;
    throw transientError('reading the netcup credentials Secret failed', 'credential-read');
  }
  const refreshToken = all[NETCUP_SECRET_KEYS.refreshToken]?.reveal().trim();
  if (!refreshToken) {
    throw terminalError(`the netcup credentials Secret has no key refreshToken. ${RELOGIN_HINT}`, 'auth');
  }
  const userIdText = all[NETCUP_SECRET_KEYS.userId]?.reveal().trim();
  if (userIdText === undefined || userIdText === '') return { all, refreshToken };
  const userId = numericId(userIdText);
  if (userId === undefined) {
    throw terminalError('the netcup credentials Secret key userId must be the numeric SCP user id (not the customer number or sub)', 'validation');
  }
  return { all, refreshToken, userId };
}

/** Reads the `id` claim (netcup's SCP user id) from a JWT access token without trusting it for anything else. */
export function idClaim(accessToken: string): number | undefined {
  const parts = accessToken.split('.');
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    return numericId(payload['id']);
  } catch {
    return undefined;
  }
}

function numericId(value: unknown): number | undefined {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  return /^\d{1,15}$/.test(text) ? Number(text) : undefined;
}

const AUTH_ERRORS = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client', 'invalid_token', 'access_denied']);

/**
 * Classifies an openid-client failure. Only safe parts reach the message: the OAuth error code
 * and HTTP status, never a description, body or token.
 */
export function classifyOidcError(error: unknown, step: string): IpshiftError {
  if (error instanceof IpshiftError) return error;
  if (error instanceof oidc.ResponseBodyError) {
    const code = /^[a-z_]{1,40}$/.test(error.error) ? error.error : 'error';
    if (AUTH_ERRORS.has(code)) {
      return terminalError(
        `netcup refused the offline token during ${step} (${code}): it was revoked, is wrong, or lapsed after 30 days unused. ${RELOGIN_HINT}`,
        'auth',
      );
    }
    return statusError(error.status, `netcup ${step} failed (${code}, HTTP ${error.status})`, error.response);
  }
  if (error instanceof oidc.ClientError) {
    const cause = error.cause;
    if (cause instanceof Response) return statusError(cause.status, `netcup ${step} failed (HTTP ${cause.status})`, cause);
    return transientError(`netcup ${step} failed (${error.code ?? error.message})`, 'oidc');
  }
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return transientError(`netcup ${step} timed out`, 'timeout');
  }
  const code = error instanceof Error ? ((error.cause as { code?: unknown } | undefined)?.code ?? error.name) : 'error';
  return transientError(`netcup ${step} failed (${String(code)})`, 'connection');
}

function statusError(status: number, message: string, response: Response): IpshiftError {
  if (status === 429) {
    const seconds = Number(response.headers.get('retry-after'));
    return rateLimitedError(message, Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 60_000);
  }
  if (status >= 500 || status === 408) return transientError(message, `http-${status}`);
  if (status === 401 || status === 403) return terminalError(`${message}. ${RELOGIN_HINT}`, 'auth');
  return terminalError(message, `http-${status}`);
}
