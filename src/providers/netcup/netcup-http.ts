import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import { IpshiftError, parseRetryAfter, rateLimitedError, terminalError, transientError } from '../../errors.js';
import { PROVIDER_LABEL, type ProviderMetricsSink } from './provider-metrics-sink.js';
import { type RetryPolicy, cancelledError, withRetry } from './retry-policy.js';

/** Where a 429 without Retry-After sends the caller: the documented once-per-5-minutes rule. */
const DEFAULT_RATE_LIMIT_MS = 300_000;
const SAME_SITE = /same site/i;

export interface NetcupHttpOptions {
  readonly apiUrl: string;
  readonly fetch: typeof fetch;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: ProviderMetricsSink | undefined;
  readonly requestTimeoutMs: number;
  readonly retry: RetryPolicy;
  readonly random?: () => number;
  readonly accessToken: (signal?: AbortSignal) => Promise<string>;
  /** Called on a 401 so the next accessToken() refreshes instead of serving the cached token. */
  readonly invalidateAccessToken: () => void;
}

export interface NetcupRequest {
  /** Bounded metric label, e.g. `get-routing`, `route`, `task`, `discover-server`. */
  readonly operation: string;
  readonly method: 'GET' | 'PATCH';
  /** Path below the API base, e.g. `/api/v1/tasks/abc`. Never carries a secret. */
  readonly path: string;
  readonly body?: unknown;
  readonly expect: number;
  readonly signal?: AbortSignal;
}

export interface NetcupHttp {
  call(request: NetcupRequest): Promise<unknown>;
}

/**
 * The one place that talks HTTP to the SCP REST API: bearer auth (one refresh-and-retry on 401),
 * per-request timeout, transient retries with backoff, metrics, and the single classification
 * of every failure into an IpshiftError.
 */
export function createNetcupHttp(options: NetcupHttpOptions): NetcupHttp {
  const base = options.apiUrl.replace(/\/+$/, '');

  async function once(request: NetcupRequest, state: { retriedAuth: boolean }): Promise<unknown> {
    const token = await options.accessToken(request.signal);
    const signals = [AbortSignal.timeout(options.requestTimeoutMs)];
    if (request.signal) signals.push(request.signal);
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${token}` };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    const started = options.clock.now();
    let response: Response;
    let text: string;
    try {
      response = await options.fetch(`${base}${request.path}`, {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.any(signals),
      });
      text = await response.text();
    } catch (error) {
      observe(request.operation, 'error', started);
      if (request.signal?.aborted) throw cancelledError(`netcup ${request.operation}`, request.signal.reason);
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      throw timedOut
        ? transientError(`netcup ${request.operation} timed out after ${options.requestTimeoutMs} ms`, 'timeout')
        : transientError(`netcup ${request.operation} failed: ${connectionReason(error)}`, 'connection');
    }
    observe(request.operation, String(response.status), started);

    if (response.status === request.expect) return text === '' ? null : parseJson(text, request.operation);
    if (response.status === 401 && !state.retriedAuth) {
      // The cached access token may have been revoked or expired early: refresh once.
      state.retriedAuth = true;
      options.invalidateAccessToken();
      return once(request, state);
    }
    throw classifyStatus(request, response, text, options.clock.now());
  }

  function observe(operation: string, code: string, started: number): void {
    options.metrics?.request(PROVIDER_LABEL, operation, code, Math.max(0, options.clock.now() - started) / 1000);
  }

  return {
    call: (request) =>
      withRetry(() => once(request, { retriedAuth: false }), {
        policy: options.retry,
        clock: options.clock,
        random: options.random,
        signal: request.signal,
        what: `netcup ${request.operation}`,
      }),
  };
}

function parseJson(text: string, operation: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw transientError(`netcup ${operation} answered with a body that is not JSON`, 'bad-response');
  }
}

/** netcup's ResponseError {code, message}; the message is netcup's own text and carries no secret of ours. */
function netcupMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (typeof body.message === 'string') return body.message.slice(0, 300);
  } catch {
    // not JSON: fall through
  }
  return '';
}

function classifyStatus(request: NetcupRequest, response: Response, text: string, nowMs: number): IpshiftError {
  const status = response.status;
  const what = `netcup ${request.operation} (${request.method} ${request.path.replace(/\?.*$/, '')}) answered ${status}`;
  const detail = netcupMessage(text);
  const message = detail === '' ? what : `${what}: ${detail}`;
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), nowMs) ?? DEFAULT_RATE_LIMIT_MS;
    return rateLimitedError(`${message}; retry in ${Math.ceil(retryAfterMs / 1000)} s`, retryAfterMs);
  }
  if (status >= 500 || status === 408) return transientError(message, `http-${status}`);
  if (status === 401) {
    return terminalError(
      `${message}: the API refused a freshly refreshed access token. Check that the Secret's userId belongs to the ` +
        'account of the refresh token, or run `ipshift netcup-login` again and update the Secret.',
      'auth',
    );
  }
  if (status === 403) return terminalError(`${message}: the account may not do this`, 'forbidden');
  if (status === 404) return terminalError(message, 'not-found');
  if (status === 400 && SAME_SITE.test(detail)) return terminalError(message, 'same-site');
  return terminalError(message, status === 400 || status === 422 ? 'validation' : `http-${status}`);
}

function connectionReason(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  return error instanceof Error ? error.message : 'unknown error';
}
