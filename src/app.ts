import type { Server } from 'node:http';
import { isIPv4, type AddressInfo } from 'node:net';
import type { Router } from 'express';
import { AlertStore } from './alerts/alert-store.js';
import { AlertmanagerSync } from './alerts/alertmanager-sync.js';
import { alertNode, buildNodeIndex, holderMap, type Holder, type NodeIndex } from './core/alert-mapping.js';
import { classifyAlert, type AlertPolicy } from './core/alert-policy.js';
import type { Config } from './config/settings.js';
import { createAlertmanagerWebhookHandler, webhookFirst } from './http/alertmanager-webhook.js';
import { createServer } from './http/create-server.js';
import { createHttpServer } from './http/http-server.js';
import { createAuthChecker, parseBasicAuthSetting, type WebhookAuth } from './http/webhook-auth.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import type { ClusterView, ClusterWriter, Leadership } from './ports/cluster.js';
import { systemClock, type Clock } from './ports/clock.js';
import type { Logger } from './ports/logger.js';
import { Reconciler, type ProviderPool, type ReconcileSnapshot } from './reconcile/reconciler.js';
import { RunLoop } from './reconcile/run-loop.js';
import { LeaderHandover } from './reconcile/leader-handover.js';
import type { PodSelector } from './core/model.js';
import { NodeProber } from './reachability/node-prober.js';
import { createMoveChecker } from './reachability/move-checks.js';
import type { Probe } from './reachability/tcp-probe.js';
import { DnsPublisher } from './dns/dns-publisher.js';
import type { DnsEndpointStore } from './ports/dns-endpoints.js';
import type { ServiceView, ServiceWriter } from './ports/services.js';
import { ServicePublisher } from './services/service-publisher.js';

/** The parts that differ between a real cluster, the sandbox and tests. */
export interface AppParts {
  readonly cluster: ClusterView;
  readonly writer: ClusterWriter;
  readonly leadership: Leadership;
  readonly providers: ProviderPool;
  readonly policy: AlertPolicy;
  readonly logger: Logger;
  readonly sandbox: boolean;
  readonly version: string;
  readonly clock?: Clock;
  readonly fetch?: typeof globalThis.fetch;
  readonly metrics?: Metrics;
  /** Extra HTTP routes (the sandbox's controls). */
  readonly extraRoutes?: Router;
  /** ipshift's own probe of the holders; without one (sandbox, most tests) no node is ever `unresponsive`. */
  readonly probe?: Probe;
  /**
   * The controller's own pods: with NODE_NAME set, a leader on a node that holds an IP hands
   * the Lease to a replica elsewhere (leader-handover.ts). Unset (sandbox, tests): never.
   */
  readonly controllerPods?: PodSelector;
  /** False until the cluster view holds its first full lists; readiness waits for it. Default: always true. */
  readonly synced?: () => boolean;
  /**
   * A reconcile running longer than this is wedged (default 120 s; every call in it has a shorter
   * deadline): /healthz fails and a leader resigns so a follower takes over.
   */
  readonly loopStallMs?: number;
  /** Periodic full reconcile, besides every signal (ms). Default 30 s. */
  readonly pollIntervalMs?: number;
  /** external-dns's DNSEndpoint objects, for FailoverIPs with spec.dns; unset (sandbox): no DNS. */
  readonly dnsEndpoints?: DnsEndpointStore;
  /** LoadBalancer Services of class ipshift.dev/failover-ip (src/services); without them no Service is served. */
  readonly services?: { readonly view: ServiceView; readonly writer: ServiceWriter };
}

export interface App {
  readonly metrics: Metrics;
  readonly store: AlertStore;
  readonly reconciler: Reconciler;
  readonly loop: RunLoop;
  readonly sync: AlertmanagerSync | null;
  readonly prober: NodeProber | null;
  readonly dns: DnsPublisher | null;
  readonly services: ServicePublisher | null;
  /** Listens on `host:port` (port 0 = ephemeral) and starts every loop. Resolves with the base URL. */
  start(port: number, host: string): Promise<string>;
  /** Stops intake, lets in-flight moves finish (bounded), stops loops. */
  stop(graceMs?: number): Promise<void>;
}

