import type { LogFields, Logger } from '../ports/logger.js';
import { errorMessage } from '../errors.js';

export interface OncePerCause {
  /** The write worked: after failures, the recovery is logged and the warning re-armed. */
  succeeded(): void;
  /** The write failed: logged (with the error under `err`) unless the last failure had the same cause. */
  failed(error: unknown, fields: LogFields): void;
}

/**
 * For a best-effort write that can fail on every call (a Kubernetes Event: a missing RBAC rule,
 * an API outage): the failure is logged once per cause, not once per call, so it shows in the
 * log without a line per Event, and the first success after it says so.
 */
export function oncePerCause(logger: Logger, lines: { readonly failing: string; readonly recovered: string }): OncePerCause {
  let failing: string | null = null;
  return {
    succeeded() {
      if (failing === null) return;
      logger.info(lines.recovered, { previousError: failing });
      failing = null;
    },
    failed(error, fields) {
      const cause = errorMessage(error);
      if (cause === failing) return;
      failing = cause;
      logger.warn(lines.failing, { ...fields, err: error });
    },
  };
}
