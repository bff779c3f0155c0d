import type { FailoverIPObject } from '../core/model.js';
import { failoverIPKey } from '../core/model.js';
import type { Reason } from '../core/reasons.js';
import type { ClusterWriter, EventType } from '../ports/cluster.js';
import type { Logger } from '../ports/logger.js';
import { oncePerCause } from '../logging/once-per-cause.js';

export type RecordEvent = (fip: FailoverIPObject, type: EventType, reason: Reason, message: string) => void;

/**
 * Events are best effort (a move never waits for one), but a failed write is not swallowed:
 * it is logged once per cause, so a broken Events RBAC rule or an API outage shows in the log
 * without one line per Event. A success logs the recovery and re-arms the warning.
 */
export function createEventRecorder(writer: ClusterWriter, logger: Logger): RecordEvent {
  const failures = oncePerCause(logger, {
    failing: 'could not record a Kubernetes Event; further failures with the same cause are not logged',
    recovered: 'recording Kubernetes Events works again',
  });
  return (fip, type, reason, message) => {
    writer.recordEvent(fip, type, reason, message).then(
      () => failures.succeeded(),
      (error: unknown) => failures.failed(error, { failoverIP: failoverIPKey(fip), reason }),
    );
  };
}
