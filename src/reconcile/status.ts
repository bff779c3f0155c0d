import { isDeepStrictEqual } from 'node:util';
import type { Decision } from '../core/decide.js';
import { hasDownIssue, issuesOf, tierOf, type NodeHealth } from '../core/health.js';
import type { Tier } from '../core/issues.js';
import { kubeReason } from '../core/kube-reason.js';
import type { Reason } from '../core/reasons.js';
import type { FailoverIPObject, FailoverIPStatus, StatusCondition } from '../core/model.js';
import { runningBlock, type FailoverIPMemory } from './failover-ip-state.js';
import { isoTime } from '../core/time.js';

export interface StatusInput {
  readonly fip: FailoverIPObject;
  readonly memory: FailoverIPMemory;
  readonly decision: Decision;
  readonly decisionAt: number;
  readonly holderHealth: NodeHealth | undefined;
  readonly now: number;
  /** The cooldown in force (src/core/cooldown.ts), so status.nextMoveAllowedAt always says it. */
  readonly nextMoveAllowedAt: number | null;
}

function condition(previous: readonly StatusCondition[] | undefined, next: Omit<StatusCondition, 'lastTransitionTime'>, now: number): StatusCondition {
  const old = previous?.find((c) => c.type === next.type);
  const lastTransitionTime = old !== undefined && old.status === next.status ? old.lastTransitionTime : isoTime(now);
  return { ...next, lastTransitionTime };
}

/** The reason code of a holder's tier, for the Degraded condition. */
const TIER_REASON: Readonly<Record<Exclude<Tier, 'healthy'>, Reason>> = {
  ineligible: 'holder-ineligible',
  down: 'holder-down',
  drain: 'holder-draining',
  degraded: 'holder-degraded',
};

/**
 * The conditions, in this order (each with observedGeneration = metadata.generation):
 * - Accepted: True/Accepted: the controller validated this generation's spec and manages it.
 * - Ready: True/Ready when the addresses are routed to a holder that serves (no down issue,
 *   still eligible); False with the reason (Unrouted, HolderDown, HolderIneligible).
 * - Routed: True/Routed, or False/Unrouted.
 * - Degraded: True when the holder has any issue, the reason from its worst tier
 *   (HolderDown, HolderDraining, HolderDegraded, HolderIneligible); else True/MoveUnconfirmed
 *   while the failover address does not answer from the holder after a checked move (Ready is
 *   False then too); False/HolderHealthy.
 * - Blocked: True while the decision waits or cannot act (WaitCooldown, NoEligibleNode,
 *   Paused: the outcome), False/NotBlocked.
 * Reasons are the CamelCase form of the codes in reasons.ts (kubeReason), one mapping for all.
 */
