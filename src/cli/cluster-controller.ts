import { createApp } from '../app.js';
import type { Config } from '../config/settings.js';
import { loadAlertPolicy } from '../config/load-alert-policy.js';
import {
  createEndpointSliceCheck,
  createKubeCluster,
  createLeaseElector,
  discoverKubeConfig,
  waitForApiServer,
  type KubeConfigDiscovery,
} from '../kube/index.js';
import { createMetrics } from '../metrics/metrics.js';
import { systemClock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import { createProviderPool } from '../providers/provider-pool.js';
import { tcpProbe } from '../reachability/tcp-probe.js';

/** The cluster configuration, if any exists (the one discovery, src/kube/kube-config.ts); null means the sandbox. */
export function discoverCluster(config: Config): KubeConfigDiscovery | null {
  return discoverKubeConfig({ kubeconfig: config.kubeconfig });
}

/** The real thing: Kubernetes adapter, Lease election, providers from Secrets. */
export async function startClusterController(
  config: Config,
  logger: Logger,
  version: string,
  identity: string,
  discovered: KubeConfigDiscovery,
): Promise<{ stop(): Promise<void> }> {
  const { kubeConfig, source } = discovered;
  const namespace = config.namespace ?? process.env['POD_NAMESPACE'] ?? 'ipshift';
  const clock = systemClock;
  const metrics = createMetrics({ version, ...(config.clusterLabel === undefined ? {} : { cluster: config.clusterLabel }) });
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
  const elector = createLeaseElector({
    kubeConfig,
    namespace,
    leaseName: config.leaseName,
    identity,
    ...(config.podIp === undefined ? {} : { endpoint: `http://${config.podIp.includes(':') ? `[${config.podIp}]` : config.podIp}:${config.port}` }),
    leaseDurationMs: config.leaseDurationSeconds * 1000,
    renewDeadlineMs: config.leaseRenewDeadlineSeconds * 1000,
    retryPeriodMs: config.leaseRetryPeriodSeconds * 1000,
    checkLeaderEndpoint: createEndpointSliceCheck({ kubeConfig, namespace, serviceName: config.serviceName }),
    clock,
    logger: logger.child({ component: 'leader-election' }),
    metrics: metrics.kube,
  });
  const providers = createProviderPool(kube.secrets, {
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
    metrics,
    probe: tcpProbe,
    synced: () => kube.view.hasSynced(),
    // The Deployment's pod labels (deploy/controller/deployment.yaml): where the other replicas run.
    controllerPods: { namespace, matchLabels: { 'app.kubernetes.io/name': 'ipshift', 'app.kubernetes.io/component': 'controller' } },
  });
  // HTTP first: /healthz answers and /readyz says "not ready" while the API server is waited for.
  const url = await app.start(config.port, config.bind ?? '0.0.0.0');
  logger.info('ipshift controller listening', { url, namespace, identity, version, kubeconfig: source, server: kubeConfig.getCurrentCluster()?.server });
  const stopping = new AbortController();
  const connecting = (async () => {
    await waitForApiServer(kubeConfig, { source, logger, clock, signal: stopping.signal });
    await kube.start();
    if (stopping.signal.aborted) return;
    elector.start();
    logger.info('ipshift controller started', { url, namespace, identity, version });
  })().catch((error: unknown) => {
    if (!stopping.signal.aborted) logger.error('could not start the Kubernetes side', { error: error instanceof Error ? error.message : String(error) });
  });
  return {
    async stop() {
      stopping.abort(new Error('stopping'));
      await app.stop(8000);
      await elector.stop();
      await kube.stop();
      await connecting;
    },
  };
}
