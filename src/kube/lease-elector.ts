import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { KubeMetrics, KubeOperation } from '../metrics/kube-metrics.js';
import type { Clock } from '../ports/clock.js';
import type { Leadership } from '../ports/cluster.js';
import type { Logger } from '../ports/logger.js';
import { isConflict, isNotFound } from './kube-errors.js';
import { jitteredPeriodMs } from '../retry/backoff.js';

export const LEADER_ENDPOINT_ANNOTATION = 'ipshift.dev/leader-endpoint';
export const DEFAULT_LEASE_NAME = 'ipshift-controller';

export interface LeaseElectorOptions {
  readonly kubeConfig: KubeConfig;
  /** The Lease lives in the controller's own namespace. */
  readonly namespace: string;
  readonly leaseName?: string;
  /** Holder identity: the pod name. */
  readonly identity: string;
  /** This replica's webhook base URL (e.g. http://10.1.2.3:8080), published while it leads. */
  readonly endpoint?: string;
  /** client-go defaults: 15 s, 10 s, 2 s. */
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: KubeMetrics;
}

export interface LeaseElector extends Leadership {
  /** Starts campaigning in the background. */
  start(): void;
  /** Stops campaigning and, when leading, releases the Lease so a standby takes over at once. */
  stop(): Promise<void>;
}

interface Observed {
  readonly holder: string;
  readonly leaseDurationMs: number;
  readonly endpoint: string | null;
  readonly resourceVersion: string;
  /** Local time when this version of the record was first seen: expiry is judged on our clock, never the writer's. */
  readonly observedAt: number;
}

class AttemptTimeout extends Error {}

const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/**
 * Leader election on a coordination.k8s.io Lease with client-go's semantics: a candidate
 * takes the Lease once the holder has not renewed for leaseDuration (measured from when this
 * replica saw the last change), the leader renews every retryPeriod and steps down when it has
 * not renewed within renewDeadline. renewDeadline < leaseDuration is what keeps two leaders
 * apart: the old leader gives up before anyone may take over. Writes carry the resourceVersion,
 * so two candidates racing for an expired Lease cannot both win (one gets 409).
 */
