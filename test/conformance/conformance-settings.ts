import { systemClock, type Clock } from '../../src/ports/clock.js';
import type { Logger } from '../../src/ports/logger.js';
import type { RetryPolicy } from '../../src/retry/with-retry.js';

/** The retry policy and request timeout every adapter is built with under the conformance suite. */
export const CONFORMANCE_RETRY: RetryPolicy = { deadlineMs: 4_000, maxAttempts: 5, baseDelayMs: 20, maxDelayMs: 200 };
export const CONFORMANCE_TIMEOUT_MS = 1_000;

/** Spread into an adapter's options by every conformance target: with the suite's capturing logger. */
export interface ConformanceAdapterOptions {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly retry: RetryPolicy;
  readonly requestTimeoutMs: number;
}

export const CONFORMANCE_ADAPTER_OPTIONS = {
  clock: systemClock,
  retry: CONFORMANCE_RETRY,
  requestTimeoutMs: CONFORMANCE_TIMEOUT_MS,
} as const satisfies Omit<ConformanceAdapterOptions, 'logger'>;
