import { performance } from 'node:perf_hooks';
import { abortedError, type IpshiftError, rateLimitedError, terminalError, transientError } from '../errors.js';
import { rateLimitWaitMs } from '../retry/retry-after.js';
import type { ProviderType } from '../core/model.js';
import type { Clock } from '../ports/clock.js';
import { noProviderMetrics, type ProviderMetrics, type ProviderOperation, type ProviderRequestFailure } from '../metrics/provider-metrics.js';

/**
 * The one JSON-over-fetch client every HTTP provider adapter uses. It owns the three things
 * each adapter would otherwise get subtly wrong: per-request timeouts, metrics, and turning an
 * HTTP failure into an IpshiftError exactly once. Messages are built from the method, the path
 * (never the query string), the status and the provider's own error code and message; headers
 * and bodies we send never reach a message.
 */

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** What an adapter's classification hook sees about a non-2xx answer. */
export interface HttpFailure {
  readonly provider: ProviderType;
  readonly method: HttpMethod;
  /** Path without the query string. */
  readonly path: string;
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
  /** The provider's machine-readable error code, when its body carries one. */
  readonly providerCode: string | undefined;
  readonly providerMessage: string | undefined;
  readonly nowMs: number;
  /** `provider METHOD path: HTTP status code: message`, ready for an error message. */
  readonly summary: string;
}

export interface ProviderErrorDetails {
  readonly code?: string;
  readonly message?: string;
}

export interface ProviderHttpOptions {
  readonly provider: ProviderType;
  /** e.g. https://api.hetzner.cloud/v1; request paths are appended to it. */
  readonly baseUrl: string;
  readonly clock: Clock;
  readonly fetch?: typeof fetch;
  readonly metrics?: ProviderMetrics;
  /** Per-request timeout in ms (default 15 s); a request can override it. */
  readonly timeoutMs?: number;
  /** Headers that carry credentials, produced per request so a rotated Secret is picked up. */
  readonly authorize?: (signal: AbortSignal | undefined) => Promise<Record<string, string>>;
  /** Pulls the provider's error code and message out of an error body. */
  readonly errorDetails?: (body: unknown) => ProviderErrorDetails;
  /** Provider-specific classification, asked first; undefined falls back to the shared rules. */
  readonly classifyFailure?: (failure: HttpFailure) => IpshiftError | undefined;
}

export interface HttpRequest {
  readonly method: HttpMethod;
  /** Path below the base URL, e.g. `/floating_ips/42`. */
  readonly path: string;
  readonly operation: ProviderOperation;
  readonly query?: Readonly<Record<string, string | number>>;
  readonly json?: unknown;
  readonly form?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  /** A non-2xx answer this request treats as a normal response (e.g. Robot's 409 FAILOVER_ALREADY_ROUTED). */
  readonly accept?: (failure: HttpFailure) => boolean;
  /** Sent at most once: the caller decides about a retry (moves, see idempotent-move.ts). */
  readonly once?: boolean;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

export interface ProviderHttp {
  /** One attempt; rejects only with an IpshiftError. */
  send(request: HttpRequest): Promise<HttpResponse>;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;
const MAX_MESSAGE_CHARS = 200;

export function createProviderHttp(options: ProviderHttpOptions): ProviderHttp {
  const doFetch = options.fetch ?? fetch;
  const metrics = options.metrics ?? noProviderMetrics;
  const base = options.baseUrl.replace(/\/+$/, '');
  const details = options.errorDetails ?? genericErrorDetails;

  return {
    async send(request) {
      const started = performance.now();
      const observe = (code: number | ProviderRequestFailure): void =>
        metrics.request(options.provider, request.operation, code, (performance.now() - started) / 1000);
      const where = `${options.provider} ${request.method} ${request.path}`;

      if (request.signal?.aborted) throw abortedError(where);
      // Credentials are resolved before anything is sent; their failures are already classified.
      const headers: Record<string, string> = { accept: 'application/json' };
      Object.assign(headers, options.authorize ? await options.authorize(request.signal) : {});
      let payload: string | undefined;
      if (request.json !== undefined) {
        headers['content-type'] = 'application/json';
        payload = JSON.stringify(request.json);
      } else if (request.form !== undefined) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        payload = new URLSearchParams(request.form as Record<string, string>).toString();
      }

      const timeout = AbortSignal.timeout(request.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
      let response: Response;
      let text: string;
      try {
        response = await doFetch(buildUrl(base, request), { method: request.method, headers, body: payload, signal });
        text = await response.text();
      } catch (error) {
        if (request.signal?.aborted) {
          observe('aborted');
          throw abortedError(where);
        }
        if (timeout.aborted) {
          observe('timeout');
          throw transientError(`${where}: no answer within the request timeout`, 'timeout');
        }
        observe('network_error');
        // The cause of a fetch failure names the socket error (ECONNRESET, ECONNREFUSED); never headers.
        throw transientError(`${where}: connection failed (${networkReason(error)})`, 'network-error');
      }
      observe(response.status);

      const body = parseJson(text);
      if (response.ok) return { status: response.status, headers: response.headers, body };

      const { code, message } = details(body);
      const summary = `${where}: HTTP ${response.status}${code ? ` ${code}` : ''}${message ? `: ${truncate(message)}` : ''}`;
      const failure: HttpFailure = {
        provider: options.provider,
        method: request.method,
        path: request.path,
        status: response.status,
        headers: response.headers,
        body,
        providerCode: code,
        providerMessage: message,
        nowMs: options.clock.now(),
        summary,
      };
      if (request.accept?.(failure)) return { status: response.status, headers: response.headers, body };
      throw options.classifyFailure?.(failure) ?? classifyHttpFailure(failure);
    },
  };
}

/**
 * The shared rules: 429 is a rate limit (Retry-After, else RateLimit-Reset, else a minute),
 * 408/409/423/425 and 5xx are transient, 401/403 are auth problems, 404 is not-found,
 * 400/422 are validation, any other 4xx is terminal.
 */
export function classifyHttpFailure(failure: HttpFailure): IpshiftError {
  const { status, summary } = failure;
  if (status === 429) return rateLimitedError(summary, rateLimitWaitMs(failure.headers, failure.nowMs) ?? DEFAULT_RATE_LIMIT_WAIT_MS);
  if (status >= 500 || [408, 409, 423, 425].includes(status)) return transientError(summary, `http-${status}`);
  if (status === 401 || status === 403) return terminalError(`${summary} (check the credentials in the provider Secret)`, 'auth');
  if (status === 404) return terminalError(summary, 'not-found');
  if (status === 400 || status === 422) return terminalError(summary, 'validation');
  return terminalError(summary, `http-${status}`);
}

function buildUrl(base: string, request: HttpRequest): string {
  const url = new URL(base + request.path);
  for (const [key, value] of Object.entries(request.query ?? {})) url.searchParams.set(key, String(value));
  return url.toString();
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** `{error: {code, message}}` (Hetzner, Robot) or `{id, message}` (DigitalOcean) or `{code, message}` (netcup). */
export function genericErrorDetails(body: unknown): ProviderErrorDetails {
  if (!isRecord(body)) return {};
  const inner = isRecord(body.error) ? body.error : body;
  const code = typeof inner.code === 'string' ? inner.code : typeof inner.id === 'string' ? inner.id : undefined;
  const message = typeof inner.message === 'string' ? inner.message : undefined;
  return { code, message };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function truncate(text: string): string {
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text;
}

function networkReason(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  const code = isRecord(cause) && typeof cause.code === 'string' ? cause.code : undefined;
  return code ?? (error instanceof Error ? error.name : 'unknown');
}
