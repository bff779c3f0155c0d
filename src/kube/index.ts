/**
 * The Kubernetes adapter: the only code that imports @kubernetes/client-node. The composition
 * root wires these factories to the ports in src/ports/cluster.ts.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeMetrics } from '../metrics/kube-metrics.js';
import type { Clock } from '../ports/clock.js';
import type { ClusterWriter, SecretAccess } from '../ports/cluster.js';
import type { Logger } from '../ports/logger.js';
import { createKubeClusterView, type KubeClusterView } from './kube-cluster-view.js';
import { createKubeClusterWriter } from './kube-cluster-writer.js';
import { createKubeSecretAccess } from './kube-secret-access.js';

export { loadKubeConfig, probeCluster, type KubeConfig, type LoadKubeConfigOptions } from './kube-config.js';
export { createLeaseElector, DEFAULT_LEASE_NAME, LEADER_ENDPOINT_ANNOTATION, type LeaseElector, type LeaseElectorOptions } from './lease-elector.js';
export { createKubeClusterView, DEFAULT_RESYNC_SCHEDULE, type KubeClusterView, type KubeClusterViewOptions } from './kube-cluster-view.js';
export { createKubeClusterWriter, type KubeClusterWriterOptions } from './kube-cluster-writer.js';
export { createKubeSecretAccess, type KubeSecretAccessOptions } from './kube-secret-access.js';
export { FAILOVERIP_API_VERSION, FAILOVERIP_GROUP, FAILOVERIP_KIND, FAILOVERIP_PLURAL, FAILOVERIP_VERSION } from './crd.js';

export interface KubeClusterOptions {
  readonly kubeConfig: KubeConfig;
  /** The controller's own namespace (Leases live there). */
  readonly namespace: string;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics: KubeMetrics;
  /** node-cron expression of the full re-list (IPSHIFT_NODE_RESYNC_SCHEDULE; default every minute). */
  readonly resyncSchedule?: string;
  /** Watch only this Node (the node agent). */
  readonly nodeName?: string;
  /** Watch FailoverIP objects (default true). */
  readonly watchFailoverIPs?: boolean;
  /** Names this replica as the source of Events (the pod name). */
  readonly instance?: string;
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
}

export interface KubeCluster {
  readonly view: KubeClusterView;
  readonly writer: ClusterWriter;
  readonly secrets: SecretAccess;
  /** Starts the watches; resolves after the first full lists (retries in the background until then). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createKubeCluster(options: KubeClusterOptions): KubeCluster {
  const { kubeConfig, logger, clock, metrics } = options;
  const view = createKubeClusterView({
    kubeConfig,
    logger: logger.child({ component: 'kube' }),
    clock,
    metrics,
    ...(options.resyncSchedule === undefined ? {} : { resyncSchedule: options.resyncSchedule }),
    ...(options.nodeName === undefined ? {} : { nodeName: options.nodeName }),
    ...(options.watchFailoverIPs === undefined ? {} : { watchFailoverIPs: options.watchFailoverIPs }),
    ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
  });
  const writer = createKubeClusterWriter({
    kubeConfig,
    logger,
    clock,
    metrics,
    instance: options.instance ?? 'ipshift',
    uidOf: (ns, name) => view.uidOf(ns, name),
  });
  const secrets = createKubeSecretAccess({ kubeConfig, clock, metrics });
  return { view, writer, secrets, start: () => view.start(), stop: () => view.stop() };
}
