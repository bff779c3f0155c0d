import type { Decision } from '../core/decide.js';
import { failoverIPKey, type FailoverIPObject } from '../core/model.js';
import { classify } from '../errors.js';
import type { FailoverIpProvider } from '../ports/provider.js';
import { backoffDelayMs } from '../retry/backoff.js';
import type { FailoverIPMemory, MoveRecord } from './failover-ip-state.js';
import type { ReconcilerDeps } from './reconciler.js';
import { nodeOfServer, noteHolderChange } from './reconciler.js';

export interface MoveArgs {
  readonly fip: FailoverIPObject;
  readonly memory: FailoverIPMemory;
  readonly decision: Decision;
  readonly provider: FailoverIpProvider;
  readonly servers: ReadonlyMap<string, string>;
  /** When the signal that led here arrived: the move's duration is measured from it. */
  readonly signalAt: number;
  readonly deps: ReconcilerDeps;
  readonly onRecord: (record: MoveRecord) => void;
}

const iso = (ms: number): string => new Date(ms).toISOString();
/** A failed move is usually urgent (the holder is down): retry at least every minute. */
const MOVE_BACKOFF = { baseDelayMs: 2_000, maxDelayMs: 60_000 };

/**
 * One move: read the provider's routing first (someone may have moved the IP: adopt, don't
 * fight), persist the attempt and the cooldown BEFORE routing (a new leader taking over
 * mid-move sees the cooldown and does not route a second time), route (the adapter retries
 * transient faults and polls the provider's task), read back, record.
 */
export async function moveFailoverIP(args: MoveArgs): Promise<void> {
  const { fip, memory, decision, provider, servers, deps } = args;
  const key = failoverIPKey(fip);
  const target = decision.target;
  const serverId = target === null ? undefined : servers.get(target);
  const log = deps.logger.child({ failoverIP: key, reason: decision.reason, node: target, provider: provider.type });
  if (target === null || serverId === undefined) return;
  const from = memory.assignedNode;

  const before = await provider.getRouting(fip.spec.addresses).catch((error: unknown) => classify(error));
  if (before instanceof Error) return failed(args, before, from, target, log);
  const currentServer = before[0]?.serverId ?? null;
  memory.routingReadAt = deps.clock.now();
  if (currentServer !== memory.assignedServer) {
    noteHolderChange(memory, nodeOfServer(servers, currentServer), memory.routingReadAt);
    memory.assignedServer = currentServer;
    memory.assignedNode = nodeOfServer(servers, currentServer);
    log.info('the provider routes the IP elsewhere than we knew: adopting, not fighting', { holder: memory.assignedNode });
    record(args, from, memory.assignedNode ?? '(none)', 'adopted', 'routed elsewhere by someone else: adopted');
    return;
  }

  const startedAt = deps.clock.now();
  const cooldownMs = (fip.spec.policy?.cooldownSeconds ?? provider.minMoveIntervalMs / 1000) * 1000;
  const previousBlock = fip.status.nextMoveAllowedAt ?? null;
  const previousMove = fip.status.lastMoveTime ?? null;
  await deps.writer
    .patchStatus(fip.namespace, fip.name, {
      desiredNode: target,
      lastSyncAttempt: iso(startedAt),
      lastMoveTime: iso(startedAt),
      nextMoveAllowedAt: iso(startedAt + cooldownMs),
    })
    .catch((error: unknown) => log.warn('could not persist the move attempt', { error: (error as Error).message }));
  void deps.writer.recordEvent(fip, 'Normal', decision.reason, `moving to ${target}: ${decision.message}`).catch(() => undefined);
  log.info('moving', { from });

  try {
    await provider.route(fip.spec.addresses, serverId);
  } catch (error) {
    const classified = classify(error);
    if (classified.kind === 'transient') {
      // The provider never took the request: give the cooldown back, back off instead.
      await deps.writer.patchStatus(fip.namespace, fip.name, { lastMoveTime: previousMove, nextMoveAllowedAt: previousBlock }).catch(() => undefined);
    }
    return failed(args, classified, from, target, log);
  }

  const after = await provider.getRouting(fip.spec.addresses).catch(() => null);
  const routedTo = after?.[0]?.serverId ?? serverId;
  const end = deps.clock.now();
  noteHolderChange(memory, nodeOfServer(servers, routedTo), end);
  memory.assignedServer = routedTo;
  memory.assignedNode = nodeOfServer(servers, routedTo);
  memory.routingReadAt = end;
  memory.consecutiveFailures = 0;
  memory.retryNotBefore = null;
  await deps.writer
    // The provider counts its interval from when it took the request, which we only know lies
    // before `end`: restarting the cooldown at `end` can never undercut it.
    .patchStatus(fip.namespace, fip.name, {
      assignedNode: memory.assignedNode,
      desiredNode: target,
      lastSyncSuccess: iso(end),
      lastMoveTime: iso(end),
      nextMoveAllowedAt: iso(end + cooldownMs),
    })
    .catch((error: unknown) => log.warn('could not record the move in status', { error: (error as Error).message }));
  void deps.writer.recordEvent(fip, 'Normal', decision.reason, `moved to ${target} in ${end - startedAt} ms`).catch(() => undefined);
  deps.metrics.setLastMove(key, end / 1000);
  log.info('moved', { from, durationMs: end - args.signalAt });
  record(args, from, target, 'success', decision.message, (end - args.signalAt) / 1000);
}

function record(
  args: MoveArgs,
  from: string | null,
  to: string,
  result: 'success' | 'failure' | 'rate-limited' | 'adopted',
  message: string,
  durationSeconds?: number,
): void {
  const now = args.deps.clock.now();
  const key = failoverIPKey(args.fip);
  args.deps.metrics.moveFinished(key, args.decision.reason, result, args.provider.type, durationSeconds);
  args.onRecord({ failoverIP: key, from, to, reason: args.decision.reason, result, at: now, durationMs: now - args.signalAt, message });
}

async function failed(args: MoveArgs, error: ReturnType<typeof classify>, from: string | null, target: string, log: ReconcilerDeps['logger']): Promise<void> {
  const { memory, deps, fip } = args;
  const now = deps.clock.now();
  memory.consecutiveFailures += 1;
  if (error.kind === 'rate-limited') {
    const until = now + (error.retryAfterMs ?? 60_000);
    memory.retryNotBefore = until;
    await deps.writer.patchStatus(fip.namespace, fip.name, { nextMoveAllowedAt: iso(until), lastSyncAttempt: iso(now) }).catch(() => undefined);
    log.warn('the provider rate-limited the move', { retryAt: iso(until) });
    record(args, from, target, 'rate-limited', error.message);
  } else {
    const backoff = backoffDelayMs(MOVE_BACKOFF, memory.consecutiveFailures, deps.random);
    memory.retryNotBefore = now + backoff;
    log.warn('move failed', { kind: error.kind, code: error.code, error: error.message, retryInMs: Math.round(backoff) });
    record(args, from, target, 'failure', error.message);
  }
  void deps.writer.recordEvent(fip, 'Warning', args.decision.reason, `move to ${target} failed: ${error.message}`).catch(() => undefined);
  deps.runAt(memory.retryNotBefore);
}
