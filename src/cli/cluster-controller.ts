import { createApp, type App } from '../app.js';
import type { Config } from '../config/settings.js';
import { loadAlertPolicy } from '../config/load-alert-policy.js';
import {
  createEndpointSliceCheck,
  createKubeCluster,
  createKubeServiceView,
  createKubeServiceWriter,
  createLeaseElector,
  discoverKubeConfig,
  waitForApiServer,
  type KubeCluster,
  type KubeConfigDiscovery,
  type LeaseElector,
} from '../kube/index.js';
import { createMetrics, type Metrics } from '../metrics/metrics.js';
import { systemClock, type Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import { createProviderPool } from '../providers/provider-pool.js';
import type { ProviderPool } from '../reconcile/reconciler.js';
import { tcpProbe } from '../reachability/tcp-probe.js';

/** The cluster configuration, if any exists (the one discovery, src/kube/kube-config.ts); null means the sandbox. */
export function discoverCluster(config: Config): KubeConfigDiscovery | null {
  return discoverKubeConfig({ kubeconfig: config.kubeconfig });
}

/**
 * What differs between `ipshift controller` in a cluster and the tests that run the same
 * controller against the fake API server: the kubeconfig, the clock, the metrics registry, the
 * providers, and timings the settings state in whole seconds.
 */
export interface ClusterControllerParts {
  readonly config: Config;
  readonly logger: Logger;
  readonly version: string;
  /** This replica's name in the Lease (the pod name). */
  readonly identity: string;
  readonly discovered: KubeConfigDiscovery;
  readonly clock?: Clock;
  readonly metrics?: Metrics;
  /** The provider pool; by default the one that reads the FailoverIPs' Secrets through `kube`. */
  readonly providers?: (kube: KubeCluster) => ProviderPool;
  /** Lease timing in milliseconds instead of the settings' seconds. */
  readonly leaseTimingMs?: { readonly durationMs: number; readonly renewDeadlineMs: number; readonly retryPeriodMs: number };
  /** The periodic reconcile (the app's default otherwise). */
  readonly pollIntervalMs?: number;
  /** Where to listen instead of the settings' port and bind address (port 0: ephemeral). */
  readonly listen?: { readonly port: number; readonly host: string };
}

export interface ClusterController {
  readonly app: App;
  readonly kube: KubeCluster;
  readonly elector: LeaseElector;
  readonly url: string;
  /** Settles once the API server answered, the view holds its first lists and the election runs (or start gave up). */
  readonly connected: Promise<void>;
  stop(): Promise<void>;
}

/** The real thing: Kubernetes adapter, Lease election, providers from Secrets. The one composition for main and tests. */
export async function startClusterController(parts: ClusterControllerParts): Promise<ClusterController> {
  const { config, logger, version, identity, discovered } = parts;
  const { kubeConfig, source } = discovered;
  const namespace = config.namespace ?? process.env['POD_NAMESPACE'] ?? 'ipshift';
  const clock = parts.clock ?? systemClock;
  const metrics = parts.metrics ?? createMetrics({ version, ...(config.clusterLabel === undefined ? {} : { cluster: config.clusterLabel }) });
  const kube = createKubeCluster({
    kubeConfig,
    namespace,
    logger,
    clock,
    metrics: metrics.kube,
    resyncSchedule: config.nodeResyncSchedule,
    instance: identity,
    // FailoverIPs only where the install says (issue 15.1), by default ipshift's own namespace.
    ...(config.failoverIPNamespaces === '*' ? {} : { failoverIPNamespaces: config.failoverIPNamespaces ?? [namespace] }),
  });
  // LoadBalancer Services of class ipshift.dev/failover-ip (docs/load-balancer-services.md).
  const services = {
    view: createKubeServiceView({
      kubeConfig,
      logger: logger.child({ component: 'kube' }),
      clock,
      metrics: metrics.kube,
      resyncSchedule: config.nodeResyncSchedule,
    }),
    writer: createKubeServiceWriter({ kubeConfig, clock, metrics: metrics.kube, instance: identity }),
  };
  const lease = parts.leaseTimingMs ?? {
    durationMs: config.leaseDurationSeconds * 1000,
    renewDeadlineMs: config.leaseRenewDeadlineSeconds * 1000,
    retryPeriodMs: config.leaseRetryPeriodSeconds * 1000,
  };
  const elector = createLeaseElector({
    kubeConfig,
    namespace,
    leaseName: config.leaseName,
    identity,
    ...(config.podIp === undefined ? {} : { endpoint: `http://${config.podIp.includes(':') ? `[${config.podIp}]` : config.podIp}:${config.port}` }),
    leaseDurationMs: lease.durationMs,
    renewDeadlineMs: lease.renewDeadlineMs,
    retryPeriodMs: lease.retryPeriodMs,
    checkLeaderEndpoint: createEndpointSliceCheck({ kubeConfig, namespace, serviceName: config.serviceName }),
    clock,
    logger: logger.child({ component: 'leader-election' }),
    metrics: metrics.kube,
  });
  const providers =
    parts.providers?.(kube) ??
    createProviderPool(kube.secrets, {
      endpoints: {
        netcupApiUrl: config.netcupApiUrl,
        netcupIssuerUrl: config.netcupIssuerUrl,
        hetznerCloudApiUrl: config.hetznerCloudApiUrl,
        hetznerRobotApiUrl: config.hetznerRobotApiUrl,
        digitaloceanApiUrl: config.digitaloceanApiUrl,
      },
      logger,
      clock,
      metrics: metrics.provider,
    });
  const app = createApp(config, {
    cluster: kube.view,
    writer: kube.writer,
    dnsEndpoints: kube.dnsEndpoints,
    leadership: elector,
    providers,
    policy: config.alertPolicyFile === undefined ? loadAlertPolicy() : loadAlertPolicy(config.alertPolicyFile),
    logger,
    sandbox: false,
    version,
    clock,
    metrics,
    probe: tcpProbe,
    synced: () => kube.view.hasSynced(),
    services,
    // The Deployment's pod labels (deploy/controller/deployment.yaml): where the other replicas run.
    controllerPods: { namespace, matchLabels: { 'app.kubernetes.io/name': 'ipshift', 'app.kubernetes.io/component': 'controller' } },
    ...(parts.pollIntervalMs === undefined ? {} : { pollIntervalMs: parts.pollIntervalMs }),
  });
  // HTTP first: /healthz answers and /readyz says "not ready" while the API server is waited for.
  const url = await app.start(parts.listen?.port ?? config.port, parts.listen?.host ?? config.bind ?? '0.0.0.0');
  logger.info('ipshift controller listening', { url, namespace, identity, version, kubeconfig: source, server: kubeConfig.getCurrentCluster()?.server });
  const stopping = new AbortController();
  const connected = (async () => {
    await waitForApiServer(kubeConfig, { source, logger, clock, signal: stopping.signal });
    await kube.start();
    if (stopping.signal.aborted) return;
    services.view.start();
    elector.start();
    logger.info('ipshift controller started', { url, namespace, identity, version });
  })().catch((error: unknown) => {
    if (!stopping.signal.aborted) logger.error('could not start the Kubernetes side', { err: error });
  });
  return {
    app,
    kube,
    elector,
    url,
    connected,
    async stop() {
      stopping.abort(new Error('stopping'));
      await app.stop(8000);
      await elector.stop();
      await kube.stop();
      await services.view.stop();
      await connected;
    },
  };
}
