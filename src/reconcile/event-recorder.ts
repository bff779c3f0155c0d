import type { FailoverIPObject } from '../core/model.js';
import { failoverIPKey } from '../core/model.js';
import type { Reason } from '../core/reasons.js';
import type { ClusterWriter, EventType } from '../ports/cluster.js';
import type { Logger } from '../ports/logger.js';

export type RecordEvent = (fip: FailoverIPObject, type: EventType, reason: Reason, message: string) => void;

/**
 * Events are best effort (a move never waits for one), but a failed write is not swallowed:
 * it is logged once per cause, so a broken Events RBAC rule or an API outage shows in the log
 * without one line per Event. A success logs the recovery and re-arms the warning.
 */
export function createEventRecorder(writer: ClusterWriter, logger: Logger): RecordEvent {
  let failingCause: string | null = null;
  return (fip, type, reason, message) => {
    writer.recordEvent(fip, type, reason, message).then(
      () => {
        if (failingCause === null) return;
        logger.info('recording Kubernetes Events works again', { previousError: failingCause });
        failingCause = null;
      },
      (error: unknown) => {
        const cause = error instanceof Error ? error.message : String(error);
        if (cause === failingCause) return;
        failingCause = cause;
        logger.warn('could not record a Kubernetes Event; further failures with the same cause are not logged', {
          failoverIP: failoverIPKey(fip),
          reason,
          err: error,
        });
      },
    );
  };
}
