import type { Router } from 'express';
import express from 'express';
import { createApp, type App } from '../app.js';
import { Secret } from '../config/secret.js';
import type { Config } from '../config/settings.js';
import { loadAlertPolicy } from '../config/load-alert-policy.js';
import { SERVER_ID_ANNOTATION, type FailoverIPObject, type FailoverIPPolicy, type FailoverIPStatus, type NodeFacts } from '../core/model.js';
import { startNetcupEmulator, type NetcupEmulator } from '../emulators/netcup/netcup-emulator.js';
import { createNetcupProvider } from '../providers/netcup/netcup-provider.js';
import { staticCredentials } from '../providers/credentials.js';
import { systemClock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { FailoverIpProvider } from '../ports/provider.js';
import { MemoryCluster, StaticLeadership } from './memory-cluster.js';
import { MemoryServices } from './memory-services.js';
import { LOAD_BALANCER_CLASS, type ServiceFacts } from '../services/load-balancer-service.js';
import { SandboxPower } from './sandbox-power.js';

export interface SandboxOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly version: string;
  /** Port and address to listen on (port 0: ephemeral). */
  readonly port: number;
  readonly host: string;
  /** Cooldown of the simulated FailoverIP, seconds. Default SANDBOX_COOLDOWN_SECONDS. */
  readonly cooldownSeconds?: number;
  /** How long the emulator's routing task runs. Default 150 ms. */
  readonly taskDurationMs?: number;
}

export interface Sandbox {
  readonly url: string;
  readonly app: App;
  readonly cluster: MemoryCluster;
  readonly services: MemoryServices;
  readonly emulator: NetcupEmulator;
  stop(): Promise<void>;
}

/** The simulated FailoverIP's cooldown (netcup's real one is 300 s): short enough to try twice. */
export const SANDBOX_COOLDOWN_SECONDS = 20;

const SERVERS: Record<string, number> = { 'node-1': 111001, 'node-2': 111002, 'node-3': 111003 };

function sandboxNode(name: string, index: number): NodeFacts {
  return {
    name,
    labels: { 'kubernetes.io/hostname': name, 'node-role.kubernetes.io/worker': '' },
    annotations: { [SERVER_ID_ANNOTATION]: String(SERVERS[name]) },
    addresses: [`192.0.2.${11 + index}`],
    conditions: { Ready: 'True', MemoryPressure: 'False', DiskPressure: 'False', PIDPressure: 'False' },
    taints: [],
    unschedulable: false,
    deleting: false,
  };
}

/** The sandbox's one FailoverIP, default/web on 198.51.100.10 (the emulator's default seed). */
export function sandboxFailoverIP(policy: FailoverIPPolicy, status: FailoverIPStatus = {}): FailoverIPObject {
  return {
    namespace: 'default',
    name: 'web',
    generation: 1,
    annotations: {},
    spec: {
      addresses: ['198.51.100.10'],
      provider: { type: 'netcup', secretRef: { name: 'netcup-credentials' } },
      policy,
      serviceAllocation: { namespaces: ['default'] },
    },
    status,
  };
}

/** The sandbox's LoadBalancer Service: it gets the FailoverIP's address; Local policy, so the IP goes where its endpoints are ready. */
export const SANDBOX_SERVICE: ServiceFacts = {
  namespace: 'default',
  name: 'shop',
  uid: 'sandbox-shop',
  type: 'LoadBalancer',
  loadBalancerClass: LOAD_BALANCER_CLASS,
  labels: {},
  annotations: {},
  externalTrafficPolicy: 'Local',
  ipFamilies: ['IPv4'],
  ingress: [],
  createdAt: 0,
  deleting: false,
};

