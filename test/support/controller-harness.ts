import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config/load-config.js';
import { loadAlertPolicy } from '../../src/config/load-alert-policy.js';
import { Secret } from '../../src/config/secret.js';
import { SERVER_ID_ANNOTATION, type FailoverIPObject, type FailoverIPStatus, type NodeFacts, type PodSelector } from '../../src/core/model.js';
import { startNetcupEmulator, type NetcupEmulator } from '../../src/emulators/netcup/netcup-emulator.js';
import { createNetcupProvider } from '../../src/providers/netcup/netcup-provider.js';
import { staticCredentials } from '../../src/providers/credentials.js';
import { systemClock } from '../../src/ports/clock.js';
import { silentLogger, type Logger } from '../../src/ports/logger.js';
import type { FailoverIpProvider } from '../../src/ports/provider.js';
import type { Probe } from '../../src/reachability/tcp-probe.js';
import { MemoryCluster, StaticLeadership } from '../../src/sandbox/memory-cluster.js';
import { sandboxFailoverIP } from '../../src/sandbox/start-sandbox.js';
import { nodeFacts } from './node-facts.js';
import { postAlerts } from './webhook.js';

export const SERVER_OF: Record<string, number> = { 'node-1': 111001, 'node-2': 111002, 'node-3': 111003 };
export const ADDRESS = '198.51.100.10';

export function harnessNode(name: string, overrides: Partial<NodeFacts> = {}): NodeFacts {
  return { ...nodeFacts(name, { annotations: { [SERVER_ID_ANNOTATION]: String(SERVER_OF[name]) } }), ...overrides };
}

export interface HarnessOptions {
  readonly cooldownSeconds?: number;
  readonly gracePeriodSeconds?: number;
  readonly taskDurationMs?: number;
  readonly status?: FailoverIPStatus;
  readonly logger?: Logger;
}

export interface Replica {
  readonly app: App;
  readonly url: string;
  readonly leadership: StaticLeadership;
  stop(): Promise<void>;
}

/** A cluster, the netcup emulator and any number of controller replicas wired through createApp. */
export class ControllerHarness {
  readonly cluster = new MemoryCluster();
  readonly replicas: Replica[] = [];

  private constructor(
    readonly emulator: NetcupEmulator,
    readonly options: HarnessOptions,
  ) {}

  static async start(options: HarnessOptions = {}): Promise<ControllerHarness> {
    const emulator = await startNetcupEmulator({ taskDurationMs: options.taskDurationMs ?? 50, moveIntervalMs: (options.cooldownSeconds ?? 0) * 1000 });
    const harness = new ControllerHarness(emulator, options);
    for (const name of ['node-1', 'node-2', 'node-3']) harness.cluster.setNode(harnessNode(name));
    harness.cluster.setFailoverIP(
      sandboxFailoverIP({ cooldownSeconds: options.cooldownSeconds ?? 0, gracePeriodSeconds: options.gracePeriodSeconds ?? 60 }, options.status),
    );
    return harness;
  }

  async addReplica(
    leader = true,
    extra: { providerFetch?: typeof fetch; env?: Record<string, string>; probe?: Probe; port?: number; controllerPods?: PodSelector } = {},
  ): Promise<Replica> {
    const config = loadConfig({ IPSHIFT_SANDBOX: '1', IPSHIFT_ROUTING_REFRESH_SECONDS: '3600', ...extra.env });
    let provider: FailoverIpProvider | null = null;
    const leadership = new StaticLeadership(leader);
    const logger = this.options.logger ?? silentLogger;
    const app = createApp(config, {
      cluster: this.cluster,
      writer: this.cluster,
      leadership,
      providers: {
        forFailoverIP: async () =>
          (provider ??= createNetcupProvider({
            apiUrl: this.emulator.apiUrl,
            issuerUrl: this.emulator.issuerUrl,
            credentials: staticCredentials({ refreshToken: new Secret(this.emulator.refreshToken) }),
            logger,
            clock: systemClock,
            taskPollIntervalMs: 20,
            retry: { maxAttempts: 8, baseDelayMs: 20, maxDelayMs: 100, deadlineMs: 10_000 },
            ...(extra.providerFetch === undefined ? {} : { fetch: extra.providerFetch }),
          })),
      },
      policy: loadAlertPolicy(),
      logger,
      sandbox: true,
      version: 'test',
      pollIntervalMs: 200,
      ...(extra.probe === undefined ? {} : { probe: extra.probe }),
      ...(extra.controllerPods === undefined ? {} : { controllerPods: extra.controllerPods }),
    });
    const url = await app.start(extra.port ?? 0, '127.0.0.1');
    const replica = { app, url, leadership, stop: () => app.stop(3000) };
    this.replicas.push(replica);
    return replica;
  }

  fip(): FailoverIPObject {
    const fip = this.cluster.getFailoverIP('default', 'web');
    if (fip === undefined) throw new Error('FailoverIP gone');
    return fip;
  }

  /** Routing PATCHes the emulator accepted (202): real moves. */
  acceptedMoves(): number {
    return this.emulator.patches.filter((p) => p.status === 202).length;
  }

  holderAtProvider(): string | null {
    const server = this.emulator.routing(ADDRESS);
    return Object.entries(SERVER_OF).find(([, id]) => id === server)?.[0] ?? null;
  }

  async postAlert(
    url: string,
    node: string,
    status: 'firing' | 'resolved',
    alertname = 'KubeNodeNotReady',
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const alert = {
      status,
      labels: { alertname, node, severity: 'critical' },
      annotations: {},
      startsAt: '2026-11-23T10:00:00Z',
      endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : new Date().toISOString(),
      fingerprint: `${alertname}-${node}`,
    };
    return postAlerts(url, [alert], { status, headers });
  }

  async stop(): Promise<void> {
    for (const r of this.replicas) await r.stop();
    await this.emulator.close();
  }
}

export { sleep, waitFor } from './wait.js';
