import * as oidc from 'openid-client';
import { performance } from 'node:perf_hooks';
import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import type { CredentialStore } from '../../ports/provider.js';
import { Secret } from '../../config/secret.js';
import { abortedError, IpshiftError, rateLimitedError, terminalError, transientError } from '../../errors.js';
import type { ProviderMetrics } from '../../metrics/provider-metrics.js';
import { backoffDelayMs } from '../../retry/backoff.js';
import { rateLimitWaitMs } from '../../retry/retry-after.js';

/** How the write of a rotated refresh token is retried while it is held in memory only. */
const SECRET_WRITE_BACKOFF = { baseDelayMs: 1_000, maxDelayMs: 60_000 };

export const NETCUP_SECRET_KEYS = { refreshToken: 'refreshToken', userId: 'userId' } as const;

export const RELOGIN_HINT = 'Run `ipshift netcup-login` to get a new offline token and update the Secret (key refreshToken).';

export interface NetcupAuthOptions {
  readonly issuerUrl: string;
  readonly clientId: string;
  readonly credentials: CredentialStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: ProviderMetrics;
  readonly fetch: typeof fetch;
  /** Access tokens are refreshed this long before they expire (netcup's live for 300 s). */
  readonly refreshMarginMs: number;
  readonly requestTimeoutMs: number;
  readonly random?: () => number;
}

export interface NetcupAuth {
  accessToken(signal?: AbortSignal): Promise<string>;
  /** Drops the cached access token so the next call refreshes (after a 401). */
  invalidateAccessToken(): void;
  /** The numeric SCP user id: the Secret's userId, else the `id` claim of the access token, else userinfo's `id`. */
  userId(signal?: AbortSignal): Promise<number>;
}

interface CachedToken {
  readonly value: string;
  readonly expiresAt: number;
  readonly userId: number | undefined;
}

