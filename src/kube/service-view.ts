import { CoreV1Api, DiscoveryV1Api, Watch } from '@kubernetes/client-node';
import { schedule, type ScheduledTask } from 'node-cron';
import type { ServiceView } from '../ports/services.js';
import { isOurs, type ServiceFacts } from '../services/load-balancer-service.js';
import { Listeners } from '../listeners.js';
import { makeKubeClient } from './kube-client.js';
import { DEFAULT_RESYNC_SCHEDULE, LIST_DEADLINE_MS, type KubeViewOptions } from './kube-cluster-view.js';
import { listPageOf, pageParams, Reflector, reportListProblems, sharedReflectorOptions, syncNamespaceReflectors, type ListProblem } from './reflector.js';
import { SERVICE_NAME_LABEL, toEndpointSliceFacts, toServiceFacts, type EndpointSliceFacts } from './service-convert.js';

/** The same knobs as the Nodes' and FailoverIPs' view (the resync schedule too). */
export type KubeServiceViewOptions = KubeViewOptions;

export interface KubeServiceView extends ServiceView {
  /** Starts the Service watch; never waits for it (Services must not hold up failover). */
  start(): void;
  /** A full re-list of Services and of every EndpointSlice watch. */
  resync(): Promise<void>;
  listProblems(): readonly ListProblem[];
  stop(): Promise<void>;
}

const sameNodes = (a: EndpointSliceFacts, b: EndpointSliceFacts): boolean =>
  a.service === b.service && a.readyNodes.length === b.readyNodes.length && a.readyNodes.every((n, i) => n === b.readyNodes[i]);

/**
 * Services in every namespace (a LoadBalancer Service of ipshift's class may be anywhere; which
 * FailoverIP it may use is the FailoverIP's rule), and EndpointSlices only in the namespaces
 * where such a Service has externalTrafficPolicy Local: only there do endpoints decide a node.
 */
export function createKubeServiceView(options: KubeServiceViewOptions): KubeServiceView {
  const { kubeConfig, metrics } = options;
  const deadline = options.listDeadlineMs ?? LIST_DEADLINE_MS;
  const core = makeKubeClient(kubeConfig, CoreV1Api, deadline);
  const discovery = makeKubeClient(kubeConfig, DiscoveryV1Api, deadline);
  const watch = new Watch(kubeConfig);
  const listeners = new Listeners<'service' | 'endpoints'>((error, change) => options.logger.error('service change listener failed', { change, err: error }));
  const notify = (change: 'service' | 'endpoints'): void => listeners.notify(change);
  const common = sharedReflectorOptions(options, watch, () => reportProblems());
  let running = false;
  let task: ScheduledTask | null = null;

  const services = new Reflector<ServiceFacts>({
    ...common,
    resource: 'services',
    path: '/api/v1/services',
    list: async (page) => listPageOf(await core.listServiceForAllNamespaces(pageParams(page))),
    convert: toServiceFacts,
    onEvent: () => {
      syncSliceWatches();
      notify('service');
    },
  });

  const slices = new Map<string, Reflector<EndpointSliceFacts>>();
  function sliceReflector(namespace: string): Reflector<EndpointSliceFacts> {
    return new Reflector<EndpointSliceFacts>({
      ...common,
      resource: 'endpointslices',
      path: `/apis/discovery.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/endpointslices`,
      labelSelector: SERVICE_NAME_LABEL,
      list: async (page) => listPageOf(await discovery.listNamespacedEndpointSlice({ namespace, labelSelector: SERVICE_NAME_LABEL, ...pageParams(page) })),
      convert: toEndpointSliceFacts,
      onEvent: (event, value, previous) => {
        if (event !== 'update' || previous === undefined || !sameNodes(previous, value)) notify('endpoints');
      },
    });
  }

  function syncSliceWatches(): void {
    if (!running) return;
    const wanted = new Set(services.values().flatMap((s) => (isOurs(s) && s.externalTrafficPolicy === 'Local' ? [s.namespace] : [])));
    syncNamespaceReflectors(slices, wanted, sliceReflector, () => notify('endpoints'), reportProblems);
  }

  const reflectors = (): Array<Reflector<unknown>> => [services, ...slices.values()] as Array<Reflector<unknown>>;
  const listProblems = (): ListProblem[] => reflectors().flatMap((r) => r.listProblem() ?? []);
  function reportProblems(): void {
    reportListProblems(metrics, ['services', 'endpointslices'], listProblems());
  }

  const resync = async (): Promise<void> => {
    await Promise.all(reflectors().map((r) => r.relist()));
  };

  return {
    services: () => services.values(),
    readyEndpointNodes(namespace, name) {
      const reflector = slices.get(namespace);
      if (reflector === undefined || !reflector.hasSynced()) return undefined;
      const nodes = new Set<string>();
      for (const slice of reflector.values()) if (slice.service === name) for (const node of slice.readyNodes) nodes.add(node);
      return nodes;
    },
    onChange(listener) {
      return listeners.add(listener);
    },
    start() {
      if (running) return;
      running = true;
      task = schedule(options.resyncSchedule ?? DEFAULT_RESYNC_SCHEDULE, resync, { name: 'ipshift-service-resync', noOverlap: true });
      services.start().then(
        () => syncSliceWatches(),
        () => undefined,
      );
    },
    resync,
    listProblems,
    async stop() {
      running = false;
      await task?.destroy();
      task = null;
      await Promise.all(reflectors().map((r) => r.stop()));
      slices.clear();
    },
  };
}
