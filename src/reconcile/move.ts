import { nextMoveAllowedAt } from '../core/cooldown.js';
import type { Decision } from '../core/decide.js';
import { failoverIPKey, type FailoverIPObject, type FailoverIPStatus } from '../core/model.js';
import type { MoveResult } from '../core/reasons.js';
import { classify, type IpshiftError } from '../errors.js';
import type { ControllerMetrics } from '../metrics/controller-metrics.js';
import type { ClusterWriter } from '../ports/cluster.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { FailoverIpProvider, Routing } from '../ports/provider.js';
import { backoffDelayMs } from '../retry/backoff.js';
import type { RecordEvent } from './event-recorder.js';
import { isPartial, nodeOfServer, type FailoverIPMemory, type MoveOutcome, type MoveRecord } from './failover-ip-state.js';
import { isoTime, isoTimeOrNull, parseIsoTime } from '../core/time.js';

/** What a move needs from the controller (the Reconciler's deps satisfy it). */
export interface MoveDeps {
  readonly writer: ClusterWriter;
  readonly metrics: ControllerMetrics;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly random?: () => number;
  /** Logs a failed Event write once per cause (src/reconcile/event-log.ts). */
  readonly recordEvent: RecordEvent;
}

export interface MoveArgs {
  readonly fip: FailoverIPObject;
  /** A copy: the move reads it, the Reconciler alone writes the original (applyMoveOutcome). */
  readonly memory: Readonly<FailoverIPMemory>;
  readonly decision: Decision;
  readonly provider: FailoverIpProvider;
  readonly servers: ReadonlyMap<string, string>;
  /** The cooldown in force (src/core/cooldown.ts). */
  readonly cooldownMs: number;
  /** When the signal that led here arrived: the move's duration is measured from it. */
  readonly signalAt: number;
  /** The move's deadline: every provider call of the move honours it. */
  readonly signal?: AbortSignal;
  readonly deps: MoveDeps;
  readonly onRecord: (record: MoveRecord) => void;
  /** Awaited right before the provider is asked to route (the holder label, holder-labels.ts); never rejects. */
  readonly beforeRoute?: (target: string) => Promise<void>;
}

/** A failed move is usually urgent (the holder is down): retry at least every minute. */
const MOVE_BACKOFF = { baseDelayMs: 2_000, maxDelayMs: 60_000 };

/**
 * One move: read the provider's routing first (someone may have moved the IP: adopt, don't
 * fight), persist the attempt and the cooldown BEFORE routing (a new leader taking over
 * mid-move sees the cooldown and does not route a second time), route (the adapter retries
 * transient faults, never resends a move it may have had accepted, and polls the provider's
 * task), then read every address back. The read decides, not the route call's answer:
 * - every address on the target: moved (a refusal after an accepted attempt is success);
 * - some on the target: partial routing, the cooldown holds (the provider acted) and the rest
 *   is retried when the provider allows;
 * - none, after a clean refusal (401, 4xx, a rate limit before anything moved): the provider did
 *   nothing, so the cooldown is given back;
 * - none, after an uncertain failure (timeout, reset, 5xx, a task that did not finish): the
 *   provider may still act, so the cooldown holds.
 */
