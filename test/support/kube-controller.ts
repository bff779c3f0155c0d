import { startClusterController, type ClusterController, type ClusterControllerParts } from '../../src/cli/cluster-controller.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { silentLogger, type Logger } from '../../src/ports/logger.js';
import { startNetcupEmulator, type NetcupEmulator } from '../../src/emulators/netcup/netcup-emulator.js';
import { CONTROLLER_SA, failoverIpNamespaceBinding, makeFailoverIP, makeNode, startFakeKubeApi, type FakeKubeApi } from '../fake-kube-api/index.js';

export const KUBE_SERVER_OF: Record<string, number> = { 'node-1': 111001, 'node-2': 111002, 'node-3': 111003 };

/**
 * Seeds the fake API server with three nodes, a netcup FailoverIP and its Secret. The nodes name
 * their servers by the ipshift.dev/server-id annotation, or with `byAddress` carry none, so the
 * servers are found by the nodes' addresses (a netcup install without annotations).
 */
export function seedCluster(api: FakeKubeApi, emulator: NetcupEmulator, cooldownSeconds = 0, byAddress = false): void {
  // The FailoverIP lives in `default`: grant the controller its Secret and Events there, as docs/kubernetes.md says.
  api.addRbac(failoverIpNamespaceBinding('default'));
  for (const [i, name] of ['node-1', 'node-2', 'node-3'].entries()) {
    const annotations: Record<string, string> = byAddress ? {} : { 'ipshift.dev/server-id': String(KUBE_SERVER_OF[name]) };
    api.setNode(makeNode({ name, internalIP: `192.0.2.${11 + i}`, annotations }));
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

export type KubeController = ClusterController;

export interface KubeControllerOptions {
  readonly identity?: string;
  readonly logger?: Logger;
  /** Further settings (IPSHIFT_*), over the test defaults below. */
  readonly env?: Readonly<Record<string, string>>;
  /** Composition parts to replace (clock, providers, timings). */
  readonly parts?: Partial<Omit<ClusterControllerParts, 'config' | 'logger' | 'identity' | 'discovered'>>;
}

/**
 * The controller exactly as `ipshift controller` composes it (src/cli/cluster-controller.ts:
 * Kubernetes adapter, Lease election, provider pool reading the Secret), pointed at the fake API
 * server and the netcup emulator. Resolves once the view holds its first lists.
 */
export async function startKubeController(
  api: FakeKubeApi,
  emulator: NetcupEmulator,
  identityOrOptions: string | KubeControllerOptions = {},
  logger?: Logger,
): Promise<KubeController> {
  const options = typeof identityOrOptions === 'string' ? { identity: identityOrOptions, ...(logger === undefined ? {} : { logger }) } : identityOrOptions;
  const identity = options.identity ?? 'ipshift-0';
  const config = loadConfig({
    IPSHIFT_WEBHOOK_AUTH: 'none',
    IPSHIFT_NETCUP_API_URL: emulator.apiUrl,
    IPSHIFT_NETCUP_ISSUER_URL: emulator.issuerUrl,
    IPSHIFT_NAMESPACE: 'ipshift',
    // seedCluster's FailoverIP lives in `default`, named here as an install would name it.
    IPSHIFT_FAILOVERIP_NAMESPACES: 'default',
    // The seeded nodes' addresses are documentation ranges: no probe may leave for them.
    IPSHIFT_NODE_PROBE_PORT: '0',
    ...options.env,
  });
  const controller = await startClusterController({
    config,
    logger: options.logger ?? silentLogger,
    version: 'test',
    identity,
    discovered: { kubeConfig: api.kubeConfig(identity, CONTROLLER_SA), source: 'KUBECONFIG' },
    metrics: createMetrics({ version: 'test', defaultMetrics: false }),
    leaseTimingMs: { durationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 200 },
    pollIntervalMs: 1000,
    listen: { port: 0, host: '127.0.0.1' },
    ...options.parts,
  });
  await controller.connected;
  return controller;
}

export interface SeededCluster {
  readonly api: FakeKubeApi;
  readonly emulator: NetcupEmulator;
  /** Starts a replica (stopped after the test). */
  start(identity: string): Promise<KubeController>;
  /** Stops a replica during the test (it releases the Lease). */
  stop(controller: KubeController): Promise<void>;
}

/**
 * Per test: a fake API server and a netcup emulator, seeded by seedCluster, and every replica the
 * test starts stopped after it. For the tests that run two replicas against one cluster.
 */
export function useSeededCluster(): SeededCluster {
  let api: FakeKubeApi | undefined;
  let emulator: NetcupEmulator | undefined;
  const controllers: KubeController[] = [];
  beforeEach(async () => {
    api = await startFakeKubeApi();
    emulator = await startNetcupEmulator({ taskDurationMs: 30, moveIntervalMs: 0 });
    seedCluster(api, emulator);
  });
  afterEach(async () => {
    await Promise.all(controllers.splice(0).map((c) => c.stop()));
    await emulator?.close();
    await api?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useSeededCluster: used outside a test');
    return value;
  };
  return {
    get api() {
      return started(api);
    },
    get emulator() {
      return started(emulator);
    },
    async start(identity) {
      const controller = await startKubeController(started(api), started(emulator), identity);
      controllers.push(controller);
      return controller;
    },
    async stop(controller) {
      controllers.splice(controllers.indexOf(controller), 1);
      await controller.stop();
    },
  };
}