/** openid-client refuses http:// unless told; only loopback issuers (emulators, tests) get that. */
export function isLoopbackUrl(url: URL): boolean {
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

/** The options openid-client's discovery() takes for a netcup-like issuer: public client, custom fetch, http only on loopback. */
export function discoveryOptions(issuer: URL, fetchImpl: typeof fetch, timeoutMs: number): oidc.DiscoveryRequestOptions {
  return {
    [oidc.customFetch]: fetchImpl as oidc.CustomFetch,
    execute: isLoopbackUrl(issuer) ? [oidc.allowInsecureRequests] : [],
    timeout: Math.max(1, Math.ceil(timeoutMs / 1000)),
  };
}

/**
 * OIDC for netcup's Keycloak realm: public client, refresh_token grant with the offline token
 * from the Secret. Concurrent callers share one refresh, a single grant: it runs inside the
 * caller's retried provider call, whose retry (5xx, timeouts, 429 with its Retry-After, within
 * its deadline) repeats it, so a failed call costs at most one grant per attempt. A caller whose
 * signal aborts stops waiting at once. A refresh token that comes back changed is written to the Secret
 * before anything relies on it; if that write fails, the new token is used from memory (the
 * old one may already be dead), the write is retried with backoff, and
 * ipshift_provider_credentials_unsaved says so until it lands.
 */
export function createNetcupAuth(options: NetcupAuthOptions): NetcupAuth {
  const issuer = new URL(options.issuerUrl);
  const { metrics } = options;
  let configuration: Promise<oidc.Configuration> | undefined;
  let cached: CachedToken | undefined;
  let inFlight: Promise<CachedToken> | undefined;
  let unsavedRefreshToken: string | undefined;

  // Token endpoint traffic is counted like API traffic, under operation token_refresh (discovery is not).
  const observedFetch: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url.includes('/.well-known/')) return options.fetch(input, init);
    const started = performance.now();
    const seconds = (): number => (performance.now() - started) / 1000;
    try {
      const response = await options.fetch(input, init);
      metrics.request('netcup', 'token_refresh', response.status, seconds());
      return response;
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      metrics.request('netcup', 'token_refresh', timedOut ? 'timeout' : 'network_error', seconds());
      throw error;
    }
  };

  function discover(): Promise<oidc.Configuration> {
    configuration ??= oidc
      .discovery(
        issuer,
        options.clientId,
        { token_endpoint_auth_method: 'none' },
        oidc.None(),
        discoveryOptions(issuer, observedFetch, options.requestTimeoutMs),
      )
      .catch((error: unknown) => {
        configuration = undefined;
        throw classifyOidcError(error, 'OIDC discovery');
      });
    return configuration;
  }

  let writeFailures = 0;
  let nextWriteAt = 0;
  let writing: Promise<void> | undefined;

  function holdUnsaved(token: string): void {
    if (unsavedRefreshToken === undefined) metrics.credentialUnsaved('netcup', 1);
    unsavedRefreshToken = token;
  }

  /** Writes the rotated token; never throws: a failure keeps it in memory and schedules another try. */
  async function persist(all: Record<string, Secret>, refreshToken: string): Promise<void> {
    try {
      await options.credentials.write({ ...all, [NETCUP_SECRET_KEYS.refreshToken]: new Secret(refreshToken) });
    } catch (error) {
      writeFailures += 1;
      const waitMs = backoffDelayMs(SECRET_WRITE_BACKOFF, writeFailures, options.random);
      nextWriteAt = options.clock.now() + waitMs;
      options.logger.warn('netcup issued a new refresh token but storing it in the Secret failed; using it from memory, retrying the write', {
        attempt: writeFailures,
        retryInMs: waitMs,
        err: error,
      });
      return;
    }
    if (unsavedRefreshToken === refreshToken) {
      unsavedRefreshToken = undefined;
      metrics.credentialUnsaved('netcup', -1);
    }
    writeFailures = 0;
    options.logger.info('netcup returned a new refresh token; stored it in the Secret');
  }

  /** Retries the write of a token held in memory only, at most one at a time, after its backoff. */
  function retryWrite(): void {
    const pending = unsavedRefreshToken;
    if (pending === undefined || writing !== undefined || options.clock.now() < nextWriteAt) return;
    // The write carries the Secret's other keys, so it is only attempted after a successful read.
    writing = options.credentials
      .read()
      .then(
        (all) => persist(all, pending),
        () => {
          writeFailures += 1;
          nextWriteAt = options.clock.now() + backoffDelayMs(SECRET_WRITE_BACKOFF, writeFailures, options.random);
        },
      )
      .finally(() => {
        writing = undefined;
      });
  }

  async function grant(refreshToken: string): Promise<oidc.TokenEndpointResponse> {
    const config = await discover();
    try {
      return await oidc.refreshTokenGrant(config, refreshToken);
    } catch (error) {
      throw classifyOidcError(error, 'token refresh');
    }
  }

  async function refresh(): Promise<CachedToken> {
    // A token held in memory only is the one that works: the Secret's may already be spent.
    const stored = await readCredentials(options.credentials).catch((error: unknown) => {
      if (unsavedRefreshToken === undefined) throw error;
      return { all: undefined, refreshToken: unsavedRefreshToken, userId: undefined };
    });
    const refreshToken = unsavedRefreshToken ?? stored.refreshToken;
    let response: oidc.TokenEndpointResponse;
    try {
      // One grant, no retry of its own: every caller is inside a retried provider call, which
      // retries it (Retry-After honoured) within the call's deadline. A retry here would nest
      // inside that one and multiply the grants per failed call.
      response = await grant(refreshToken);
    } catch (error) {
      const classified = error instanceof IpshiftError ? error : classifyOidcError(error, 'token refresh');
      metrics.tokenRefresh('netcup', classified.code === 'auth' ? 'auth_error' : 'error');
      throw classified;
    }
    const rotated = response.refresh_token !== undefined && response.refresh_token !== refreshToken;
    if (rotated && response.refresh_token !== undefined) {
      holdUnsaved(response.refresh_token);
      if (stored.all !== undefined) await persist(stored.all, response.refresh_token);
    }
    metrics.tokenRefresh('netcup', rotated ? 'rotated' : 'success');
    const now = options.clock.now();
    metrics.tokenRefreshedAt('netcup', Math.floor(now / 1000));
    const lifetimeMs = (response.expires_in ?? 300) * 1000;
    const margin = Math.min(options.refreshMarginMs, lifetimeMs / 2);
    return {
      value: response.access_token,
      expiresAt: now + lifetimeMs - margin,
      userId: stored.userId ?? idClaim(response.access_token),
    };
  }

  async function current(signal?: AbortSignal): Promise<CachedToken> {
    if (signal?.aborted) throw abortedError('netcup token refresh');
    retryWrite();
    if (cached && options.clock.now() < cached.expiresAt) return cached;
    inFlight ??= refresh()
      .then((token) => {
        cached = token;
        return token;
      })
      .finally(() => {
        inFlight = undefined;
      });
    // A cancelled caller stops waiting at once; the shared refresh still lands in the cache.
    return abortable(inFlight, signal);
  }

  async function userId(signal?: AbortSignal): Promise<number> {
    const token = await current(signal);
    if (token.userId !== undefined) return token.userId;
    // Opaque access token and no userId in the Secret: userinfo's `id` is the SCP user id.
    const config = await discover();
    let info: oidc.UserInfoResponse;
    try {
      info = await oidc.fetchUserInfo(config, token.value, oidc.skipSubjectCheck);
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
    if (cached === token) cached = { ...token, userId: id };
    return id;
  }

  return {
    accessToken: async (signal) => (await current(signal)).value,
    invalidateAccessToken: () => {
      cached = undefined;
    },
    userId,
  };
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortedError('netcup token refresh'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

async function readCredentials(store: CredentialStore): Promise<{ all: Record<string, Secret>; refreshToken: string; userId?: number }> {
  let all: Record<string, Secret>;
  try {
    all = await store.read();
  } catch (error) {
    if (error instanceof IpshiftError) throw error;
    throw transientError('netcup: reading the credentials Secret failed', 'credentials-unreadable');
  }
  const refreshToken = all[NETCUP_SECRET_KEYS.refreshToken]?.reveal().trim();
  if (!refreshToken) throw terminalError(`netcup: the credentials Secret has no key refreshToken. ${RELOGIN_HINT}`, 'credentials-missing');
  const userIdText = all[NETCUP_SECRET_KEYS.userId]?.reveal().trim();
  if (userIdText === undefined || userIdText === '') return { all, refreshToken };
  const userId = numericId(userIdText);
  if (userId === undefined) {
    throw terminalError('netcup: the Secret key userId must be the numeric SCP user id (not the customer number, not `sub`)', 'validation');
  }
  return { all, refreshToken, userId };
}

/** Reads the `id` claim (netcup's SCP user id) from a JWT access token; trusts it for nothing else. */
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

export function numericId(value: unknown): number | undefined {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  return /^\d{1,15}$/.test(text) ? Number(text) : undefined;
}

const AUTH_ERRORS = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client', 'invalid_token', 'access_denied']);

/**
 * Classifies an openid-client failure once. Only safe parts reach the message (the OAuth error
 * code and the HTTP status), never a description, a body or a token; no cause is attached
 * because openid-client's errors hold the response.
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
    return statusError(error.status, `netcup ${step} failed (${code}, HTTP ${error.status})`, error.response.headers);
  }
  if (error instanceof oidc.ClientError) {
    const cause = error.cause;
    if (cause instanceof Response) return statusError(cause.status, `netcup ${step} failed (HTTP ${cause.status})`, cause.headers);
    return transientError(`netcup ${step} failed (${error.code ?? 'client error'})`, 'oidc');
  }
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return transientError(`netcup ${step}: no answer within the request timeout`, 'timeout');
  }
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const reason = typeof cause?.code === 'string' ? cause.code : error instanceof Error ? error.name : 'unknown';
  return transientError(`netcup ${step}: connection failed (${reason})`, 'network-error');
}

function statusError(status: number, message: string, headers: Headers): IpshiftError {
  if (status === 429) {
    return rateLimitedError(message, rateLimitWaitMs(headers, Date.now()) ?? 60_000);
  }
  if (status >= 500 || status === 408) return transientError(message, `http-${status}`);
  if (status === 401 || status === 403) return terminalError(`${message}. ${RELOGIN_HINT}`, 'auth');
  return terminalError(message, `http-${status}`);
}
