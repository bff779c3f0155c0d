import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../app.js';
import type { Config } from '../config/settings.js';
import { loadAlertPolicy } from '../config/load-alert-policy.js';
import { createEndpointSliceCheck, createKubeCluster, createLeaseElector, loadKubeConfig, probeCluster, type KubeConfig } from '../kube/index.js';
import { createMetrics } from '../metrics/metrics.js';
import { systemClock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import { createProviderPool } from '../providers/provider-pool.js';
import { tcpProbe } from '../reachability/tcp-probe.js';

/** KUBECONFIG if set; else the in-cluster service account; else ~/.kube/config, as kubectl does. */
function kubeConfigFrom(config: Config): KubeConfig | null {
  const host = process.env['KUBERNETES_SERVICE_HOST'];
  const home = join(homedir(), '.kube', 'config');
  const path = config.kubeconfig ?? (host === undefined && existsSync(home) ? home : undefined);
  return loadKubeConfig({
    ...(path === undefined ? {} : { kubeconfigPath: path }),
    ...(host === undefined ? {} : { inCluster: { host, port: process.env['KUBERNETES_SERVICE_PORT'] ?? '443' } }),
  });
}

/** Is there a cluster to work with? No kubeconfig, or no answer within 3 s, means the sandbox. */
export async function clusterReachable(config: Config, logger: Logger): Promise<boolean> {
  const kubeConfig = kubeConfigFrom(config);
  if (kubeConfig === null) {
    logger.info('no kubeconfig and not in a cluster');
    return false;
  }
  const reachable = await probeCluster(kubeConfig, 3000);
  if (!reachable) logger.warn('the Kubernetes API does not answer', { server: kubeConfig.getCurrentCluster()?.server });
  return reachable;
}

/** The real thing: Kubernetes adapter, Lease election, providers from Secrets. */
export async function startClusterController(config: Config, logger: Logger, version: string, identity: string): Promise<{ stop(): Promise<void> }> {
  const kubeConfig = kubeConfigFrom(config);
  if (kubeConfig === null) throw new Error('no Kubernetes configuration');
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
    leadership: elector,
    providers,
    policy: config.alertPolicyFile === undefined ? loadAlertPolicy() : loadAlertPolicy(config.alertPolicyFile),
    logger,
    sandbox: false,
    version,
    metrics,
    probe: tcpProbe,
    // The Deployment's pod labels (deploy/controller/deployment.yaml): where the other replicas run.
    controllerPods: { namespace, matchLabels: { 'app.kubernetes.io/name': 'ipshift', 'app.kubernetes.io/component': 'controller' } },
  });
  await kube.start();
  elector.start();
  const url = await app.start(config.port, config.bind ?? '0.0.0.0');
  logger.info('ipshift controller started', { url, namespace, identity, version });
  return {
    async stop() {
      await app.stop(8000);
      await elector.stop();
      await kube.stop();
    },
  };
}