export async function moveFailoverIP(args: MoveArgs): Promise<MoveOutcome> {
  const { fip, memory, decision, provider, servers, deps } = args;
  const target = decision.target;
  const serverId = target === null ? undefined : servers.get(target);
  const log = deps.logger.child({ failoverIP: failoverIPKey(fip), reason: decision.reason, node: target, provider: provider.type });
  const unchanged: MoveOutcome = {
    routing: null,
    readAt: deps.clock.now(),
    failed: false,
    retryNotBefore: null,
    providerBlockedUntil: memory.providerBlockedUntil,
  };
  if (target === null || serverId === undefined) return unchanged;
  const from = memory.assignedNode;

  const before = await provider.getRouting(fip.spec.addresses, args.signal).catch((error: unknown) => classify(error));
  if (before instanceof Error) return failed(args, before, from, target, null, log);
  const readAt = deps.clock.now();
  const currentServer = before[0]?.serverId ?? null;
  if (currentServer !== memory.assignedServer) {
    const holder = nodeOfServer(servers, currentServer);
    log.info('the provider routes the IP elsewhere than we knew: adopting, not fighting', { holder });
    record(args, from, holder ?? '(none)', 'adopted', 'routed elsewhere by someone else: adopted');
    return { routing: before, readAt, failed: false, retryNotBefore: null, providerBlockedUntil: memory.providerBlockedUntil };
  }

  const startedAt = deps.clock.now();
  const previous: Partial<FailoverIPStatus> = { lastMoveTime: fip.status.lastMoveTime ?? null, nextMoveAllowedAt: fip.status.nextMoveAllowedAt ?? null };
  await deps.writer
    .patchStatus(fip.namespace, fip.name, {
      desiredNode: target,
      lastSyncAttempt: isoTime(startedAt),
      lastMoveTime: isoTime(startedAt),
      nextMoveAllowedAt: isoTimeOrNull(nextMoveAllowedAt(startedAt, args.cooldownMs, null)),
    })
    .catch((error: unknown) => log.warn('could not persist the move attempt', { err: error }));
  deps.recordEvent(fip, 'Normal', decision.reason, `moving to ${target}: ${decision.message}`);
  log.info('moving', { from });
  await args.beforeRoute?.(target);

  const routeError = await provider.route(fip.spec.addresses, serverId, args.signal).then(
    () => null,
    (error: unknown) => classify(error),
  );
  const after = await provider.getRouting(fip.spec.addresses, args.signal).catch(() => null);
  const end = deps.clock.now();
  const onTarget = after === null ? (routeError === null ? fip.spec.addresses.length : 0) : after.filter((entry) => entry.serverId === serverId).length;

  if (onTarget === fip.spec.addresses.length) {
    // Every address is where we wanted it: success, whatever the route call said (a refusal of
    // a resend after an accepted attempt, a lost answer).
    const routing: readonly Routing[] = after ?? fip.spec.addresses.map((address) => ({ address, serverId }));
    await deps.writer
      // The provider counts its interval from when it took the request, which we only know lies
      // before `end`: restarting the cooldown at `end` can never undercut it.
      .patchStatus(fip.namespace, fip.name, {
        assignedNode: target,
        desiredNode: target,
        lastSyncSuccess: isoTime(end),
        lastMoveTime: isoTime(end),
        nextMoveAllowedAt: isoTimeOrNull(nextMoveAllowedAt(end, args.cooldownMs, null)),
      })
      .catch((error: unknown) => log.warn('could not record the move in status', { err: error }));
    deps.recordEvent(fip, 'Normal', decision.reason, `moved to ${target} in ${end - startedAt} ms`);
    deps.metrics.setLastMove(failoverIPKey(fip), end / 1000);
    log.info('moved', { from, durationMs: end - args.signalAt, ...(routeError === null ? {} : { afterRefusal: routeError.code }) });
    record(args, from, target, 'success', decision.message, (end - args.signalAt) / 1000);
    return { routing, readAt: end, failed: false, retryNotBefore: null, providerBlockedUntil: null };
  }

  const error = routeError ?? classify(new Error('the provider reported the move done, but the routing read back differs'));
  const blockedUntil = error.kind === 'rate-limited' ? end + (error.retryAfterMs ?? 60_000) : null;
  if (onTarget > 0 && after !== null && isPartial(after)) {
    // The provider acted on some addresses: the cooldown holds, the rest follow when allowed.
    const retryAt = blockedUntil ?? end + backoffDelayMs(MOVE_BACKOFF, memory.consecutiveFailures + 1, deps.random);
    const message = `partial routing: ${describeRouting(after, servers)}; the rest follows at ${isoTime(retryAt)} (${error.message})`;
    await deps.writer
      .patchStatus(fip.namespace, fip.name, {
        lastSyncAttempt: isoTime(end),
        lastMoveTime: isoTime(end),
        nextMoveAllowedAt: isoTimeOrNull(nextMoveAllowedAt(end, args.cooldownMs, blockedUntil)),
        providerBlockedUntil: isoTimeOrNull(blockedUntil),
      })
      .catch(() => undefined);
    deps.recordEvent(fip, 'Warning', 'partial-routing', message);
    log.warn('partial routing: the provider moved some addresses, not all', {
      reason: 'partial-routing',
      routing: after,
      retryAt: isoTime(retryAt),
      err: error,
    });
    record(args, from, target, 'partial', message);
    return { routing: after, readAt: end, failed: false, retryNotBefore: retryAt, providerBlockedUntil: blockedUntil };
  }

  const clean = error.kind !== 'transient' && onTarget === 0;
  if (clean) {
    // The provider refused and did nothing: the cooldown this attempt started is given back.
    await deps.writer.patchStatus(fip.namespace, fip.name, previous).catch(() => undefined);
  }
  return failed(
    args,
    error,
    from,
    target,
    after,
    log,
    blockedUntil,
    clean ? 'the provider did nothing: cooldown given back' : 'the provider may have acted: cooldown kept',
  );
}

