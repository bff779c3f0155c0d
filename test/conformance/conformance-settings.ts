import type { RetryPolicy } from '../../src/providers/retry.js';

/** The retry policy and request timeout every adapter is built with under the conformance suite. */
export const CONFORMANCE_RETRY: RetryPolicy = { deadlineMs: 4_000, maxAttempts: 5, baseDelayMs: 20, maxDelayMs: 200 };
export const CONFORMANCE_TIMEOUT_MS = 1_000;
