import { CHECK_FAILURE_HOLD_MS, type Confirmation } from '../core/checked-move.js';
import { failoverIPKey, type NodeFacts } from '../core/model.js';
import type { MoveCheckMetrics } from '../metrics/move-check-metrics.js';
import type { MoveChecker } from '../ports/move-checker.js';
import type { MoveOutcome } from './failover-ip-state.js';
import { moveFailoverIP, type MoveArgs } from './move.js';

/** After a move, how long the failover address may take to answer from the new holder (spec.check.confirmSeconds). */
export const DEFAULT_CONFIRM_SECONDS = 30;

export interface CheckedMoveArgs extends MoveArgs {
  /** The probes; null (no node probe: the sandbox without one, IPSHIFT_NODE_PROBE_PORT=0): a plain move. */
  readonly checker: MoveChecker | null;
  readonly checkMetrics: MoveCheckMetrics | null;
  /** The target as the cluster knows it (its addresses are what the identity probe connects to). */
  readonly targetNode: NodeFacts | undefined;
}

/**
 * A checked move: the target must answer before anything is routed, and the failover address
 * must answer from it afterwards. A target that fails is handed back as a check failure (the
 * Reconciler records it and the core picks the next candidate on the next pass; no backoff,
 * no cooldown: the provider was not called). A routed move that does not answer from the new
 * holder within the bound is handed back as unconfirmed (status Degraded, MoveUnconfirmed).
 */
export async function checkedMove(args: CheckedMoveArgs): Promise<MoveOutcome> {
  const { checker, fip, decision, deps } = args;
  const target = decision.target;
  if (checker === null || target === null) return moveFailoverIP(args);
  const log = deps.logger.child({ failoverIP: failoverIPKey(fip), node: target });

  const pre =
    args.targetNode === undefined
      ? ({ ok: false, message: `${target} is no node of this cluster any more` } as const)
      : await checker.checkTarget(args.targetNode, fip.spec.check?.service, args.signal);
  args.checkMetrics?.targetChecked(pre.ok);
  if (!pre.ok) {
    const at = deps.clock.now();
    const message = pre.message;
    log.warn('the target failed the check before routing: passing it over for the next candidate', { reason: 'target-check-failed', detail: message });
    deps.recordEvent(fip, 'Warning', 'target-check-failed', `not moving to ${target}: ${message}; the next candidate is tried`);
    args.onRecord({
      failoverIP: failoverIPKey(fip),
      from: args.memory.assignedNode,
      to: target,
      reason: 'target-check-failed',
      result: 'check-failed',
      at,
      durationMs: at - args.signalAt,
      message,
    });
    return {
      routing: null,
      readAt: at,
      failed: false,
      retryNotBefore: null,
      providerBlockedUntil: args.memory.providerBlockedUntil,
      checkFailure: { node: target, failure: { at, until: at + CHECK_FAILURE_HOLD_MS, message } },
    };
  }

  const outcome = await moveFailoverIP(args);
  const serverId = args.servers.get(target);
  const routed = !outcome.failed && outcome.routing !== null && outcome.routing.length > 0 && outcome.routing.every((entry) => entry.serverId === serverId);
  if (!routed) return outcome;
  const confirmation = await confirmHolder(args, target);
  return { ...outcome, confirmation };
}

/** Asks the failover address until it answers from `holder` (bounded), and reports what it found. */
export async function confirmHolder(
  args: Pick<CheckedMoveArgs, 'fip' | 'checker' | 'checkMetrics' | 'deps' | 'signal'>,
  holder: string,
  previous: Confirmation | null = null,
): Promise<Confirmation> {
  const { fip, deps } = args;
  const boundMs = (fip.spec.check?.confirmSeconds ?? DEFAULT_CONFIRM_SECONDS) * 1000;
  const verdict =
    args.checker === null
      ? { state: 'unverifiable' as const, message: 'no node probe' }
      : await args.checker.confirm(fip.spec.addresses, holder, boundMs, args.signal);
  const at = deps.clock.now();
  args.checkMetrics?.confirmed(verdict.state);
  args.checkMetrics?.setUnconfirmed(failoverIPKey(fip), verdict.state === 'unconfirmed');
  const log = deps.logger.child({ failoverIP: failoverIPKey(fip), node: holder });
  const again = previous !== null && previous.node === holder && previous.state === verdict.state;
  if (verdict.state === 'unconfirmed' && !again) {
    log.warn('the failover address does not answer from the new holder', { reason: 'move-unconfirmed', boundSeconds: boundMs / 1000, detail: verdict.message });
    deps.recordEvent(fip, 'Warning', 'move-unconfirmed', `routed to ${holder}, but within ${boundMs / 1000} s ${verdict.message}`);
  } else if (verdict.state === 'confirmed' && (previous?.state ?? 'confirmed') !== 'confirmed') {
    log.info('the failover address answers from its holder again', { reason: 'move-unconfirmed' });
    deps.recordEvent(fip, 'Normal', 'move-unconfirmed', `${verdict.message} now`);
  } else if (verdict.state === 'unverifiable' && !again) {
    log.info('the move cannot be confirmed from this replica', { detail: verdict.message });
  } else if (verdict.state === 'confirmed') {
    log.info('the failover address answers from the new holder');
  }
  return { node: holder, state: verdict.state, message: verdict.message, at };
}