function describeRouting(routing: readonly Routing[], servers: ReadonlyMap<string, string>): string {
  return routing.map((entry) => `${entry.address} on ${nodeOfServer(servers, entry.serverId) ?? 'nothing'}`).join(', ');
}

function record(args: MoveArgs, from: string | null, to: string, result: MoveResult, message: string, durationSeconds?: number): void {
  const now = args.deps.clock.now();
  const key = failoverIPKey(args.fip);
  args.deps.metrics.moveFinished(key, args.decision.reason, result, args.provider.type, durationSeconds);
  args.onRecord({ failoverIP: key, from, to, reason: args.decision.reason, result, at: now, durationMs: now - args.signalAt, message });
}

async function failed(
  args: MoveArgs,
  error: IpshiftError,
  from: string | null,
  target: string,
  routing: readonly Routing[] | null,
  log: Logger,
  blockedUntil: number | null = null,
  cooldown?: string,
): Promise<MoveOutcome> {
  const { memory, deps, fip } = args;
  const now = deps.clock.now();
  const failures = memory.consecutiveFailures + 1;
  let retryNotBefore: number;
  let providerBlockedUntil = memory.providerBlockedUntil;
  if (error.kind === 'target-refused') {
    // The provider did nothing and told why: this node is ruled out, the next candidate goes now.
    log.warn('the provider refused the target: its server holds another address', { reason: 'target-in-use', code: error.code, err: error });
    record(args, from, target, 'failure', error.message);
    deps.recordEvent(fip, 'Warning', 'target-in-use', `${target} refused: ${error.message}; trying the next candidate`);
    return { routing, readAt: now, failed: false, retryNotBefore: null, providerBlockedUntil, refusedTarget: target };
  }
  if (error.kind === 'rate-limited') {
    retryNotBefore = blockedUntil ?? now + (error.retryAfterMs ?? 60_000);
    providerBlockedUntil = retryNotBefore;
    const lastMove = parseIsoTime(fip.status.lastMoveTime);
    await deps.writer
      .patchStatus(fip.namespace, fip.name, {
        nextMoveAllowedAt: isoTimeOrNull(nextMoveAllowedAt(lastMove, args.cooldownMs, retryNotBefore)),
        // In status, not only in memory: a new leader must not hammer a provider that said "wait".
        providerBlockedUntil: isoTime(retryNotBefore),
        lastSyncAttempt: isoTime(now),
      })
      .catch(() => undefined);
    log.warn('the provider rate-limited the move', { retryAt: isoTime(retryNotBefore), ...(cooldown === undefined ? {} : { cooldown }) });
    record(args, from, target, 'rate-limited', error.message);
  } else {
    const backoff = backoffDelayMs(MOVE_BACKOFF, failures, deps.random);
    retryNotBefore = now + backoff;
    log.warn('move failed', {
      kind: error.kind,
      code: error.code,
      err: error,
      retryInMs: Math.round(backoff),
      ...(cooldown === undefined ? {} : { cooldown }),
    });
    record(args, from, target, 'failure', error.message);
  }
  deps.recordEvent(fip, 'Warning', args.decision.reason, `move to ${target} failed: ${error.message}`);
  return { routing, readAt: now, failed: true, retryNotBefore, providerBlockedUntil };
}