function buildConditions(input: StatusInput): StatusCondition[] {
  const { fip, memory, decision, now } = input;
  const previous = fip.status.conditions;
  const holderIssues = input.holderHealth === undefined ? [] : issuesOf(input.holderHealth.mask);
  // Routed only when every address is on the holder; partial routing is its own state.
  const partial = memory.partial;
  const routed = memory.assignedNode !== null && !memory.assignedNode.startsWith('server:') && !partial;
  const blocked = decision.outcome === 'wait-cooldown' || decision.outcome === 'no-eligible-node' || decision.outcome === 'paused';
  const tier = input.holderHealth === undefined ? 'healthy' : tierOf(input.holderHealth.mask);
  const holderDown = input.holderHealth !== undefined && hasDownIssue(input.holderHealth.mask);
  const holderIneligible = decision.reason === 'holder-ineligible';
  // Checked moves: the failover address did not answer from the holder after the move.
  const unconfirmed = memory.confirmation !== null && memory.confirmation.state === 'unconfirmed' && memory.confirmation.node === memory.assignedNode;
  const notReady: Reason | null = partial
    ? 'partial-routing'
    : !routed
      ? 'unrouted'
      : holderDown
        ? 'holder-down'
        : holderIneligible
          ? 'holder-ineligible'
          : unconfirmed
            ? 'move-unconfirmed'
            : null;
  const generation = fip.generation;
  const make = (type: StatusCondition['type'], status: boolean, reason: string, message: string): StatusCondition =>
    condition(previous, { type, status: status ? 'True' : 'False', reason, message, observedGeneration: generation }, now);
  return [
    make('Accepted', true, 'Accepted', `generation ${generation} is valid and managed`),
    make(
      'Ready',
      notReady === null,
      notReady === null ? 'Ready' : kubeReason(notReady),
      notReady === null
        ? `every address is routed to ${memory.assignedNode ?? ''}, which serves`
        : notReady === 'partial-routing'
          ? partialMessage(memory)
          : notReady === 'unrouted'
            ? 'the provider routes the addresses to no node of this cluster'
            : notReady === 'move-unconfirmed'
              ? (memory.confirmation?.message ?? '')
              : `the holder ${memory.assignedNode ?? ''} is ${notReady === 'holder-down' ? `down (${holderIssues.join(', ')})` : 'no longer eligible'}`,
    ),
    make(
      'Routed',
      routed,
      routed ? 'Routed' : kubeReason(partial ? 'partial-routing' : 'unrouted'),
      routed ? `routed to ${memory.assignedNode ?? ''}` : partial ? partialMessage(memory) : 'the provider routes the IP to no node of this cluster',
    ),
    make(
      'Degraded',
      tier !== 'healthy' || unconfirmed,
      tier !== 'healthy' ? kubeReason(TIER_REASON[tier]) : unconfirmed ? kubeReason('move-unconfirmed') : 'HolderHealthy',
      tier !== 'healthy' ? holderIssues.join(', ') : unconfirmed ? (memory.confirmation?.message ?? '') : 'the holder has no issue',
    ),
    make('Blocked', blocked, blocked ? kubeReason(decision.outcome) : 'NotBlocked', blocked ? `${decision.reason}: ${decision.message}` : ''),
  ];
}

/**
 * The status the FailoverIP should show, or null when it already shows it: the controller's
 * own writes must not turn into a stream of identical patches.
 */
export function buildStatus(input: StatusInput): Partial<FailoverIPStatus> | null {
  const { fip, memory, decision } = input;
  const conditions = buildConditions(input);
  const block = runningBlock(memory, input.now);
  const status: Partial<FailoverIPStatus> = {
    assignedNode: memory.assignedNode,
    desiredNode: decision.target,
    observedGeneration: fip.generation,
    lastDecision: { outcome: decision.outcome, reason: decision.reason, message: decision.message, time: isoTime(input.decisionAt) },
    conditions,
    nextMoveAllowedAt: input.nextMoveAllowedAt === null ? null : isoTime(input.nextMoveAllowedAt),
    providerBlockedUntil: block === null ? null : isoTime(block),
    ...(memory.routingReadAt === null ? {} : { lastSyncSuccess: fip.status.lastSyncSuccess ?? isoTime(memory.routingReadAt) }),
  };
  const same =
    fip.status.assignedNode === status.assignedNode &&
    fip.status.desiredNode === status.desiredNode &&
    fip.status.observedGeneration === status.observedGeneration &&
    (fip.status.nextMoveAllowedAt ?? null) === status.nextMoveAllowedAt &&
    (fip.status.providerBlockedUntil ?? null) === status.providerBlockedUntil &&
    // Compared by value, not as JSON text: the watch hands the status back with its keys in the
    // schema's order, and a text compare then rewrote every FailoverIP's status on every pass
    // (4,600 writes in 20 s at 100 FailoverIPs in the memory bench).
    isDeepStrictEqual(fip.status.lastDecision, status.lastDecision) &&
    isDeepStrictEqual(fip.status.conditions, conditions);
  return same ? null : status;
}

function partialMessage(memory: FailoverIPMemory): string {
  const where = memory.routing.map((entry) => `${entry.address} on server ${entry.serverId ?? 'none'}`).join(', ');
  return `partial routing: ${where}; the rest follows to ${memory.assignedNode ?? ''} when the provider allows`;
}
