// Why not the client library's informer (makeInformer): in @kubernetes/client-node it has known
// bugs where a watch stops delivering events after a while without an error or a reconnect
// (kubernetes-client/javascript#596, #958, #364), and it reports no list failure to its caller.
// A failover controller that silently stops seeing Node changes is worse than none, so this
// small list+watch loop owns its timeouts, relists and metrics.
import type { Watch } from '@kubernetes/client-node';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { KubeMetrics, KubeOperation, RelistReason, WatchedResource } from '../metrics/kube-metrics.js';
import { objectRef } from './convert.js';
import { isGone, statusCodeOf } from './kube-errors.js';
import { backoffDelayMs } from '../retry/backoff.js';

export type ReflectorEvent = 'add' | 'update' | 'delete';

/** One page of a list: the items, the list's version, and the token for the next page (none on the last). */
export interface ListResult {
  readonly items: readonly unknown[];
  readonly resourceVersion: string;
  readonly continue?: string;
}

/** What to ask for: at most `limit` items, from `continue` on (the API server's pagination). */
export interface ListPage {
  readonly limit: number;
  readonly continue?: string;
}

/**
 * Objects per list request. Why pages: one answer with every Node of a 5,000-node cluster is
 * 40 MiB of JSON (kubelets report images, capacity and node info) parsed and converted at once,
 * more than the controller's whole working set. Why 100, where client-go asks for 500: a page is
 * parsed and converted by the client library into objects several times its size before the
 * reflector keeps a few fields of each; at 500 the memory bench's peak in the pod's limit was
 * 20-30 MiB higher, and 50 requests for 5,000 Nodes are nothing to an API server.
 */
export const LIST_PAGE_SIZE = 100;

/** The page of a list answer as the client library returns it (items and metadata of any kind). */
export function listPageOf(list: { items?: unknown; metadata?: { resourceVersion?: string; _continue?: string; continue?: string } }): ListResult {
  // Typed lists name it _continue; a custom resource's list is the raw JSON, with `continue`.
  const next = list.metadata?._continue ?? list.metadata?.continue;
  return {
    items: Array.isArray(list.items) ? (list.items as unknown[]) : [],
    resourceVersion: list.metadata?.resourceVersion ?? '',
    ...(next === undefined || next === '' ? {} : { continue: next }),
  };
}

/** The request fields of a page, as the client library names them. */
export const pageParams = (page: ListPage): { limit: number; _continue?: string } =>
  page.continue === undefined ? { limit: page.limit } : { limit: page.limit, _continue: page.continue };

export interface ReflectorOptions<T> {
  readonly resource: WatchedResource;
  /** Watch path, e.g. `/api/v1/nodes`. */
  readonly path: string;
  /** One page of the list (see LIST_PAGE_SIZE); the reflector follows the continue tokens. */
  readonly list: (page: ListPage) => Promise<ListResult>;
  readonly watch: Watch;
  readonly fieldSelector?: string;
  readonly labelSelector?: string;
  /** null drops an object the adapter cannot use. */
  readonly convert: (raw: unknown) => T | null;
  readonly onEvent: (event: ReflectorEvent, value: T, previous: T | undefined) => void;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics: KubeMetrics;
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  /** Server-side watch timeout (client-go: 5-10 min, random); the client gives up 30 s after it. */
  readonly watchTimeoutSeconds?: number;
  /** A watch request whose answer has not begun within this is abandoned as failed (default 30 s). */
  readonly watchConnectMs?: number;
  /** Told whenever listing starts or stops failing (null: the last list succeeded). */
  readonly onListProblem?: (problem: ListProblem | null) => void;
}

/** Why the last list of a resource failed, for logs, metrics and the state the service reports. */
export interface ListProblem {
  readonly resource: WatchedResource;
  readonly path: string;
  /** HTTP status, or undefined when no answer came. */
  readonly status: number | undefined;
  readonly message: string;
  readonly since: number;
}

interface Entry<T> {
  readonly resourceVersion: string;
  readonly value: T;
}

type WatchOutcome = 'closed' | 'gone' | 'aborted';

const WATCH_OPERATION: Record<WatchedResource, KubeOperation> = {
  nodes: 'watch_nodes',
  failoverips: 'watch_failoverips',
  pods: 'watch_pods',
  services: 'watch_services',
  endpointslices: 'watch_endpointslices',
};
const LIST_OPERATION: Record<WatchedResource, KubeOperation> = {
  nodes: 'list_nodes',
  failoverips: 'list_failoverips',
  pods: 'list_pods',
  services: 'list_services',
  endpointslices: 'list_endpointslices',
};
/** A watch that the server closes sooner than this counts as a failure, so a flapping server cannot make us spin. */
const SHORT_WATCH_MS = 1000;

