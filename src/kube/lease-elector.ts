// Why hand-written: the JavaScript client has no leader election (client-go's leaderelection
// package exists only in Go). This follows its coordination.k8s.io/v1 Lease protocol (acquire,
// renew before the deadline, step down when renewal fails) so Go controllers and ipshift read
// the same Lease the same way.
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { KubeMetrics, KubeOperation } from '../metrics/kube-metrics.js';
import type { Clock } from '../ports/clock.js';
import type { Leadership } from '../ports/cluster.js';
import type { Logger } from '../ports/logger.js';
import { errorMessage } from '../errors.js';
import { Listeners } from '../listeners.js';
import { makeKubeClient } from './kube-client.js';
import { isConflict, isNotFound } from './kube-errors.js';
import type { EndpointVerdict, LeaderEndpointCheck } from './leader-endpoint-check.js';
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
  /** Wall time, for the timestamps written into the Lease (read by people and other tools, never by us). */
  readonly clock: Clock;
  /**
   * Monotonic milliseconds for every interval the election judges (expiry, renew deadline,
   * hold-off): a wall-clock step must neither end a Lease early nor keep a dead one alive.
   */
  readonly monotonic?: () => number;
  /** Decides whether a follower may forward to the endpoint the Lease names (see leader-endpoint-check.ts). */
  readonly checkLeaderEndpoint: LeaderEndpointCheck;
  readonly logger: Logger;
  readonly metrics: KubeMetrics;
}

export interface LeaseElector extends Leadership {
  /** Starts campaigning in the background. */
  start(): void;
  /** Stops campaigning and, when leading, releases the Lease so a standby takes over at once. */
  stop(): Promise<void>;
}

/** The longest a resigned replica stays out of the election, whatever it asks for. */
export const MAX_HOLD_OFF_MS = 5 * 60_000;
/** A verdict on a leader endpoint is re-checked this often (a holder's pod keeps its address for life). */
const VERDICT_TTL_MS = 60_000;

interface Observed {
  readonly holder: string;
  readonly leaseDurationMs: number;
  readonly endpoint: string | null;
  readonly resourceVersion: string;
  /** Local time when this version of the record was first seen: expiry is judged on our clock, never the writer's. */
  readonly observedAt: number;
}

class AttemptTimeout extends Error {}

interface Verdict {
  readonly holder: string;
  readonly endpoint: string;
  readonly verdict: EndpointVerdict;
  readonly checkedAt: number;
}

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
 *
 * Written by hand because @kubernetes/client-node has no leader election. What the Lease says
 * is not trusted beyond what the election needs: its duration is clamped to this replica's own
 * settings, its timestamps are never read (expiry is measured on this replica's monotonic clock
 * from when it saw the record change, as client-go does), and the leader endpoint it publishes
 * is used only after `checkLeaderEndpoint` vouches for it.
 */
