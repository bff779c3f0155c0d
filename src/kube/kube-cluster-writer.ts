import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { kubeReason } from '../core/kube-reason.js';
import type { FailoverIPStatus } from '../core/model.js';
import type { KubeMetrics, KubeOperation } from '../metrics/kube-metrics.js';
import type { Clock } from '../ports/clock.js';
import type { ClusterWriter, EventType } from '../ports/cluster.js';
import type { Logger } from '../ports/logger.js';
import { FAILOVERIP_API_VERSION, FAILOVERIP_GROUP, FAILOVERIP_KIND, FAILOVERIP_PLURAL, FAILOVERIP_VERSION } from './crd.js';
import { eventBody } from './event-body.js';
import { makeKubeClient } from './kube-client.js';
import { classifyKubeError, isConflict } from './kube-errors.js';
import { backoffDelayMs } from '../retry/backoff.js';

/** Write conflicts clear in milliseconds; retries are spread by the project's one backoff. */
const CONFLICT_BACKOFF = { baseDelayMs: 50, maxDelayMs: 800 };

export interface KubeClusterWriterOptions {
  readonly kubeConfig: KubeConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics: KubeMetrics;
  /** Names the Event source (`reportingInstance`), usually the pod name. */
  readonly instance: string;
  /** The uid of a FailoverIP, so an Event links to the object (kubectl describe shows it). */
  readonly uidOf?: (namespace: string, name: string) => string | undefined;
  /** How long one request may take (default KUBE_REQUEST_DEADLINE_MS). */
  readonly deadlineMs?: number;
  /** Attempts of a write that meets a 409 Conflict (default 5). */
  readonly conflictAttempts?: number;
}

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export function createKubeClusterWriter(options: KubeClusterWriterOptions): ClusterWriter {
  const { kubeConfig, clock, metrics, logger } = options;
  // Every write is aborted at the deadline: an unanswered PATCH must end the move that waits on it.
  const custom = makeKubeClient(kubeConfig, CustomObjectsApi, options.deadlineMs);
  const core = makeKubeClient(kubeConfig, CoreV1Api, options.deadlineMs);
  const attempts = options.conflictAttempts ?? 5;

  /**
   * A merge patch carries no resourceVersion, so the API server applies it to the latest object;
   * a 409 can still come back from a concurrent update inside the server, and then a retry
   * of the same patch is correct.
   */
  async function withConflictRetry(operation: KubeOperation, call: () => Promise<unknown>): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await call();
        return;
      } catch (error) {
        metrics.apiError(operation);
        if (!isConflict(error) || attempt >= attempts) throw classifyKubeError(error, operation, clock.now());
        logger.debug('conflict on write; retrying', { operation, attempt });
        await clock.sleep(backoffDelayMs(CONFLICT_BACKOFF, attempt));
      }
    }
  }

  return {
    patchStatus(namespace, name, status: Partial<FailoverIPStatus>) {
      return withConflictRetry('patch_status', () =>
        custom.patchNamespacedCustomObjectStatus(
          { group: FAILOVERIP_GROUP, version: FAILOVERIP_VERSION, plural: FAILOVERIP_PLURAL, namespace, name, body: { status } },
          MERGE_PATCH,
        ),
      );
    },

    removeAnnotation(namespace, name, key) {
      return withConflictRetry('patch_failoverip', () =>
        custom.patchNamespacedCustomObject(
          {
            group: FAILOVERIP_GROUP,
            version: FAILOVERIP_VERSION,
            plural: FAILOVERIP_PLURAL,
            namespace,
            name,
            body: { metadata: { annotations: { [key]: null } } },
          },
          MERGE_PATCH,
        ),
      );
    },

    patchNodeMetadata(name, patch) {
      return withConflictRetry('patch_node', () => core.patchNode({ name, body: { metadata: patch } }, MERGE_PATCH));
    },

    async recordEvent(fip, type: EventType, reason, message) {
      const now = new Date(clock.now());
      const uid = options.uidOf?.(fip.namespace, fip.name);
      try {
        await core.createNamespacedEvent({
          namespace: fip.namespace,
          body: eventBody(
            { apiVersion: FAILOVERIP_API_VERSION, kind: FAILOVERIP_KIND, namespace: fip.namespace, name: fip.name, uid },
            type,
            kubeReason(reason),
            message,
            options.instance,
            now,
          ),
        });
      } catch (error) {
        metrics.apiError('create_event');
        throw classifyKubeError(error, 'create_event', clock.now());
      }
    },
  };
}
