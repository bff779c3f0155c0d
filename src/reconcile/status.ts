import type { Decision } from '../core/decide.js';
import { issuesOf, tierOf, type NodeHealth } from '../core/health.js';
import type { FailoverIPObject, FailoverIPStatus, StatusCondition } from '../core/model.js';
import type { FailoverIPMemory } from './failover-ip-state.js';

const iso = (ms: number): string => new Date(ms).toISOString();

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
  const lastTransitionTime = old !== undefined && old.status === next.status ? old.lastTransitionTime : iso(now);
  return { ...next, lastTransitionTime };
}

/**
 * The status the FailoverIP should show, or null when it already shows it: the controller's
 * own writes must not turn into a stream of identical patches.
 */
export function buildStatus(input: StatusInput): Partial<FailoverIPStatus> | null {
  const { fip, memory, decision, now } = input;
  const previous = fip.status.conditions;
  const holderIssues = input.holderHealth === undefined ? [] : issuesOf(input.holderHealth.mask);
  // Routed only when every address is on the holder; partial routing is its own state.
  const partial = memory.partial;
  const routed = memory.assignedNode !== null && !memory.assignedNode.startsWith('server:') && !partial;
  const blocked = decision.outcome === 'wait-cooldown' || decision.outcome === 'no-eligible-node' || decision.outcome === 'paused';
  const degraded = input.holderHealth !== undefined && tierOf(input.holderHealth.mask) !== 'healthy';
  const conditions: StatusCondition[] = [
    condition(
      previous,
      {
        type: 'Routed',
        status: routed ? 'True' : 'False',
        reason: routed ? 'Routed' : partial ? 'PartialRouting' : 'Unrouted',
        message: routed
          ? `routed to ${memory.assignedNode ?? ''}`
          : partial
            ? `partial routing: ${memory.routing.map((entry) => `${entry.address} on server ${entry.serverId ?? 'none'}`).join(', ')}`
            : 'the provider routes the IP to no node of this cluster',
        observedGeneration: fip.generation,
      },
      now,
    ),
    condition(
      previous,
      {
        type: 'Degraded',
        status: degraded ? 'True' : 'False',
        reason: degraded ? 'HolderUnhealthy' : 'HolderHealthy',
        message: degraded ? holderIssues.join(', ') : 'the holder has no issue',
        observedGeneration: fip.generation,
      },
      now,
    ),
    condition(
      previous,
      {
        type: 'Blocked',
        status: blocked ? 'True' : 'False',
        reason: blocked ? decision.reason : 'NotBlocked',
        message: blocked ? decision.message : '',
        observedGeneration: fip.generation,
      },
      now,
    ),
  ];
  const status: Partial<FailoverIPStatus> = {
    assignedNode: memory.assignedNode,
    desiredNode: decision.target,
    observedGeneration: fip.generation,
    lastDecision: { outcome: decision.outcome, reason: decision.reason, message: decision.message, time: iso(input.decisionAt) },
    conditions,
    nextMoveAllowedAt: input.nextMoveAllowedAt === null ? null : iso(input.nextMoveAllowedAt),
    ...(memory.routingReadAt === null ? {} : { lastSyncSuccess: fip.status.lastSyncSuccess ?? iso(memory.routingReadAt) }),
  };
  const same =
    fip.status.assignedNode === status.assignedNode &&
    fip.status.desiredNode === status.desiredNode &&
    fip.status.observedGeneration === status.observedGeneration &&
    (fip.status.nextMoveAllowedAt ?? null) === status.nextMoveAllowedAt &&
    JSON.stringify(fip.status.lastDecision) === JSON.stringify(status.lastDecision) &&
    JSON.stringify(fip.status.conditions) === JSON.stringify(conditions);
  return same ? null : status;
}
