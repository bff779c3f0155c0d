import type { Clock } from '../../ports/clock.js';
import { IpshiftError, classify } from '../../errors.js';

/** How transient failures of one call are retried: capped exponential backoff with full jitter, inside a deadline. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** No new attempt starts once this much time has passed since the first one. */
  readonly deadlineMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 8000, deadlineMs: 30000 };

/** The error a cancelled call rejects with; transient because the work itself may still be wanted later. */
export function cancelledError(what: string, reason: unknown): IpshiftError {
  return new IpshiftError('transient', `${what} cancelled`, { code: 'cancelled', cause: reason });
}

/**
 * Runs `attempt` until it succeeds, fails with a non-transient error, runs out of attempts or
 * would start after the deadline. `random` is injectable so tests can pin the jitter.
 */
export async function withRetry<T>(
  attempt: (index: number) => Promise<T>,
  options: { policy: RetryPolicy; clock: Clock; random?: () => number; signal?: AbortSignal; what: string },
): Promise<T> {
  const { policy, clock, signal, what } = options;
  const random = options.random ?? Math.random;
  const started = clock.now();
  for (let index = 0; ; index += 1) {
    if (signal?.aborted) throw cancelledError(what, signal.reason);
    let failure: IpshiftError;
    try {
      return await attempt(index);
    } catch (error) {
      failure = classify(error);
    }
    if (signal?.aborted) throw cancelledError(what, signal.reason);
    if (failure.kind !== 'transient' || failure.code === 'cancelled') throw failure;
    const delay = Math.round(Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** index) * random());
    const last = index + 1 >= policy.attempts || clock.now() - started + delay > policy.deadlineMs;
    if (last) throw failure;
    try {
      await clock.sleep(delay, signal);
    } catch (reason) {
      throw cancelledError(what, reason);
    }
  }
}

