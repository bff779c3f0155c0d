import { startClusterController, type ClusterController, type ClusterControllerParts } from '../../src/cli/cluster-controller.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { silentLogger, type Logger } from '../../src/ports/logger.js';
import { SERVER_OF } from './controller-harness.js';
import { waitFor } from './wait.js';
import { startNetcupEmulator, type NetcupEmulator, type NetcupEmulatorOptions } from '../../src/emulators/netcup/netcup-emulator.js';
import {
  CONTROLLER_SA,
  failoverIpNamespaceBinding,
  makeFailoverIP,
  makeNode,
  startFakeKubeApi,
  type FakeKubeApi,
  type FakeKubeApiOptions,
  type KubeObject,
  type NodeSpecInput,
} from '../fake-kube-api/index.js';

/** The seeded nodes' servers: the same three the in-memory harness uses. */
export const KUBE_SERVER_OF = SERVER_OF;

export interface SeededNodeOptions {
  /** Condition type → status; Ready unless given. */
  readonly conditions?: NodeSpecInput['conditions'] | undefined;
  readonly labels?: Record<string, string> | undefined;
  readonly externalIP?: string | undefined;
  /** Without the ipshift.dev/server-id annotation (the server is found by the node's address). */
  readonly byAddress?: boolean;
}

/** node-N as seedCluster writes it (InternalIP 192.0.2.1N, its server named by annotation), changed as told. */
export function seededNode(name: string, options: SeededNodeOptions = {}): KubeObject {
  return makeNode({
    name,
    internalIP: `192.0.2.${10 + Number(name.slice(-1))}`,
    annotations: options.byAddress === true ? {} : { 'ipshift.dev/server-id': String(KUBE_SERVER_OF[name]) },
    ...(options.conditions === undefined ? {} : { conditions: options.conditions }),
    ...(options.labels === undefined ? {} : { labels: options.labels }),
    ...(options.externalIP === undefined ? {} : { externalIP: options.externalIP }),
  });
}

/** node-N as seedCluster writes it, NotReady. */
export const notReadyNode = (name: string): KubeObject => seededNode(name, { conditions: { Ready: 'False' } });

/**
 * Seeds the fake API server with three nodes, a netcup FailoverIP and its Secret. The nodes name
 * their servers by the ipshift.dev/server-id annotation, or with `byAddress` carry none, so the
 * servers are found by the nodes' addresses (a netcup install without annotations).
 */
export function seedCluster(api: FakeKubeApi, emulator: NetcupEmulator, cooldownSeconds = 0, byAddress = false): void {
  // The FailoverIP lives in `default`: grant the controller its Secret and Events there, as docs/kubernetes.md says.
  api.addRbac(failoverIpNamespaceBinding('default'));
  for (const name of ['node-1', 'node-2', 'node-3']) api.setNode(seededNode(name, { byAddress }));
  api.setSecret({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { namespace: 'default', name: 'netcup' },
    type: 'Opaque',
    data: { refreshToken: Buffer.from(emulator.refreshToken).toString('base64') },
  });
  api.upsertFailoverIP(seededFailoverIP({ cooldownSeconds }));
}

/** The seeded FailoverIP default/web (netcup, 198.51.100.10), with spec fields added or replaced. */
export function seededFailoverIP(options: { cooldownSeconds?: number; spec?: Record<string, unknown> } = {}): KubeObject {
  const fip = makeFailoverIP({
    namespace: 'default',
    name: 'web',
    addresses: ['198.51.100.10'],
    providerType: 'netcup',
    secretName: 'netcup',
    policy: { cooldownSeconds: options.cooldownSeconds ?? 0 },
  });
  return options.spec === undefined ? fip : { ...fip, spec: { ...(fip['spec'] as object), ...options.spec } };
}

/** default/NAME's status as the fake API server holds it ({} before the first write). */
export const failoverIPStatus = (api: FakeKubeApi, name = 'web'): Record<string, unknown> =>
  (api.getFailoverIP('default', name)?.['status'] ?? {}) as Record<string, unknown>;

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

export interface ClusterOptions {
  /** default/web's spec.policy.cooldownSeconds (0). */
  readonly cooldownSeconds?: number;
  /** Nodes without the server-id annotation (see seedCluster). */
  readonly byAddress?: boolean;
  /** The fake API server's RBAC and unserved resources. */
  readonly api?: FakeKubeApiOptions;
  /** The netcup emulator's seed, over quick routing tasks and no per-IP move limit. */
  readonly emulator?: NetcupEmulatorOptions;
}

export interface KubeCluster {
  readonly api: FakeKubeApi;
  readonly emulator: NetcupEmulator;
  /** Starts the fake API server and the netcup emulator and seeds them (seedCluster). */
  seed(options?: ClusterOptions): Promise<void>;
  /** Starts a replica, `ipshift-0` unless named (stopped after the test). */
  start(identityOrOptions?: string | KubeControllerOptions): Promise<KubeController>;
  /** Stops a replica during the test (it releases the Lease). */
  stop(controller: KubeController): Promise<void>;
  /** Two replicas: ipshift-a started and leading, then ipshift-b started as its standby. */
  startLeaderAndStandby(): Promise<[KubeController, KubeController]>;
}

/**
 * Per test: a fake API server and a netcup emulator, started and seeded when the test calls
 * `seed`, and after the test every replica it started stopped (any injected API fault cleared
 * first, so that none holds up the shutdown), then the emulator and the API server.
 */
export function useKubeCluster(): KubeCluster {
  let api: FakeKubeApi | undefined;
  let emulator: NetcupEmulator | undefined;
  const controllers: KubeController[] = [];
  afterEach(async () => {
    api?.clearFailures();
    await Promise.all(controllers.splice(0).map((c) => c.stop()));
    await emulator?.close();
    await api?.stop();
    api = undefined;
    emulator = undefined;
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useKubeCluster: the cluster is not seeded');
    return value;
  };
  const start = async (identityOrOptions: string | KubeControllerOptions = {}): Promise<KubeController> => {
    const controller = await startKubeController(started(api), started(emulator), identityOrOptions);
    controllers.push(controller);
    return controller;
  };
  return {
    get api() {
      return started(api);
    },
    get emulator() {
      return started(emulator);
    },
    async seed(options = {}) {
      api = await startFakeKubeApi(options.api);
      emulator = await startNetcupEmulator({ taskDurationMs: 30, moveIntervalMs: 0, ...options.emulator });
      seedCluster(api, emulator, options.cooldownSeconds, options.byAddress);
    },
    start,
    async stop(controller) {
      controllers.splice(controllers.indexOf(controller), 1);
      await controller.stop();
    },
    async startLeaderAndStandby() {
      const a = await start('ipshift-a');
      await waitFor(() => a.elector.isLeader(), 5000, 'a leads');
      return [a, await start('ipshift-b')];
    },
  };
}

/** useKubeCluster, seeded before each test. */
export function useSeededCluster(options: ClusterOptions = {}): KubeCluster {
  const cluster = useKubeCluster();
  beforeEach(() => cluster.seed(options));
  return cluster;
}
