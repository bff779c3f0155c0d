import { abortedError, classify } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import { withRetry, type RetryPolicy } from '../retry/with-retry.js';

/** One address's move, as an adapter performs it. */
export interface MoveStep<T> {
  /** For log lines and errors: `netcup route 198.51.100.10`. */
  readonly what: string;
  /** Where the address is routed now (server id, null = nowhere). Reads are retried by the adapter's client. */
  read(signal?: AbortSignal): Promise<string | null>;
  /** Sends the move request exactly once (no retry underneath); resolves with what the provider answered. */
  send(signal?: AbortSignal): Promise<T>;
  /**
   * Waits until the provider reports the accepted move done (task, action). Its failures are the
   * provider's own verdict and surface as they are; the caller reads the routing afterwards.
   */
  complete(accepted: T, signal?: AbortSignal): Promise<void>;
}

export interface MoveStepContext {
  readonly clock: Clock;
  readonly retry: RetryPolicy;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
  readonly random?: () => number;
  /** How often, and for how long, to re-read the routing after a refusal that may follow an accepted move. */
  readonly settlePollMs: number;
  readonly settleTimeoutMs: number;
}

/**
 * Moves one address so that a lost answer never becomes a second move or a false failure.
 * A transient failure of the move (reset, timeout, lost answer, 5xx) is uncertain: the provider
 * may have acted. Before sending again, the routing is read; if the address is already on the
 * target, the move is done. A refusal after such an uncertain attempt (netcup's per-IP limit,
 * a lock while the provider's task runs) is checked the same way, waiting a little for the
 * provider's task to land: routed to the target means success. A refusal of a first, certain
 * attempt is the provider's answer and surfaces unchanged.
 */
export async function moveIdempotently<T>(step: MoveStep<T>, target: string, context: MoveStepContext): Promise<void> {
  const { signal } = context;
  let uncertain = false;
  const accepted = await withRetry(
    async (): Promise<{ readonly answer: T } | null> => {
      if (uncertain && (await step.read(signal)) === target) {
        context.logger.info('the provider had taken the earlier attempt: routed, not sent again', { what: step.what, serverId: target });
        return null;
      }
      try {
        return { answer: await step.send(signal) };
      } catch (caught) {
        const error = classify(caught);
        if (error.code === 'aborted') throw error;
        if (error.kind === 'transient') {
          uncertain = true;
          throw error;
        }
        if (uncertain && (await settledOn(step, target, context))) {
          context.logger.info('a refusal after an accepted attempt: the move had landed', { what: step.what, serverId: target, refusal: error.code });
          return null;
        }
        throw error;
      }
    },
    context.retry,
    {
      clock: context.clock,
      what: step.what,
      logger: context.logger,
      ...(signal === undefined ? {} : { signal }),
      ...(context.random ? { random: context.random } : {}),
    },
  );
  if (accepted !== null) await step.complete(accepted.answer, signal);
}

async function settledOn<T>(step: MoveStep<T>, target: string, context: MoveStepContext): Promise<boolean> {
  const deadline = context.clock.now() + context.settleTimeoutMs;
  for (;;) {
    const current = await step.read(context.signal).catch(() => undefined);
    if (current === target) return true;
    if (context.clock.now() + context.settlePollMs > deadline) return false;
    try {
      await context.clock.sleep(context.settlePollMs, context.signal);
    } catch {
      throw abortedError(step.what);
    }
  }
}