export function webhookAuthFrom(config: Config): WebhookAuth {
  if (config.webhookToken === undefined && config.webhookBasicAuth === undefined) return 'none';
  return {
    ...(config.webhookToken === undefined ? {} : { bearerToken: config.webhookToken }),
    ...(config.webhookBasicAuth === undefined ? {} : { basic: parseBasicAuthSetting(config.webhookBasicAuth) }),
  };
}

/** Each node holding a FailoverIP, with the IPv4 addresses it holds (what the node probe also connects to). */
function heldAddresses(snapshot: ReconcileSnapshot): Map<string, string[]> {
  const held = new Map<string, string[]>();
  for (const { object, memory } of snapshot.failoverIPs) {
    if (memory.assignedNode === null) continue;
    const list = held.get(memory.assignedNode) ?? [];
    for (const address of object.spec.addresses) if (isIPv4(address.replace(/\/32$/, ''))) list.push(address.replace(/\/32$/, ''));
    held.set(memory.assignedNode, list);
  }
  return held;
}

/** The composition root: wires the core, the adapters and the HTTP surface. Tests fill `parts` with fakes. */
export function createApp(config: Config, parts: AppParts): App {
  const clock = parts.clock ?? systemClock;
  const logger = parts.logger;
  const metrics = parts.metrics ?? createMetrics({ version: parts.version, ...(config.clusterLabel === undefined ? {} : { cluster: config.clusterLabel }) });

  let index: NodeIndex | null = null;
  parts.cluster.onChange(() => {
    index = null;
  });
  // Rebuilt only when a reconcile produced a new snapshot, not once per incoming alert.
  let holdersFor: { snapshot: ReconcileSnapshot; map: Map<string, Holder> } | null = null;
  const holders = (): Map<string, Holder> => {
    const snapshot = reconciler.snapshot();
    if (holdersFor?.snapshot === snapshot) return holdersFor.map;
    const map = holderMap(
      snapshot.failoverIPs.map(({ object, memory }) => ({
        key: `${object.namespace}/${object.name}`,
        addresses: object.spec.addresses,
        assignedNode: memory.assignedNode,
        holderSince: memory.holderSince,
        previousHolder: memory.previousHolder,
      })),
    );
    holdersFor = { snapshot, map };
    return map;
  };

  const services = parts.services === undefined ? null : new ServicePublisher({ ...parts.services, logger: logger.child({ component: 'services' }) });

  // Runs start only after start(), when every part below exists.
  const loop: RunLoop = new RunLoop({
    run: async (signalAt) => {
      services?.bind(parts.cluster.failoverIPs());
      await reconciler.runOnce(signalAt);
      services?.publish(reconciler.snapshot(), parts.leadership.isLeader());
      handover?.check();
      dns?.request();
    },
    now: () => clock.now(),
    logger,
    debounceMs: 2,
    background: () => reconciler.readsSettled(),
  });
  const store = new AlertStore({
    clock,
    logger: logger.child({ component: 'alerts' }),
    metrics: metrics.alerts,
    maxAgeMs: config.alertMaxAgeSeconds * 1000,
    ...(config.watchdogAlertname === undefined ? {} : { watchdog: { alertname: config.watchdogAlertname, timeoutMs: config.watchdogTimeoutSeconds * 1000 } }),
    // With the API sync on, no successful sync for the watchdog's timeout is as blind as a missing watchdog.
    ...(config.alertmanagerUrl === undefined ? {} : { syncStaleAfterMs: config.watchdogTimeoutSeconds * 1000 }),
    resolveAlert: (labels) => {
      index ??= buildNodeIndex(parts.cluster.nodes());
      return { node: alertNode(labels, index, parts.policy, holders()), cls: classifyAlert(labels, parts.policy) };
    },
    trigger: { request: (reason) => loop.request(reason) },
    debounceMs: 2,
  });

  const prober =
    parts.probe === undefined || config.nodeProbePort === 0
      ? null
      : new NodeProber({
          probe: parts.probe,
          port: config.nodeProbePort,
          intervalMs: config.nodeProbeIntervalMs,
          failures: config.nodeProbeFailures,
          ...(config.nodeName === undefined ? {} : { self: config.nodeName }),
          nodes: () => parts.cluster.nodes(),
          holders: () => heldAddresses(reconciler.snapshot()),
          onChange: (reason) => loop.request(reason),
          metrics: metrics.reachability,
          logger: logger.child({ component: 'node-probe' }),
        });

  // Checked moves use the node probe's identity check: on wherever the probe is.
  const moveChecker =
    prober === null || parts.probe === undefined
      ? null
      : createMoveChecker({
          probe: parts.probe,
          port: config.nodeProbePort,
          timeoutMs: Math.max(1000, config.nodeProbeIntervalMs),
          ...(config.nodeName === undefined ? {} : { self: config.nodeName }),
        });

  const reconciler: Reconciler = new Reconciler({
    cluster: parts.cluster,
    ...(moveChecker === null ? {} : { moveChecker, moveCheckMetrics: metrics.moveChecks }),
    ...(prober === null ? {} : { unresponsive: () => prober.unresponsive() }),
    ...(services === null ? {} : { readyEndpointNodes: (key: string) => services.readyEndpointNodes(key) }),
    writer: parts.writer,
    alerts: store,
    leadership: parts.leadership,
    providers: parts.providers,
    policy: () => parts.policy,
    metrics: metrics.controller,
    logger: logger.child({ component: 'reconciler' }),
    clock,
    routingRefreshMs: config.routingRefreshSeconds * 1000,
    runAt: (at) => loop.runAt(at),
    requestRun: (reason) => loop.request(reason),
  });

  const dns =
    parts.dnsEndpoints === undefined
      ? null
      : new DnsPublisher({
          store: parts.dnsEndpoints,
          snapshot: () => reconciler.snapshot(),
          leadership: parts.leadership,
          writer: parts.writer,
          logger: logger.child({ component: 'dns' }),
          clock,
        });

  const handover =
    parts.controllerPods === undefined || config.nodeName === undefined
      ? null
      : new LeaderHandover({
          self: config.nodeName,
          replicas: parts.controllerPods,
          cluster: parts.cluster,
          leadership: parts.leadership,
          snapshot: () => reconciler.snapshot(),
          moving: () => reconciler.moving(),
          logger: logger.child({ component: 'leader-placement' }),
        });

  const sync =
    config.alertmanagerUrl === undefined
      ? null
      : new AlertmanagerSync({
          url: config.alertmanagerUrl,
          auth: {
            ...(config.alertmanagerToken === undefined ? {} : { bearerToken: config.alertmanagerToken }),
            ...(config.alertmanagerBasicAuth === undefined
              ? {}
              : { basic: parseBasicAuthSetting(config.alertmanagerBasicAuth, 'IPSHIFT_ALERTMANAGER_BASIC_AUTH') }),
          },
          ...(config.alertmanagerReceiver === undefined ? {} : { receiver: config.alertmanagerReceiver }),
          schedule: config.alertmanagerSyncSchedule,
          clock,
          logger: logger.child({ component: 'alertmanager-sync' }),
          metrics: metrics.alerts,
          store,
          leadership: parts.leadership,
          ...(parts.fetch === undefined ? {} : { fetch: parts.fetch }),
        });

  const webhookAuth = config.webhookAuth === 'none' && !parts.sandbox ? 'none' : webhookAuthFrom(config);
  const webhook = createAlertmanagerWebhookHandler({
    auth: webhookAuth,
    store,
    clock,
    logger: logger.child({ component: 'webhook' }),
    metrics: metrics.alerts,
    bodyLimitBytes: config.webhookBodyLimitBytes,
    leadership: parts.leadership,
    ...(parts.fetch === undefined ? {} : { fetch: parts.fetch }),
    requestSync: (reason) => void sync?.syncNow(reason),
  });

  const http = createServer({
    registry: metrics.registry,
    ready: () => (parts.synced?.() ?? true) && reconciler.snapshot().at !== null,
    wedged: () => wedged(),
    state: {
      snapshot: () => reconciler.snapshot(),
      alerts: (now) => store.classified(now),
      freshness: (now) => store.freshness(now),
      unmapped: () => store.unmapped(),
      isLeader: () => parts.leadership.isLeader(),
      services: () => services?.state() ?? [],
      sandbox: parts.sandbox,
      now: () => clock.now(),
      alertRevision: () => store.revision(),
    },
    ...(config.stateAuth === 'webhook' && webhookAuth !== 'none' ? { stateAuth: createAuthChecker(webhookAuth) } : {}),
    logger: logger.child({ component: 'http' }),
    ...(parts.extraRoutes === undefined ? {} : { extra: parts.extraRoutes }),
  });

  const loopStallMs = parts.loopStallMs ?? 120_000;
  const wedged = (): string | null => {
    const running = loop.runningFor();
    return running > loopStallMs ? `the reconcile loop has been stuck in one run for ${Math.round(running / 1000)} s` : null;
  };
  let server: Server | null = null;
  let poll: NodeJS.Timeout | null = null;
  let watchdog: NodeJS.Timeout | null = null;
  const unsubscribe: Array<() => void> = [];

  return {
    metrics,
    store,
    reconciler,
    loop,
    sync,
    prober,
    dns,
    services,
    async start(port, host) {
      unsubscribe.push(parts.cluster.onChange((change) => loop.request(change)));
      if (parts.services !== undefined) unsubscribe.push(parts.services.view.onChange((change) => loop.request(change)));
      // The Lease elector keeps ipshift_leader itself; this also covers fixed leadership (sandbox).
      metrics.kube.leader(parts.leadership.isLeader());
      unsubscribe.push(
        parts.leadership.onChange((leader) => {
          metrics.kube.leader(leader);
          logger.info(leader ? 'became leader' : 'lost leadership');
          loop.request('leadership');
        }),
      );
      store.start();
      sync?.start();
      prober?.start();
      poll = setInterval(() => loop.request('poll'), parts.pollIntervalMs ?? 30_000);
      poll.unref();
      // A leader that cannot act must not keep the Lease: a follower can.
      watchdog = setInterval(
        () => {
          const why = wedged();
          if (why === null || !parts.leadership.isLeader()) return;
          logger.error('stepping down: this leader cannot act', { why });
          void parts.leadership.resign(why);
        },
        Math.max(50, Math.min(5000, loopStallMs / 4)),
      );
      watchdog.unref();
      loop.request('start');
      server = await new Promise<Server>((resolve, reject) => {
        const s = createHttpServer(webhookFirst(webhook, http));
        s.once('error', reject);
        s.listen(port, host, () => resolve(s));
      });
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return `http://${shownHost}:${address.port}`;
    },
    async stop(graceMs = 8000) {
      for (const off of unsubscribe.splice(0)) off();
      if (poll !== null) clearInterval(poll);
      if (watchdog !== null) clearInterval(watchdog);
      await prober?.stop();
      const closing = server === null ? Promise.resolve() : new Promise<void>((resolve) => server?.close(() => resolve()));
      server?.closeAllConnections();
      await loop.stop();
      await Promise.race([reconciler.drain(), new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
      if (dns !== null) await Promise.race([dns.stop(), new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
      store.stop();
      await sync?.stop();
      await closing;
    },
  };
}