export function createLeaseElector(options: LeaseElectorOptions): LeaseElector {
  const { clock, logger, metrics, namespace, identity } = options;
  const name = options.leaseName ?? DEFAULT_LEASE_NAME;
  const leaseDurationMs = options.leaseDurationMs ?? 15_000;
  const renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
  const retryPeriodMs = options.retryPeriodMs ?? 2_000;
  if (!(renewDeadlineMs < leaseDurationMs)) throw new Error('lease renew deadline must be shorter than the lease duration');
  if (!(retryPeriodMs < renewDeadlineMs)) throw new Error('lease retry period must be shorter than the renew deadline');
  const api = options.kubeConfig.makeApiClient(CoordinationV1Api);
  const listeners = new Set<(isLeader: boolean) => void>();
  const stopController = new AbortController();

  let leading = false;
  let lastRenewAt = 0;
  let observed: Observed | null = null;
  let loop: Promise<void> | null = null;
  let stopped = false;

  const setLeading = (value: boolean): void => {
    if (leading === value) return;
    leading = value;
    metrics.leader(value);
    metrics.leaderTransition();
    logger.info(value ? 'became leader' : 'stopped leading', { lease: `${namespace}/${name}`, identity });
    for (const listener of [...listeners]) {
      try {
        listener(value);
      } catch (error) {
        logger.error('leadership listener failed', { error: String(error) });
      }
    }
  };

  const holdsLease = (): boolean => leading && clock.now() - lastRenewAt < renewDeadlineMs;

  async function call<T>(operation: KubeOperation, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (!isNotFound(error)) metrics.apiError(operation);
      throw error;
    }
  }

  function observe(lease: V1Lease, now: number): Observed {
    const resourceVersion = lease.metadata?.resourceVersion ?? '';
    if (observed !== null && observed.resourceVersion === resourceVersion) return observed;
    const seconds = lease.spec?.leaseDurationSeconds;
    observed = {
      holder: lease.spec?.holderIdentity ?? '',
      leaseDurationMs: typeof seconds === 'number' && seconds > 0 ? seconds * 1000 : leaseDurationMs,
      endpoint: lease.metadata?.annotations?.[LEADER_ENDPOINT_ANNOTATION] ?? null,
      resourceVersion,
      observedAt: now,
    };
    return observed;
  }

  function leaseBody(previous: V1Lease | null, now: number, holder: string, durationSeconds: number, transitions: number, acquiredAt: Date): V1Lease {
    const annotations: Record<string, string> = { ...previous?.metadata?.annotations };
    delete annotations[LEADER_ENDPOINT_ANNOTATION];
    if (holder !== '' && options.endpoint !== undefined) annotations[LEADER_ENDPOINT_ANNOTATION] = options.endpoint;
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name,
        namespace,
        annotations,
        ...(previous?.metadata?.labels === undefined ? {} : { labels: previous.metadata.labels }),
        ...(previous?.metadata?.resourceVersion === undefined ? {} : { resourceVersion: previous.metadata.resourceVersion }),
      },
      spec: {
        holderIdentity: holder,
        leaseDurationSeconds: durationSeconds,
        acquireTime: new V1MicroTime(acquiredAt.getTime()),
        renewTime: new V1MicroTime(now),
        leaseTransitions: transitions,
      },
    };
  }

  const durationSeconds = Math.max(1, Math.ceil(leaseDurationMs / 1000));

  /** One attempt, as client-go's tryAcquireOrRenew: true when we hold the Lease afterwards. */
  async function tryAcquireOrRenew(): Promise<boolean> {
    const now = clock.now();
    let lease: V1Lease;
    try {
      lease = await call('get_lease', () => api.readNamespacedLease({ name, namespace }));
    } catch (error) {
      if (!isNotFound(error)) throw error;
      try {
        const created = await call('create_lease', () =>
          api.createNamespacedLease({ namespace, body: leaseBody(null, now, identity, durationSeconds, 0, new Date(now)) }),
        );
        observe(created, now);
        lastRenewAt = now;
        return true;
      } catch (createError) {
        if (isConflict(createError)) return false;
        throw createError;
      }
    }
    const record = observe(lease, now);
    const heldByOther = record.holder !== '' && record.holder !== identity;
    if (heldByOther && record.observedAt + record.leaseDurationMs > now) return false;
    const transitions = (lease.spec?.leaseTransitions ?? 0) + (record.holder === identity ? 0 : 1);
    const acquiredAt = record.holder === identity && lease.spec?.acquireTime !== undefined ? new Date(lease.spec.acquireTime) : new Date(now);
    try {
      const updated = await call('update_lease', () =>
        api.replaceNamespacedLease({ name, namespace, body: leaseBody(lease, now, identity, durationSeconds, transitions, acquiredAt) }),
      );
      observe(updated, now);
      lastRenewAt = now;
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw error;
    }
  }

  /** A hung request must not keep a leader past its deadline: give up on it (its late success only delays a takeover). */
  function attemptWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AttemptTimeout('lease request timed out')), Math.max(1, ms));
    });
    return Promise.race([tryAcquireOrRenew(), timeout]).finally(() => clearTimeout(timer));
  }

  function nextDelay(now: number): number {
    const jittered = jitteredPeriodMs(retryPeriodMs, 0.2);
    if (leading) return Math.max(0, Math.min(retryPeriodMs, lastRenewAt + renewDeadlineMs - now));
    if (observed !== null && observed.holder !== '' && observed.holder !== identity) {
      // Wake exactly when the holder's Lease expires, so a takeover needs no extra retry period.
      const expiresIn = observed.observedAt + observed.leaseDurationMs - now;
      if (expiresIn >= 0) return Math.min(jittered, expiresIn + 1);
    }
    return jittered;
  }

  async function run(): Promise<void> {
    while (!stopped) {
      const started = clock.now();
      const budget = leading ? lastRenewAt + renewDeadlineMs - started : renewDeadlineMs;
      let ok = false;
      try {
        ok = await attemptWithin(budget);
      } catch (error) {
        logger.debug('lease attempt failed', { lease: `${namespace}/${name}`, error: error instanceof Error ? error.message : String(error) });
      }
      if (stopped) break;
      if (ok) setLeading(true);
      else if (leading && clock.now() - lastRenewAt >= renewDeadlineMs) {
        logger.warn('could not renew the leader Lease in time; stepping down', { lease: `${namespace}/${name}`, renewDeadlineMs });
        setLeading(false);
      } else if (leading && observed !== null && observed.holder !== identity) {
        // Someone else holds it now (our renewal lost a race): we are no longer the leader.
        setLeading(false);
      }
      await clock.sleep(nextDelay(clock.now()), stopController.signal).catch(() => undefined);
    }
  }

  async function release(): Promise<void> {
    try {
      const lease = await api.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== identity) return;
      const now = clock.now();
      await api.replaceNamespacedLease({ name, namespace, body: leaseBody(lease, now, '', 1, lease.spec.leaseTransitions ?? 0, new Date(now)) });
      logger.info('released the leader Lease', { lease: `${namespace}/${name}` });
    } catch (error) {
      metrics.apiError('update_lease');
      logger.warn('could not release the leader Lease; the standby takes over when it expires', {
        lease: `${namespace}/${name}`,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  return {
    isLeader: holdsLease,
    leaderEndpoint() {
      if (holdsLease()) return options.endpoint ?? null;
      if (observed === null || observed.holder === '' || observed.holder === identity) return null;
      if (observed.observedAt + observed.leaseDurationMs <= clock.now()) return null;
      return observed.endpoint;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    start() {
      if (loop !== null) return;
      metrics.leader(false);
      loop = run();
    },
    async stop() {
      stopped = true;
      stopController.abort(new Error('elector stopped'));
      // An attempt in flight is bounded by the renew deadline; shutdown need not wait that long.
      await Promise.race([loop, delay(retryPeriodMs)]);
      const wasLeading = leading;
      if (wasLeading) {
        setLeading(false);
        await Promise.race([release(), delay(renewDeadlineMs)]);
      }
    },
  };
}
