import { abortedError, classify, type IpshiftError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import { backoffDelayMs, type BackoffPolicy } from './backoff.js';

/** How hard one call is retried. Every provider adapter takes one; tests shrink it. */
export interface RetryPolicy extends BackoffPolicy {
  /** Total budget for one call including waits, in ms. A wait that would overrun it is not started. */
  readonly deadlineMs: number;
  readonly maxAttempts: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  deadlineMs: 60_000,
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 10_000,
};

export interface RetryContext {
  readonly clock: Clock;
  readonly signal?: AbortSignal;
  /** For the retry log line: `provider operation`, never a URL with a query. */
  readonly what: string;
  readonly logger?: Logger;
  /** Injected for deterministic tests; defaults to Math.random. */
  readonly random?: () => number;
}

/**
 * Runs `attempt` until it succeeds, a terminal error comes back, the attempts run out, the next
 * wait would overrun the deadline, or the signal aborts. Transient errors wait a jittered
 * backoff; rate limits wait exactly what the provider asked, but only when that fits the
 * deadline, otherwise the rate-limited error surfaces so the caller can schedule around it.
 * Rejects only with an IpshiftError.
 */
export async function withRetry<T>(attempt: (attemptNumber: number) => Promise<T>, policy: RetryPolicy, context: RetryContext): Promise<T> {
  const { clock, signal } = context;
  const random = context.random ?? Math.random;
  const deadline = clock.now() + policy.deadlineMs;
  for (let n = 1; ; n++) {
    if (signal?.aborted) throw abortedError(context.what);
    let error: IpshiftError;
    try {
      return await attempt(n);
    } catch (caught) {
      error = classify(caught);
    }
    if (signal?.aborted) throw abortedError(context.what);
    if (error.kind === 'terminal' || error.kind === 'target-refused' || n >= policy.maxAttempts) throw error;
    const waitMs = error.kind === 'rate-limited' ? (error.retryAfterMs ?? policy.maxDelayMs) : backoffDelayMs(policy, n, random);
    if (clock.now() + waitMs > deadline) throw error;
    context.logger?.debug('call failed, retrying', {
      what: context.what,
      attempt: n,
      waitMs,
      kind: error.kind,
      code: error.code,
      err: error,
    });
    try {
      await clock.sleep(waitMs, signal);
    } catch {
      throw abortedError(context.what);
    }
  }
}
