/**
 * The project's one backoff. Every retry loop (provider calls, failed moves, Kubernetes watch
 * restarts and write conflicts, the Alertmanager sync) waits what this returns, so a change to
 * the spreading rule happens here once.
 */
export interface BackoffPolicy {
  /** Ceiling of the first wait; each further retry doubles it. */
  readonly baseDelayMs: number;
  /** The ceiling never grows past this. */
  readonly maxDelayMs: number;
}

/**
 * Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): the n-th retry (n >= 1)
 * waits random(0, min(maxDelayMs, baseDelayMs * 2^(n-1))). Spreads the retries of many clients
 * evenly over the window instead of bunching them at its edge.
 */
export function backoffDelayMs(policy: BackoffPolicy, retry: number, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(retry, 1) - 1, 30);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}

/**
 * A fixed period stretched by up to `factor` (client-go's wait.Jitter): periodic work of several
 * replicas drifts apart instead of staying in lock-step.
 */
export function jitteredPeriodMs(periodMs: number, factor: number, random: () => number = Math.random): number {
  return periodMs * (1 + random() * factor);
}
