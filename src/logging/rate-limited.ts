import type { LogFields } from '../ports/logger.js';

/**
 * At most one line per `intervalMs` for an event anyone can cause (a refused webhook): the
 * first is written at once, the rest are counted and reported with the next line, so a flood
 * of bad requests cannot flood the log.
 */
export function rateLimitedLog(write: (fields: LogFields) => void, intervalMs: number, now: () => number): (fields: LogFields) => void {
  let last = -Infinity;
  let suppressed = 0;
  return (fields) => {
    const at = now();
    if (at - last < intervalMs) {
      suppressed++;
      return;
    }
    last = at;
    write(suppressed === 0 ? fields : { ...fields, suppressedSinceLast: suppressed });
    suppressed = 0;
  };
}
