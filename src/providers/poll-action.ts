import { transientError } from '../errors.js';
import type { Clock } from '../ports/clock.js';

export interface PollActionOptions<A> {
  /** e.g. `hetzner-cloud action 42`, for messages. */
  readonly what: string;
  readonly clock: Clock;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  readonly running: (action: A) => boolean;
  readonly fetch: (action: A) => Promise<A>;
}

/**
 * Polls an async provider action (Hetzner Action, DigitalOcean action, netcup task) until it
 * leaves its running state, at a fixed interval, within a time limit: it gives up rather than
 * sleep past the limit. Running too long is transient: the action may still finish, and the
 * next reconcile reads the truth.
 */
export async function pollAction<A>(first: A, options: PollActionOptions<A>): Promise<A> {
  const deadline = options.clock.now() + options.timeoutMs;
  let current = first;
  while (options.running(current)) {
    if (options.clock.now() + options.intervalMs > deadline) {
      throw transientError(`${options.what}: not done within ${options.timeoutMs} ms`, 'action-timeout');
    }
    await options.clock.sleep(options.intervalMs, options.signal).catch(() => {
      throw transientError(`${options.what}: waiting cancelled`, 'aborted');
    });
    current = await options.fetch(current);
  }
  return current;
}

/** The knobs of an adapter whose moves run as async actions polled to the end (Hetzner Cloud, DigitalOcean). */
export interface ActionTimingOptions {
  readonly actionPollIntervalMs?: number;
  /** How long one assign action may run before the move is reported as failed (transient). */
  readonly actionTimeoutMs?: number;
}

/**
 * An action is polled every second for up to two minutes unless configured. After a refusal that
 * may follow an accepted move, the routing is re-read at the same interval for ten polls
 * (moveIdempotently's settle window): the provider's action lands within a few of them.
 */
export function actionTiming(options: ActionTimingOptions): {
  readonly poll: { readonly intervalMs: number; readonly timeoutMs: number };
  readonly settle: { readonly pollMs: number; readonly timeoutMs: number };
} {
  const intervalMs = options.actionPollIntervalMs ?? 1_000;
  return {
    poll: { intervalMs, timeoutMs: options.actionTimeoutMs ?? 120_000 },
    settle: { pollMs: intervalMs, timeoutMs: 10 * intervalMs },
  };
}
