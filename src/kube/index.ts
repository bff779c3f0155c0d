/**
 * The Kubernetes adapter: the only code that imports @kubernetes/client-node. The composition
 * root wires these factories to the ports in src/ports/cluster.ts.
 */
import type { ClusterWriter, SecretAccess } from '../ports/cluster.js';
import type { DnsEndpointStore } from '../ports/dns-endpoints.js';
import { createKubeDnsEndpointStore } from './dns-endpoint-store.js';
import { createKubeClusterView, type KubeClusterView, type KubeClusterViewOptions } from './kube-cluster-view.js';
import { createKubeClusterWriter } from './kube-cluster-writer.js';
import { createKubeSecretAccess } from './kube-secret-access.js';

export {
  discoverKubeConfig,
  probeCluster,
  waitForApiServer,
  type KubeConfig,
  type KubeConfigDiscovery,
  type KubeConfigDiscoveryOptions,
} from './kube-config.js';
export {
  createLeaseElector,
  DEFAULT_LEASE_NAME,
  LEADER_ENDPOINT_ANNOTATION,
  MAX_HOLD_OFF_MS,
  type LeaseElector,
  type LeaseElectorOptions,
} from './lease-elector.js';
export { createEndpointSliceCheck, type EndpointVerdict, type LeaderEndpointCheck } from './leader-endpoint-check.js';
export { KUBE_REQUEST_DEADLINE_MS, makeKubeClient } from './kube-client.js';
export { createKubeClusterView, DEFAULT_RESYNC_SCHEDULE, type KubeClusterView, type KubeClusterViewOptions } from './kube-cluster-view.js';
export { createKubeClusterWriter, type KubeClusterWriterOptions } from './kube-cluster-writer.js';
export { createKubeServiceView, type KubeServiceView, type KubeServiceViewOptions } from './service-view.js';
export { createKubeServiceWriter, type KubeServiceWriterOptions } from './service-writer.js';
export { createKubeSecretAccess, upsertSecret, type KubeSecretAccessOptions } from './kube-secret-access.js';
export { FAILOVERIP_API_VERSION, FAILOVERIP_GROUP, FAILOVERIP_KIND, FAILOVERIP_PLURAL, FAILOVERIP_VERSION } from './crd.js';

/** The view's options, plus what the writer needs. */
export interface KubeClusterOptions extends KubeClusterViewOptions {
  /** The controller's own namespace. */
  readonly namespace: string;
  /** Names this replica as the source of Events (the pod name). */
  readonly instance?: string;
  /** Deadline of one read or write (default KUBE_REQUEST_DEADLINE_MS); tests shorten it. */
  readonly requestDeadlineMs?: number;
}

export interface KubeCluster {
  readonly view: KubeClusterView;
  readonly writer: ClusterWriter;
  readonly secrets: SecretAccess;
  /** external-dns's DNSEndpoint objects (spec.dns). */
  readonly dnsEndpoints: DnsEndpointStore;
  /** Starts the watches; resolves after the first full lists (retries in the background until then). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createKubeCluster(options: KubeClusterOptions): KubeCluster {
  const { kubeConfig, logger, clock, metrics } = options;
  const view = createKubeClusterView({ ...options, logger: logger.child({ component: 'kube' }) });
  const writer = createKubeClusterWriter({
    kubeConfig,
    logger,
    clock,
    metrics,
    instance: options.instance ?? 'ipshift',
    uidOf: (ns, name) => view.uidOf(ns, name),
    ...(options.requestDeadlineMs === undefined ? {} : { deadlineMs: options.requestDeadlineMs }),
  });
  const secrets = createKubeSecretAccess({
    kubeConfig,
    clock,
    metrics,
    ...(options.requestDeadlineMs === undefined ? {} : { deadlineMs: options.requestDeadlineMs }),
  });
  const dnsEndpoints = createKubeDnsEndpointStore({
    kubeConfig,
    clock,
    metrics,
    uidOf: (ns, name) => view.uidOf(ns, name),
    ...(options.requestDeadlineMs === undefined ? {} : { deadlineMs: options.requestDeadlineMs }),
  });
  return { view, writer, secrets, dnsEndpoints, start: () => view.start(), stop: () => view.stop() };
}