/**
 * List, then watch from the list's resourceVersion, forever: a closed stream resumes from the
 * last version seen, 410 Gone re-lists, errors back off exponentially. `relist()` forces a full
 * list (the periodic resync that catches anything a watch missed). Keeps a cache by
 * `namespace/name` and reports add/update/delete against it.
 */
export class Reflector<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private valuesCache: readonly T[] | null = null;
  private resourceVersion = '';
  private needList: RelistReason | null = 'initial';
  private stopped = true;
  private synced = false;
  private watchAbort: (() => void) | null = null;
  private readonly stopController = new AbortController();
  private listWaiters: Array<() => void> = [];
  /** relist() callers: told after the next list attempt, whether it succeeded or not. */
  private attemptWaiters: Array<() => void> = [];
  private problem: ListProblem | null = null;
  private loop: Promise<void> | null = null;

  constructor(private readonly options: ReflectorOptions<T>) {}

  /** Starts the loop; resolves after the first successful list. */
  start(): Promise<void> {
    if (this.loop === null) {
      this.stopped = false;
      this.loop = this.run();
    }
    return this.synced ? Promise.resolve() : new Promise((resolve) => this.listWaiters.push(resolve));
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** The same array until something changes, so callers can memoise on it (the core's node index does). */
  values(): readonly T[] {
    this.valuesCache ??= [...this.entries.values()].map((e) => e.value);
    return this.valuesCache;
  }

  /**
   * Drops the watch and lists again; resolves once that list attempt ended, applied or failed:
   * a resource that cannot be listed (403, no answer) must not hold up the periodic re-list.
   */
  relist(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.needList ??= 'resync';
    const done = new Promise<void>((resolve) => this.attemptWaiters.push(resolve));
    this.watchAbort?.();
    this.wake?.abort();
    return done;
  }

  /** Why listing this resource fails right now; null while it works. */
  listProblem(): ListProblem | null {
    return this.problem;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopController.abort(new Error('reflector stopped'));
    this.watchAbort?.();
    // A list request cannot be aborted; do not let a black-holed API server hold up shutdown.
    // The loop sees `stopped` when that request ends and applies nothing.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.loop, new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000)))]);
    clearTimeout(timer);
    this.loop = null;
    for (const resolve of this.listWaiters.splice(0)) resolve();
    for (const resolve of this.attemptWaiters.splice(0)) resolve();
  }

  private async run(): Promise<void> {
    const { resource, metrics, logger } = this.options;
    let failures = 0;
    while (!this.stopped) {
      // Which request failed: a watch that fails right after its list is no list failure.
      let phase: 'list' | 'watch' = 'watch';
      try {
        if (this.needList !== null) {
          phase = 'list';
          await this.listNow(this.needList);
          phase = 'watch';
        }
        const started = this.options.clock.now();
        const outcome = await this.watchOnce();
        if (this.stopped) break;
        if (outcome === 'gone') {
          metrics.watchRestart(resource, 'gone');
          this.needList ??= 'gone';
          failures = 0;
          continue;
        }
        if (outcome === 'aborted') continue;
        metrics.watchRestart(resource, 'closed');
        if (this.options.clock.now() - started >= SHORT_WATCH_MS) {
          failures = 0;
          continue;
        }
        failures += 1;
      } catch (error) {
        if (this.stopped) break;
        failures += 1;
        metrics.apiError(phase === 'list' ? LIST_OPERATION[resource] : WATCH_OPERATION[resource]);
        if (phase === 'watch') metrics.watchRestart(resource, 'error');
        if (phase === 'list') {
          this.needList = 'recovery';
          this.listFailed(error);
        }
        logger.warn('kubernetes watch failed; retrying', { resource, path: this.options.path, phase, status: statusCodeOf(error), attempt: failures });
      }
      await this.backoff(failures);
    }
  }

  private async backoff(failures: number): Promise<void> {
    if (failures === 0 || this.stopped) return;
    const { initialMs, maxMs } = this.options.backoff ?? { initialMs: 500, maxMs: 30_000 };
    const delay = backoffDelayMs({ baseDelayMs: initialMs, maxDelayMs: maxMs }, failures);
    this.wake = new AbortController();
    await this.options.clock.sleep(delay, AbortSignal.any([this.stopController.signal, this.wake.signal])).catch(() => undefined);
    this.wake = null;
  }

  /** Cuts a backoff short (a re-list was asked for). */
  private wake: AbortController | null = null;

  private listFailed(error: unknown): void {
    for (const resolve of this.attemptWaiters.splice(0)) resolve();
    const status = statusCodeOf(error);
    if (this.problem !== null && this.problem.status === status) return;
    const { resource, path, logger } = this.options;
    const message =
      status === 403
        ? `forbidden: the ServiceAccount's RBAC does not grant list on ${path}`
        : status === undefined
          ? `no answer from the API server (${error instanceof Error ? error.name : 'error'})`
          : `HTTP ${status}`;
    this.problem = { resource, path, status, message, since: this.options.clock.now() };
    // Once per cause, loudly: the periodic warn lines above say only that it is still retried.
    logger.error('cannot list a watched resource; what depends on it is judged without it', { resource, path, status, why: message });
    this.options.onListProblem?.(this.problem);
  }

  private async listNow(reason: RelistReason): Promise<void> {
    const { resource, metrics, convert, onEvent } = this.options;
    metrics.relist(resource, reason);
    const seen = new Set<string>();
    let result: ListResult | null = null;
    let restarts = 0;
    do {
      try {
        result = await this.options.list(result?.continue === undefined ? { limit: LIST_PAGE_SIZE } : { limit: LIST_PAGE_SIZE, continue: result.continue });
      } catch (error) {
        // The continue token outlived the API server's snapshot (410 Expired): the pages so far
        // are still true, so list again from the start; what is gone is found at the end.
        if (!isGone(error) || result === null || restarts++ > 2) throw error;
        result = null;
        continue;
      }
      if (this.stopped) return;
      for (const raw of result.items) {
        const ref = objectRef(raw);
        if (ref === null) continue;
        const key = `${ref.namespace}/${ref.name}`;
        seen.add(key);
        this.apply(key, ref.resourceVersion, convert(raw), onEvent);
      }
    } while (result === null || result.continue !== undefined);
    for (const [key, entry] of [...this.entries]) {
      if (seen.has(key)) continue;
      this.entries.delete(key);
      this.valuesCache = null;
      onEvent('delete', entry.value, entry.value);
    }
    this.resourceVersion = result.resourceVersion;
    this.needList = null;
    this.synced = true;
    metrics.cachedObjects(resource, this.entries.size);
    for (const resolve of this.listWaiters.splice(0)) resolve();
    for (const resolve of this.attemptWaiters.splice(0)) resolve();
    if (this.problem !== null) {
      this.options.logger.info('listing works again', { resource, path: this.options.path });
      this.problem = null;
      this.options.onListProblem?.(null);
    }
  }

  private apply(key: string, resourceVersion: string, value: T | null, onEvent: ReflectorOptions<T>['onEvent']): void {
    const previous = this.entries.get(key);
    if (value === null) {
      if (previous !== undefined) {
        this.entries.delete(key);
        this.valuesCache = null;
        onEvent('delete', previous.value, previous.value);
      }
      return;
    }
    if (previous !== undefined && previous.resourceVersion === resourceVersion && resourceVersion !== '') return;
    this.entries.set(key, { resourceVersion, value });
    this.valuesCache = null;
    onEvent(previous === undefined ? 'add' : 'update', value, previous?.value);
  }

  private watchOnce(): Promise<WatchOutcome> {
    const { path, watch, fieldSelector, labelSelector, convert, onEvent, resource, metrics } = this.options;
    return new Promise<WatchOutcome>((resolve, reject) => {
      let settled = false;
      let aborted = false;
      let gone = false;
      let streamError: unknown = null;
      let controller: AbortController | null = null;
      const timers: NodeJS.Timeout[] = [];
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        this.watchAbort = null;
        for (const t of timers) clearTimeout(t);
        fn();
      };
      this.watchAbort = () => {
        aborted = true;
        controller?.abort();
        settle(() => resolve('aborted'));
      };
      const handleEvent = (phase: string, obj: unknown): void => {
        if (settled) return;
        if (phase === 'ERROR') {
          if (isGone(obj)) gone = true;
          else streamError = obj;
          return;
        }
        const ref = objectRef(obj);
        if (ref === null) return;
        if (ref.resourceVersion !== '') this.resourceVersion = ref.resourceVersion;
        if (phase === 'BOOKMARK') return;
        const key = `${ref.namespace}/${ref.name}`;
        // A deletion is applied as "no usable value": the entry goes, with a delete event.
        if (phase === 'DELETED') this.apply(key, ref.resourceVersion, null, onEvent);
        else if (phase === 'ADDED' || phase === 'MODIFIED') this.apply(key, ref.resourceVersion, convert(obj), onEvent);
        metrics.cachedObjects(resource, this.entries.size);
      };
      const done = (error: unknown): void => {
        if (aborted) return;
        if (gone || isGone(error)) settle(() => resolve('gone'));
        // client-node 2.x ends a stream that stayed silent for 30 s with a TimeoutError; a quiet
        // resource is no failure: resume from the last version, as after a server-side close.
        else if (controller !== null && isTimeout(error)) settle(() => resolve('closed'));
        else if (error !== null && error !== undefined) settle(() => reject(error));
        else if (streamError !== null) settle(() => reject(streamError));
        else settle(() => resolve('closed'));
      };
      // The library's watch bounds the wait for its answer and a silent stream (30 s each, fixed), but
      // not a stream that keeps trickling and never ends; this reflector sets its own bounds on both.
      const timeoutSeconds = this.options.watchTimeoutSeconds ?? Math.round(300 * (1 + Math.random()));
      timers.push(
        setTimeout(() => {
          if (controller === null) settle(() => reject(new Error(`watch of ${path}: no answer from the API server`)));
        }, this.options.watchConnectMs ?? 30_000),
        setTimeout(
          () => {
            controller?.abort();
            settle(() => resolve('closed'));
          },
          timeoutSeconds * 1000 + 30_000,
        ),
      );
      for (const t of timers) t.unref();
      const params: Record<string, string | boolean | number> = { resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds };
      if (fieldSelector !== undefined) params['fieldSelector'] = fieldSelector;
      if (labelSelector !== undefined) params['labelSelector'] = labelSelector;
      watch.watch(path, params, handleEvent, done).then(
        (c) => {
          controller = c;
          if (aborted || settled) c.abort();
        },
        (error: unknown) => settle(() => reject(error)),
      );
    });
  }
}

