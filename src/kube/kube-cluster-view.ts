import { CoreV1Api, CustomObjectsApi, Watch, type KubeConfig } from '@kubernetes/client-node';
import { schedule, validate, type ScheduledTask } from 'node-cron';
import { matchesSelector } from '../core/label-selector.js';
import type { FailoverIPObject, NodeFacts, PodSelector } from '../core/model.js';
import type { KubeMetrics } from '../metrics/kube-metrics.js';
import type { Clock } from '../ports/clock.js';
import type { ClusterChange, ClusterView } from '../ports/cluster.js';
import type { Logger } from '../ports/logger.js';
import { parseFailoverIP, toNodeFacts, toPodFacts, type PodFacts } from './convert.js';
import { FAILOVERIP_GROUP, FAILOVERIP_PLURAL, FAILOVERIP_VERSION } from './crd.js';
import { Listeners } from '../listeners.js';
import { makeKubeClient } from './kube-client.js';
import { listPageOf, pageParams, Reflector, reportListProblems, sharedReflectorOptions, syncNamespaceReflectors, type ListProblem } from './reflector.js';
import { failoverIPChanged, failoverIPStatusChanged, labelKeysInUse, nodeChanged, podChanged } from './relevance.js';

export const DEFAULT_RESYNC_SCHEDULE = '* * * * *';
/** One full list of nodes, FailoverIPs or pods may take this long before it is aborted and retried. */
export const LIST_DEADLINE_MS = 30_000;

/** What every watched view of the cluster takes (this one, and the Service view in service-view.ts). */
export interface KubeViewOptions {
  readonly kubeConfig: KubeConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics: KubeMetrics;
  /** node-cron expression of the full re-list (default every minute). */
  readonly resyncSchedule?: string;
  /** Deadline of one list request (default LIST_DEADLINE_MS); tests shorten it. */
  readonly listDeadlineMs?: number;
  /** Backoff of watch restarts; tests shorten it. */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  /** A watch request not answered within this is abandoned and retried (default 30 s); tests shorten it. */
  readonly watchConnectMs?: number;
}

export interface KubeClusterViewOptions extends KubeViewOptions {
  /** Watch only this Node (the node agent); all Nodes when absent. */
  readonly nodeName?: string;
  /** FailoverIPs outside these namespaces are ignored (issue 15.1: read only where the install says); absent: all. */
  readonly failoverIPNamespaces?: readonly string[];
  /** Report status-only FailoverIP changes too (the agent follows the controller's decision; default false). */
  readonly failoverIPStatusChanges?: boolean;
  /** Watch FailoverIP objects (default true). */
  readonly watchFailoverIPs?: boolean;
  /**
   * Watch the pods that FailoverIPs' podSelectors name (default true). The node agent does not
   * decide on pods and its RBAC grants none: it sets false.
   */
  readonly watchPods?: boolean;
}

/** The cluster as the reconciler sees it, plus the lifecycle the composition root drives. */
export interface KubeClusterView extends ClusterView {
  /** Starts the watches and the resync schedule; resolves once nodes and FailoverIPs are listed. */
  start(): Promise<void>;
  /** True once the first lists succeeded (a readiness signal). */
  hasSynced(): boolean;
  /** A full re-list now (what the schedule runs); resolves when applied. */
  resync(): Promise<void>;
  /** The FailoverIP's uid, for Events; undefined when not (yet) in the cache. */
  uidOf(namespace: string, name: string): string | undefined;
  /** Watched collections that cannot be listed right now, and why (for the state and logs). */
  listProblems(): readonly ListProblem[];
  stop(): Promise<void>;
}

interface CachedFailoverIP {
  readonly fip: FailoverIPObject;
  readonly uid: string;
}

