import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config/load-config.js';
import { loadAlertPolicy } from '../../src/config/load-alert-policy.js';
import { createEndpointSliceCheck, createKubeCluster, createLeaseElector, type KubeCluster, type LeaseElector } from '../../src/kube/index.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { systemClock } from '../../src/ports/clock.js';
import { silentLogger, type Logger } from '../../src/ports/logger.js';
import { createProviderPool } from '../../src/providers/provider-pool.js';
import type { NetcupEmulator } from '../../src/emulators/netcup/netcup-emulator.js';
import { CONTROLLER_SA, failoverIpNamespaceBinding, makeFailoverIP, makeNode, type FakeKubeApi } from '../fake-kube-api/index.js';

export const KUBE_SERVER_OF: Record<string, number> = { 'node-1': 111001, 'node-2': 111002, 'node-3': 111003 };

/** Seeds the fake API server with three nodes, a netcup FailoverIP and its Secret. */
export function seedCluster(api: FakeKubeApi, emulator: NetcupEmulator, cooldownSeconds = 0): void {
  // The FailoverIP lives in `default`: grant the controller its Secret and Events there, as docs/kubernetes.md says.
  api.addRbac(failoverIpNamespaceBinding('default'));
  for (const [i, name] of ['node-1', 'node-2', 'node-3'].entries()) {
    api.setNode(makeNode({ name, internalIP: `192.0.2.${11 + i}`, annotations: { 'ipshift.dev/server-id': String(KUBE_SERVER_OF[name]) } }));
  }
  api.setSecret({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { namespace: 'default', name: 'netcup' },
    type: 'Opaque',
    data: { refreshToken: Buffer.from(emulator.refreshToken).toString('base64') },
  });
  api.upsertFailoverIP(
    makeFailoverIP({
      namespace: 'default',
      name: 'web',
      addresses: ['198.51.100.10'],
      providerType: 'netcup',
      secretName: 'netcup',
      policy: { cooldownSeconds },
    }),
  );
}

export interface KubeController {
  readonly app: App;
  readonly kube: KubeCluster;
  readonly elector: LeaseElector;
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * The controller exactly as in a cluster (Kubernetes adapter, Lease election, provider pool
 * reading the Secret), pointed at the fake API server and the netcup emulator.
 */
export async function startKubeController(
  api: FakeKubeApi,
  emulator: NetcupEmulator,
  identity = 'ipshift-0',
  logger: Logger = silentLogger,
): Promise<KubeController> {
  const config = loadConfig({ IPSHIFT_WEBHOOK_AUTH: 'none', IPSHIFT_NETCUP_API_URL: emulator.apiUrl, IPSHIFT_NETCUP_ISSUER_URL: emulator.issuerUrl });
  const clock = systemClock;
  const metrics = createMetrics({ version: 'test', defaultMetrics: false });
  const kube = createKubeCluster({
    kubeConfig: api.kubeConfig(identity, CONTROLLER_SA),
    namespace: 'ipshift',
    logger,
    clock,
    metrics: metrics.kube,
    instance: identity,
  });
  const elector = createLeaseElector({
    kubeConfig: api.kubeConfig(identity, CONTROLLER_SA),
    namespace: 'ipshift',
    identity,
    leaseDurationMs: 3000,
    renewDeadlineMs: 2000,
    retryPeriodMs: 200,
    checkLeaderEndpoint: createEndpointSliceCheck({ kubeConfig: api.kubeConfig(identity, CONTROLLER_SA), namespace: 'ipshift', serviceName: 'ipshift' }),
    clock,
    logger,
    metrics: metrics.kube,
  });
  const providers = createProviderPool(kube.secrets, {
    endpoints: { netcupApiUrl: config.netcupApiUrl, netcupIssuerUrl: config.netcupIssuerUrl },
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
    policy: loadAlertPolicy(),
    logger,
    sandbox: false,
    version: 'test',
    metrics,
    pollIntervalMs: 1000,
  });
  await kube.start();
  elector.start();
  const url = await app.start(0, '127.0.0.1');
  return {
    app,
    kube,
    elector,
    url,
    async stop() {
      await app.stop(2000);
      await elector.stop();
      await kube.stop();
    },
  };
}