/** By name: the DOMException comes from undici's realm, which `instanceof` does not always share. */
const isTimeout = (error: unknown): boolean => typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'TimeoutError';

/**
 * Keeps one reflector per namespace in `current` for exactly the namespaces in `wanted`: starts
 * the missing ones (`onStarted` once each has listed) and stops the unwanted ones (`onStopped`
 * after each has stopped). Pods and EndpointSlices are watched only where a FailoverIP or a
 * Service asks for them, never cluster-wide.
 */
export function syncNamespaceReflectors<T>(
  current: Map<string, Reflector<T>>,
  wanted: ReadonlySet<string>,
  create: (namespace: string) => Reflector<T>,
  onStarted: () => void,
  onStopped: () => void,
): void {
  for (const namespace of wanted) {
    if (current.has(namespace)) continue;
    const reflector = create(namespace);
    current.set(namespace, reflector);
    reflector.start().then(onStarted, () => undefined);
  }
  for (const [namespace, reflector] of current) {
    if (wanted.has(namespace)) continue;
    current.delete(namespace);
    void reflector.stop().then(onStopped);
  }
}

type SharedReflectorOptions = Pick<ReflectorOptions<unknown>, 'watch' | 'logger' | 'clock' | 'metrics' | 'backoff' | 'watchConnectMs' | 'onListProblem'>;

/** What every reflector of one view shares: its watch, logger, clock, metrics, the tests' timing knobs, and where list problems go. */
export function sharedReflectorOptions(
  view: Pick<ReflectorOptions<unknown>, 'logger' | 'clock' | 'metrics' | 'backoff' | 'watchConnectMs'>,
  watch: Watch,
  onListProblem: () => void,
): SharedReflectorOptions {
  return {
    watch,
    logger: view.logger,
    clock: view.clock,
    metrics: view.metrics,
    ...(view.backoff === undefined ? {} : { backoff: view.backoff }),
    ...(view.watchConnectMs === undefined ? {} : { watchConnectMs: view.watchConnectMs }),
    onListProblem: () => onListProblem(),
  };
}

/** Sets the count of failing lists per watched resource of a view (0 where none fails). */
export function reportListProblems(metrics: Pick<KubeMetrics, 'listFailing'>, resources: readonly WatchedResource[], problems: readonly ListProblem[]): void {
  for (const resource of resources) metrics.listFailing(resource, problems.filter((p) => p.resource === resource).length);
}