export function createLeaseElector(options: LeaseElectorOptions): LeaseElector {
  const { clock, logger, metrics, namespace, identity } = options;
  const name = options.leaseName ?? DEFAULT_LEASE_NAME;
  const leaseDurationMs = options.leaseDurationMs ?? 15_000;
  const renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
  const retryPeriodMs = options.retryPeriodMs ?? 2_000;
  if (!(renewDeadlineMs < leaseDurationMs)) throw new Error('lease renew deadline must be shorter than the lease duration');
  if (!(retryPeriodMs < renewDeadlineMs)) throw new Error('lease retry period must be shorter than the renew deadline');
  const mono = options.monotonic ?? (() => performance.now());
  // Each request is aborted at the renew deadline: a hung socket must not outlive the attempt.
  const api = makeKubeClient(options.kubeConfig, CoordinationV1Api, renewDeadlineMs);
  const listeners = new Listeners<boolean>((error) => logger.error('leadership listener failed', { err: error }));
  const stopController = new AbortController();
  const lease = `${namespace}/${name}`;

  let leading = false;
  let lastRenewAt = 0;
  let observed: Observed | null = null;
  let loop: Promise<void> | null = null;
  let stopped = false;
  let holdOffUntil = Number.NEGATIVE_INFINITY;
  let verdict: Verdict | null = null;
  let checking: Promise<void> | null = null;
  let wake: AbortController = new AbortController();

  const holdingOff = (): boolean => mono() < holdOffUntil;
  // Never wait longer than we would hold the Lease ourselves, nor shorter than a leader's renew deadline.
  const boundedDurationMs = (seconds: unknown): number =>
    typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0
      ? Math.min(leaseDurationMs, Math.max(renewDeadlineMs + retryPeriodMs, seconds * 1000))
      : leaseDurationMs;

  const setLeading = (value: boolean): void => {
    if (leading === value) return;
    leading = value;
    metrics.leader(value);
    metrics.leaderTransition();
    logger.info(value ? 'became leader' : 'stopped leading', { lease, identity });
    listeners.notify(value);
  };

  const holdsLease = (): boolean => leading && mono() - lastRenewAt < renewDeadlineMs;

  async function call<T>(operation: KubeOperation, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (!isNotFound(error)) metrics.apiError(operation);
      throw error;
    }
  }

  function observe(record: V1Lease, now: number): Observed {
    const resourceVersion = record.metadata?.resourceVersion ?? '';
    if (observed !== null && observed.resourceVersion === resourceVersion) return observed;
    observed = {
      holder: record.spec?.holderIdentity ?? '',
      leaseDurationMs: boundedDurationMs(record.spec?.leaseDurationSeconds),
      endpoint: record.metadata?.annotations?.[LEADER_ENDPOINT_ANNOTATION] ?? null,
      resourceVersion,
      observedAt: now,
    };
    checkEndpoint(observed);
    return observed;
  }

  /** Checks the endpoint of a foreign holder in the background; one check at a time, results cached. */
  function checkEndpoint(record: Observed): void {
    const { holder, endpoint } = record;
    if (holder === '' || holder === identity || endpoint === null || checking !== null) return;
    if (verdict !== null && verdict.holder === holder && verdict.endpoint === endpoint && mono() - verdict.checkedAt < VERDICT_TTL_MS) return;
    checking = options
      .checkLeaderEndpoint(holder, endpoint)
      .catch((error: unknown): EndpointVerdict => ({ trusted: false, why: errorMessage(error) }))
      .then((result) => {
        const known = verdict !== null && verdict.holder === holder && verdict.endpoint === endpoint && verdict.verdict.trusted === result.trusted;
        verdict = { holder, endpoint, verdict: result, checkedAt: mono() };
        if (!result.trusted && !known) {
          logger.warn('not forwarding to the leader endpoint the Lease names: it is not vouched for', { lease, holder, endpoint, why: result.why });
        }
      })
      .finally(() => {
        checking = null;
        // The record may have changed while we checked: check the current one too.
        if (observed !== null && (observed.holder !== holder || observed.endpoint !== endpoint)) checkEndpoint(observed);
      });
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

  /** Creates or replaces the Lease with us as holder: true when written, false when another replica wrote first (409). */
  async function writeHeld(operation: 'create_lease' | 'update_lease', write: () => Promise<V1Lease>, now: number): Promise<boolean> {
    try {
      observe(await call(operation, write), now);
      lastRenewAt = now;
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw error;
    }
  }

  /** One attempt, as client-go's tryAcquireOrRenew: true when we hold the Lease afterwards. A resigned replica only reads. */
  async function tryAcquireOrRenew(): Promise<boolean> {
    const now = mono();
    const wall = clock.now();
    let current: V1Lease;
    try {
      current = await call('get_lease', () => api.readNamespacedLease({ name, namespace }));
    } catch (error) {
      if (!isNotFound(error) || holdingOff()) throw error;
      const body = leaseBody(null, wall, identity, durationSeconds, 0, new Date(wall));
      return writeHeld('create_lease', () => api.createNamespacedLease({ namespace, body }), now);
    }
    const record = observe(current, now);
    if (holdingOff()) return false;
    const heldByOther = record.holder !== '' && record.holder !== identity;
    if (heldByOther && record.observedAt + record.leaseDurationMs > now) return false;
    const transitions = (current.spec?.leaseTransitions ?? 0) + (record.holder === identity ? 0 : 1);
    const acquiredAt = record.holder === identity && current.spec?.acquireTime !== undefined ? new Date(current.spec.acquireTime) : new Date(wall);
    const body = leaseBody(current, wall, identity, durationSeconds, transitions, acquiredAt);
    return writeHeld('update_lease', () => api.replaceNamespacedLease({ name, namespace, body }), now);
  }

  /** A hung request must not keep a leader past its deadline: give up on it (its late success only delays a takeover). */
  function attemptWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AttemptTimeout('lease request timed out')), Math.max(1, ms));
    });
    return Promise.race([tryAcquireOrRenew(), timeout]).finally(() => clearTimeout(timer));
  }

  /** `started`: when the attempt that just ended began. */
  function nextDelay(now: number, started: number): number {
    const jittered = jitteredPeriodMs(retryPeriodMs, 0.2);
    // A leader renews every retryPeriod from the start of one attempt to the next (client-go's
    // ticker), not a retryPeriod after an attempt ends: under load an attempt takes most of a
    // second, and "attempt + period" left more than the renew deadline between the starts of
    // two successful renewals, so a leader that never lost its Lease stopped calling itself one
    // (the memory bench at 5,000 nodes: renewals 1.3-2.4 s apart, each taking 0.4-1 s).
    if (leading) return Math.max(0, Math.min(started + retryPeriodMs - now, lastRenewAt + renewDeadlineMs - now));
    if (holdingOff()) return Math.min(jittered, holdOffUntil - now + 1);
    if (observed !== null && observed.holder !== '' && observed.holder !== identity) {
      // Wake exactly when the holder's Lease expires, so a takeover needs no extra retry period.
      const expiresIn = observed.observedAt + observed.leaseDurationMs - now;
      if (expiresIn >= 0) return Math.min(jittered, expiresIn + 1);
    }
    return jittered;
  }

  async function run(): Promise<void> {
    while (!stopped) {
      const started = mono();
      const budget = leading ? lastRenewAt + renewDeadlineMs - started : renewDeadlineMs;
      let ok = false;
      try {
        ok = await attemptWithin(budget);
      } catch (error) {
        logger.debug('lease attempt failed', { lease, err: error });
      }
      if (stopped) break;
      if (ok && holdingOff()) {
        // A renewal that was in flight when we resigned landed after the release: give it back again.
        await release();
      } else if (ok) setLeading(true);
      else if (leading && mono() - lastRenewAt >= renewDeadlineMs) {
        logger.warn('could not renew the leader Lease in time; stepping down', { lease, renewDeadlineMs });
        setLeading(false);
      } else if (leading && observed !== null && observed.holder !== identity) {
        // Someone else holds it now (our renewal lost a race): we are no longer the leader.
        setLeading(false);
      }
      wake = new AbortController();
      await clock.sleep(nextDelay(mono(), started), AbortSignal.any([stopController.signal, wake.signal])).catch(() => undefined);
    }
  }

  /** Gives the Lease up (holder empty, no endpoint) if we hold it; a lost race (409) is re-read, a few times. */
  async function release(): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      try {
        const current = await api.readNamespacedLease({ name, namespace });
        if (current.spec?.holderIdentity !== identity) return;
        const wall = clock.now();
        const released = await api.replaceNamespacedLease({
          name,
          namespace,
          body: leaseBody(current, wall, '', 1, current.spec.leaseTransitions ?? 0, new Date(wall)),
        });
        observe(released, mono());
        logger.info('released the leader Lease', { lease });
        return;
      } catch (error) {
        if (isConflict(error)) continue;
        metrics.apiError('update_lease');
        logger.warn('could not release the leader Lease; the standby takes over when it expires', {
          lease,
          err: error,
        });
        return;
      }
    }
  }

  return {
    isLeader: holdsLease,
    leaderEndpoint() {
      if (holdsLease()) return options.endpoint ?? null;
      if (observed === null || observed.holder === '' || observed.holder === identity || observed.endpoint === null) return null;
      if (observed.observedAt + observed.leaseDurationMs <= mono()) return null;
      const trusted = verdict !== null && verdict.holder === observed.holder && verdict.endpoint === observed.endpoint && verdict.verdict.trusted;
      if (!trusted) checkEndpoint(observed);
      return trusted ? observed.endpoint : null;
    },
    async resign(reason, holdOffMs = 2 * leaseDurationMs) {
      const bounded = Math.min(MAX_HOLD_OFF_MS, Math.max(0, holdOffMs));
      holdOffUntil = Math.max(holdOffUntil, mono() + bounded);
      const wasLeading = leading;
      logger.info(wasLeading ? 'resigning leadership' : 'staying out of the leader election', { lease, reason, holdOffMs: bounded });
      if (wasLeading) {
        setLeading(false);
        await Promise.race([release(), delay(renewDeadlineMs)]);
      }
      wake.abort();
    },
    onChange(listener) {
      return listeners.add(listener);
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