export function createKubeClusterView(options: KubeClusterViewOptions): KubeClusterView {
  const { kubeConfig, logger, metrics } = options;
  // Lists carry thousands of objects: a longer deadline than single reads, but never none.
  const core = makeKubeClient(kubeConfig, CoreV1Api, options.listDeadlineMs ?? LIST_DEADLINE_MS);
  const custom = makeKubeClient(kubeConfig, CustomObjectsApi, options.listDeadlineMs ?? LIST_DEADLINE_MS);
  const watch = new Watch(kubeConfig);
  const listeners = new Listeners<ClusterChange>((error, change) => logger.error('cluster change listener failed', { change, err: error }));
  const resyncSchedule = options.resyncSchedule ?? DEFAULT_RESYNC_SCHEDULE;
  const common = sharedReflectorOptions(options, watch, () => reportProblems());
  if (!validate(resyncSchedule)) throw new Error(`invalid node resync schedule (cron expression): ${resyncSchedule}`);
  const fieldSelector = options.nodeName === undefined ? undefined : `metadata.name=${options.nodeName}`;

  let fipCache: readonly CachedFailoverIP[] = [];
  let labelKeys = new Set<string>();
  const notify = (change: ClusterChange): void => listeners.notify(change);

  const nodes = new Reflector<NodeFacts>({
    ...common,
    resource: 'nodes',
    path: '/api/v1/nodes',
    list: async (page) => listPageOf(await core.listNode({ ...pageParams(page), ...(fieldSelector === undefined ? {} : { fieldSelector }) })),
    ...(fieldSelector === undefined ? {} : { fieldSelector }),
    convert: toNodeFacts,
    onEvent: (event, value, previous) => {
      if (event !== 'update' || previous === undefined || nodeChanged(previous, value, labelKeys)) notify('node');
    },
  });

  const fips = new Reflector<CachedFailoverIP>({
    ...common,
    resource: 'failoverips',
    path: `/apis/${FAILOVERIP_GROUP}/${FAILOVERIP_VERSION}/${FAILOVERIP_PLURAL}`,
    list: async (page) =>
      listPageOf(
        (await custom.listCustomObjectForAllNamespaces({
          group: FAILOVERIP_GROUP,
          version: FAILOVERIP_VERSION,
          resourcePlural: FAILOVERIP_PLURAL,
          ...pageParams(page),
        })) as never,
      ),
    convert: (raw) => {
      const parsed = parseFailoverIP(raw);
      if (!parsed.ok) {
        logger.warn('ignoring a FailoverIP that does not match the schema', { failoverIP: describe(raw), problem: parsed.problem });
        return null;
      }
      const { fip } = parsed;
      if (options.failoverIPNamespaces !== undefined && !options.failoverIPNamespaces.includes(fip.namespace)) return null;
      const uid = (raw as { metadata?: { uid?: string } }).metadata?.uid ?? '';
      return { fip, uid };
    },
    onEvent: (event, value, previous) => {
      fipCache = fips.values();
      labelKeys = labelKeysInUse(fipCache.map((c) => c.fip));
      syncPodWatches();
      const changed =
        failoverIPChanged(previous?.fip ?? value.fip, value.fip) ||
        (options.failoverIPStatusChanges === true && failoverIPStatusChanged(previous?.fip ?? value.fip, value.fip));
      if (event !== 'update' || previous === undefined || changed) notify('failover-ip');
    },
  });

  const reflectors = (): Array<Reflector<unknown>> => [nodes, fips, ...podReflectors.values()] as Array<Reflector<unknown>>;
  const listProblems = (): ListProblem[] => reflectors().flatMap((r) => r.listProblem() ?? []);
  function reportProblems(): void {
    reportListProblems(metrics, ['nodes', 'failoverips', 'pods'], listProblems());
  }

  /** Pods are watched per namespace, and only while a FailoverIP's podSelector (or a caller) needs that namespace. */
  const podReflectors = new Map<string, Reflector<PodFacts>>();
  const askedNamespaces = new Set<string>();
  let running = false;

  function podReflector(namespace: string): Reflector<PodFacts> {
    return new Reflector<PodFacts>({
      ...common,
      resource: 'pods',
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
      list: async (page) => listPageOf(await core.listNamespacedPod({ namespace, ...pageParams(page) })),
      convert: toPodFacts,
      onEvent: (event, value, previous) => {
        if (event !== 'update' || previous === undefined || podChanged(previous, value)) notify('pod');
      },
    });
  }

  function syncPodWatches(): void {
    if (!running || options.watchPods === false) return;
    const wanted = new Set(fipCache.flatMap((c) => (c.fip.spec.podSelector === undefined ? [] : [c.fip.spec.podSelector.namespace])));
    for (const ns of askedNamespaces) if (!wanted.has(ns)) askedNamespaces.delete(ns);
    for (const ns of askedNamespaces) wanted.add(ns);
    syncNamespaceReflectors(podReflectors, wanted, podReflector, () => notify('pod'), reportProblems);
  }

  let task: ScheduledTask | null = null;

  const resync = async (): Promise<void> => {
    await Promise.all([nodes.relist(), fips.relist(), ...[...podReflectors.values()].map((r) => r.relist())]);
    notify('resync');
  };

  return {
    nodes: () => nodes.values(),
    failoverIPs: () => fipCache.map((c) => c.fip),
    nodesWithReadyPods(selector: PodSelector): ReadonlySet<string> {
      const reflector = podReflectors.get(selector.namespace);
      if (reflector === undefined) {
        askedNamespaces.add(selector.namespace);
        syncPodWatches();
        return new Set();
      }
      const result = new Set<string>();
      for (const pod of reflector.values()) {
        if (pod.ready && pod.nodeName !== undefined && matchesSelector(pod.labels, selector)) result.add(pod.nodeName);
      }
      return result;
    },
    onChange(listener) {
      return listeners.add(listener);
    },
    async start() {
      if (running) return;
      running = true;
      task = schedule(
        resyncSchedule,
        async () => {
          await resync();
        },
        { name: 'ipshift-kube-resync', noOverlap: true },
      );
      const initial = [nodes.start()];
      if (options.watchFailoverIPs !== false) initial.push(fips.start());
      await Promise.all(initial);
      syncPodWatches();
    },
    hasSynced: () => nodes.hasSynced() && (options.watchFailoverIPs === false || fips.hasSynced()),
    resync,
    listProblems,
    uidOf: (namespace, name) => fipCache.find((c) => c.fip.namespace === namespace && c.fip.name === name)?.uid,
    async stop() {
      running = false;
      await task?.destroy();
      task = null;
      await Promise.all([nodes.stop(), fips.stop(), ...[...podReflectors.values()].map((r) => r.stop())]);
      podReflectors.clear();
    },
  };
}

function describe(raw: unknown): string {
  const metadata = (raw as { metadata?: { namespace?: string; name?: string } }).metadata;
  return `${metadata?.namespace ?? ''}/${metadata?.name ?? ''}`;
}
