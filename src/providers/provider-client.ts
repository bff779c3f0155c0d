import type { ProviderType } from '../core/model.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { CredentialStore } from '../ports/provider.js';
import type { ProviderMetrics } from '../metrics/provider-metrics.js';
import { createProviderHttp, type HttpRequest, type HttpResponse, type ProviderHttpOptions } from './http.js';
import type { MoveStepContext } from './idempotent-move.js';
import { DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from '../retry/with-retry.js';

/** What every HTTP provider adapter takes, besides its own knobs. */
export interface HttpProviderOptions {
  /** Base URL override (emulators, tests); absent means the real API. */
  readonly apiUrl?: string;
  /** The FailoverIP's Secret; the keys each adapter reads are listed in docs/providers.md. */
  readonly credentials: CredentialStore;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics?: ProviderMetrics;
  readonly fetch?: typeof fetch;
  readonly retry?: RetryPolicy;
  readonly requestTimeoutMs?: number;
  /** Injected for deterministic jitter in tests. */
  readonly random?: () => number;
}

/** What moveIdempotently needs from an adapter's options. */
export function moveContext(
  options: HttpProviderOptions,
  logger: Logger,
  signal: AbortSignal | undefined,
  settle: { pollMs: number; timeoutMs: number },
): MoveStepContext {
  return {
    clock: options.clock,
    retry: options.retry ?? DEFAULT_RETRY_POLICY,
    logger,
    settlePollMs: settle.pollMs,
    settleTimeoutMs: settle.timeoutMs,
    ...(signal === undefined ? {} : { signal }),
    ...(options.random === undefined ? {} : { random: options.random }),
  };
}

export type ProviderCall = (request: HttpRequest) => Promise<HttpResponse>;

/** The shared HTTP helper with the adapter's retry policy around every request. */
export function createProviderCall(
  provider: ProviderType,
  defaultApiUrl: string,
  options: HttpProviderOptions,
  logger: Logger,
  http: Pick<ProviderHttpOptions, 'authorize' | 'classifyFailure' | 'errorDetails'>,
): ProviderCall {
  const client = createProviderHttp({
    provider,
    baseUrl: options.apiUrl ?? defaultApiUrl,
    clock: options.clock,
    fetch: options.fetch,
    metrics: options.metrics,
    timeoutMs: options.requestTimeoutMs,
    ...http,
  });
  const retry = options.retry ?? DEFAULT_RETRY_POLICY;
  return (request) =>
    withRetry(() => client.send(request), request.once === true ? { ...retry, maxAttempts: 1 } : retry, {
      clock: options.clock,
      signal: request.signal,
      what: `${provider} ${request.operation}`,
      logger,
      random: options.random,
    });
}
