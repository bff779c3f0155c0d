import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { kubeReason } from '../core/kube-reason.js';
import type { KubeMetrics } from '../metrics/kube-metrics.js';
import type { Clock } from '../ports/clock.js';
import type { ServiceWriter } from '../ports/services.js';
import { eventBody } from './event-body.js';
import { makeKubeClient } from './kube-client.js';
import { classifyKubeError } from './kube-errors.js';

export interface KubeServiceWriterOptions {
  readonly kubeConfig: KubeConfig;
  readonly clock: Clock;
  readonly metrics: KubeMetrics;
  /** Names the Event source (`reportingInstance`), usually the pod name. */
  readonly instance: string;
  /** How long one request may take (default KUBE_REQUEST_DEADLINE_MS). */
  readonly deadlineMs?: number;
}

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * The only writes ipshift makes on Services: status.loadBalancer.ingress through the status
 * subresource (a merge patch replaces the list whole; null removes it), and Events. A merge patch
 * needs no resourceVersion, so a concurrent write elsewhere on the Service never conflicts with it.
 */
export function createKubeServiceWriter(options: KubeServiceWriterOptions): ServiceWriter {
  const { kubeConfig, clock, metrics } = options;
  const core = makeKubeClient(kubeConfig, CoreV1Api, options.deadlineMs);
  return {
    async patchIngress(namespace, name, ingress) {
      try {
        await core.patchNamespacedServiceStatus(
          { namespace, name, body: { status: { loadBalancer: { ingress: ingress.length === 0 ? null : ingress.map((e) => ({ ...e })) } } } },
          MERGE_PATCH,
        );
      } catch (error) {
        metrics.apiError('patch_service_status');
        throw classifyKubeError(error, 'patch_service_status', clock.now());
      }
    },

    async recordEvent(service, type, reason, message) {
      const now = new Date(clock.now());
      try {
        await core.createNamespacedEvent({
          namespace: service.namespace,
          body: eventBody({ apiVersion: 'v1', kind: 'Service', ...service }, type, kubeReason(reason), message, options.instance, now),
        });
      } catch (error) {
        metrics.apiError('create_event');
        throw classifyKubeError(error, 'create_event', clock.now());
      }
    },
  };
}
