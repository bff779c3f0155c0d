import type { CheckFailure, Confirmation } from '../core/checked-move.js';
import type { Decision } from '../core/decide.js';
import type { Candidate } from '../core/eligibility.js';
import type { FailoverIPObject } from '../core/model.js';
import type { Routing } from '../ports/provider.js';
import { parseIsoTime } from '../core/time.js';

/**
 * What the controller remembers about one FailoverIP between runs (memory only; status persists
 * the rest). The Reconciler is its only writer: a move task reads a copy and hands back a
 * MoveOutcome, which the Reconciler applies here (applyRouting, applyMoveOutcome).
 */
export interface FailoverIPMemory {
  /** The node holding the IP as of `routingReadAt` (every address, or the first one while routing is partial); null = nowhere we know. */
  assignedNode: string | null;
  /** Raw server id behind `assignedNode` (null = not routed). */
  assignedServer: string | null;
  /** Where each address is routed, as last read. */
  routing: readonly Routing[];
  /** Some addresses are routed elsewhere than the first one (a move the provider took in part). */
  partial: boolean;
  routingReadAt: number | null;
  /** When the current holder got the IP (as far as we know) and who had it before. */
  holderSince: number | null;
  previousHolder: string | null;
  holderDegradedSince: number | null;
  /** Backoff after failed moves (not persisted: a restart may retry sooner, within the cooldown). */
  retryNotBefore: number | null;
  /** Until when the provider refused moves (a rate limit's Retry-After). */
  providerBlockedUntil: number | null;
  consecutiveFailures: number;
  moveInFlight: boolean;
  lastDecision: Decision | null;
  lastDecisionAt: number | null;
  /** The decision this replica last reported (Event) as leader; null until it leads. */
  announced: Decision | null;
  candidates: readonly Candidate[];
  /** Nodes the provider refused as targets because their server holds an address already, until when. */
  serversInUse: Map<string, number>;
  /** Targets that failed the check before routing, passed over until each failure's `until`. */
  checkFailures: ReadonlyMap<string, CheckFailure>;
  /** What the failover address answered after the last move (null: no checked move yet). */
  confirmation: Confirmation | null;
}

/** How long a node the provider called "in use" stays ruled out (an address may leave it meanwhile). */
export const SERVER_IN_USE_MS = 10 * 60_000;

export const freshMemory = (): FailoverIPMemory => ({
  assignedNode: null,
  assignedServer: null,
  routing: [],
  partial: false,
  routingReadAt: null,
  holderSince: null,
  previousHolder: null,
  holderDegradedSince: null,
  retryNotBefore: null,
  providerBlockedUntil: null,
  consecutiveFailures: 0,
  moveInFlight: false,
  lastDecision: null,
  lastDecisionAt: null,
  announced: null,
  candidates: [],
  serversInUse: new Map(),
  checkFailures: new Map(),
  confirmation: null,
});

export interface MoveRecord {
  readonly failoverIP: string;
  readonly from: string | null;
  readonly to: string;
  readonly reason: string;
  readonly result: string;
  readonly at: number;
  readonly durationMs: number;
  readonly message: string;
}

/** What a move task found and decided, for the Reconciler to apply. */
export interface MoveOutcome {
  /** The routing read last during the move (null: no read succeeded). */
  readonly routing: readonly Routing[] | null;
  readonly readAt: number;
  /** True when the move failed (counts toward the backoff); false when it succeeded, was adopted or partly done. */
  readonly failed: boolean;
  readonly retryNotBefore: number | null;
  readonly providerBlockedUntil: number | null;
  /** The target, when the provider refused it as in use (`target-refused`): ruled out from now on. */
  readonly refusedTarget?: string;
  /** The target failed the check before routing: nothing was routed (checked-move.ts). */
  readonly checkFailure?: { readonly node: string; readonly failure: CheckFailure };
  /** The move was routed and then checked: what the failover address answered. */
  readonly confirmation?: Confirmation;
}

export function nodeOfServer(servers: ReadonlyMap<string, string>, serverId: string | null): string | null {
  if (serverId === null) return null;
  for (const [node, id] of servers) if (id === serverId) return node;
  return `server:${serverId}`;
}

/** True when the addresses are not all routed to one server. */
export const isPartial = (routing: readonly Routing[]): boolean => routing.some((entry) => entry.serverId !== (routing[0]?.serverId ?? null));

/**
 * Records a fresh routing read. The holder is the server of the first address; when the others
 * differ, the routing is partial and the holder change is still noted, so alerts about the IP
 * that predate the change blame the right node.
 */
export function applyRouting(memory: FailoverIPMemory, routing: readonly Routing[], servers: ReadonlyMap<string, string>, at: number): void {
  const server = routing[0]?.serverId ?? null;
  const node = nodeOfServer(servers, server);
  if (memory.routingReadAt !== null && node !== memory.assignedNode) {
    memory.previousHolder = memory.assignedNode;
    memory.holderSince = at;
  }
  memory.assignedServer = server;
  memory.assignedNode = node;
  memory.routing = routing;
  memory.partial = isPartial(routing);
  memory.routingReadAt = at;
}

export function applyMoveOutcome(memory: FailoverIPMemory, outcome: MoveOutcome, servers: ReadonlyMap<string, string>): void {
  if (outcome.routing !== null) applyRouting(memory, outcome.routing, servers, outcome.readAt);
  memory.consecutiveFailures = outcome.failed ? memory.consecutiveFailures + 1 : 0;
  memory.retryNotBefore = outcome.retryNotBefore;
  memory.providerBlockedUntil = outcome.providerBlockedUntil;
  if (outcome.refusedTarget !== undefined) memory.serversInUse.set(outcome.refusedTarget, outcome.readAt + SERVER_IN_USE_MS);
  if (outcome.checkFailure !== undefined) memory.checkFailures = new Map([...memory.checkFailures, [outcome.checkFailure.node, outcome.checkFailure.failure]]);
  if (outcome.confirmation !== undefined) memory.confirmation = outcome.confirmation;
}

/**
 * Takes over a provider block that is still running from status.providerBlockedUntil: the
 * replica that heard the 429 may have lost the Lease since, and this one never saw it.
 */
export function adoptPersistedBlock(memory: FailoverIPMemory, fip: FailoverIPObject, now: number): void {
  const persisted = parseIsoTime(fip.status.providerBlockedUntil);
  if (persisted === null || persisted <= now) return;
  if (memory.providerBlockedUntil === null || memory.providerBlockedUntil < persisted) memory.providerBlockedUntil = persisted;
}

/** The block to show in status: only while it runs. */
export const runningBlock = (memory: FailoverIPMemory, now: number): number | null =>
  memory.providerBlockedUntil !== null && memory.providerBlockedUntil > now ? memory.providerBlockedUntil : null;

/** The nodes still ruled out as in use at `now` (expired ones are forgotten). */
export function serversInUseAt(memory: FailoverIPMemory, now: number): ReadonlySet<string> | undefined {
  for (const [node, until] of memory.serversInUse) if (until <= now) memory.serversInUse.delete(node);
  return memory.serversInUse.size === 0 ? undefined : new Set(memory.serversInUse.keys());
}