/** Lets a newcomer break and heal the simulated nodes from the shell or the page. */
function sandboxControls(cluster: MemoryCluster, services: MemoryServices, power: SandboxPower, resolveAlertsOn: (node: string) => number): Router {
  const router = express.Router();
  // Where the Service's ready endpoints run (externalTrafficPolicy Local): the IP follows them.
  router.post('/sandbox/services/:name/endpoints', express.text({ type: '*/*' }), (req, res) => {
    const service = services.getService('default', req.params.name);
    if (service === undefined) {
      res.status(404).json({ error: `no Service default/${req.params.name}` });
      return;
    }
    const wanted = String(req.query['nodes'] ?? '')
      .split(',')
      .filter((n) => n !== '');
    const known = new Set(cluster.nodes().map((n) => n.name));
    const unknown = wanted.filter((n) => !known.has(n));
    if (unknown.length > 0) {
      res.status(400).json({ error: `no node ${unknown.join(', ')}` });
      return;
    }
    services.setReadyEndpointNodes('default', req.params.name, wanted);
    res.json({ service: `default/${req.params.name}`, readyEndpointNodes: wanted });
  });
  // Everything that marks a node down, undone at once: a heal that left the alert active would
  // leave the node down, however Ready it is.
  router.post('/sandbox/nodes/:name/heal', express.text({ type: '*/*' }), (req, res) => {
    try {
      power.set(req.params.name, true);
      res.json({ node: req.params.name, power: 'on', ready: 'True', resolvedAlerts: resolveAlertsOn(req.params.name) });
    } catch {
      res.status(404).json({ error: `no node ${req.params.name}` });
    }
  });
  router.post('/sandbox/nodes/:name/power', express.text({ type: '*/*' }), (req, res) => {
    const state = String(req.query['state'] ?? 'off');
    if (state !== 'on' && state !== 'off') {
      res.status(400).json({ error: 'state must be on or off' });
      return;
    }
    try {
      power.set(req.params.name, state === 'on');
      res.json({ node: req.params.name, power: state });
    } catch {
      res.status(404).json({ error: `no node ${req.params.name}` });
    }
  });
  router.post('/sandbox/nodes/:name/ready', express.text({ type: '*/*' }), (req, res) => {
    const status = String(req.query['status'] ?? 'True');
    if (!['True', 'False', 'Unknown'].includes(status)) {
      res.status(400).json({ error: 'status must be True, False or Unknown' });
      return;
    }
    try {
      cluster.updateNode(req.params.name, (n) => ({ ...n, conditions: { ...n.conditions, Ready: status as 'True' | 'False' | 'Unknown' } }));
      res.json({ node: req.params.name, ready: status });
    } catch {
      res.status(404).json({ error: `no node ${req.params.name}` });
    }
  });
  return router;
}

/**
 * The whole service in-process against a simulated 3-node cluster and the built-in netcup
 * emulator: the same HTTP surface as in a cluster, nothing real behind it.
 */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const taskDurationMs = options.taskDurationMs ?? 150;
  const emulator = await startNetcupEmulator({ taskDurationMs, moveIntervalMs: (options.cooldownSeconds ?? SANDBOX_COOLDOWN_SECONDS) * 1000 });
  const cluster = new MemoryCluster();
  ['node-1', 'node-2', 'node-3'].forEach((name, i) => cluster.setNode(sandboxNode(name, i)));
  cluster.setFailoverIP(sandboxFailoverIP({ cooldownSeconds: options.cooldownSeconds ?? SANDBOX_COOLDOWN_SECONDS, gracePeriodSeconds: 30, spread: true }));
  const services = new MemoryServices();
  services.setService(SANDBOX_SERVICE);
  services.setReadyEndpointNodes(SANDBOX_SERVICE.namespace, SANDBOX_SERVICE.name, ['node-1', 'node-2', 'node-3']);

  let provider: FailoverIpProvider | null = null;
  const providers = {
    forFailoverIP: async () =>
      (provider ??= createNetcupProvider({
        apiUrl: emulator.apiUrl,
        issuerUrl: emulator.issuerUrl,
        credentials: staticCredentials({ refreshToken: new Secret(emulator.refreshToken) }),
        logger: options.logger,
        clock: systemClock,
        taskPollIntervalMs: Math.max(20, Math.min(100, Math.floor(taskDurationMs / 2))),
      })),
  };

  const servers = Object.fromEntries(Object.entries(SERVERS).map(([node, id]) => [String(id), node]));
  const power = new SandboxPower(cluster, (address) => servers[String(emulator.routing(address))] ?? null);
  const resolveAlertsOn = (node: string): number => {
    const now = systemClock.now();
    const alerts = app.store.classified(now).filter((alert) => alert.node === node);
    // startsAt 0: the resolve ends whatever episode is active, so the banner's firing command
    // (always the same startsAt) breaks the node again right after instead of counting as a late duplicate.
    app.store.ingestWebhook(
      {
        version: '4',
        status: 'resolved',
        receiver: 'sandbox',
        truncatedAlerts: 0,
        groupLabels: {},
        commonLabels: {},
        commonAnnotations: {},
        alerts: alerts.map((alert) => ({
          status: 'resolved',
          labels: alert.labels,
          annotations: {},
          startsAt: 0,
          endsAt: now,
          fingerprint: alert.fingerprint,
        })),
      },
      now,
    );
    return alerts.length;
  };
  const app: App = createApp(options.config, {
    cluster,
    writer: cluster,
    leadership: new StaticLeadership(true),
    providers,
    policy: options.config.alertPolicyFile === undefined ? loadAlertPolicy() : loadAlertPolicy(options.config.alertPolicyFile),
    logger: options.logger,
    sandbox: true,
    version: options.version,
    extraRoutes: sandboxControls(cluster, services, power, resolveAlertsOn),
    probe: power.probe,
    services: { view: services, writer: services },
  });
  const url = await app.start(options.port, options.host);
  return {
    url,
    app,
    cluster,
    services,
    emulator,
    async stop() {
      power.stop();
      await app.stop(2000);
      await emulator.close();
    },
  };
}
