import { checkFailuresInForce, firstCheckExpiry, type CheckFailure } from './checked-move.js';
import { nextMoveAllowedAt } from './cooldown.js';
import type { Candidate } from './eligibility.js';
import { issuesOf, maskOf, tierOf, type HealthMask } from './health.js';
import { ISSUES, ISSUE_TIER } from './issues.js';
import type { OnCordon } from './model.js';
import type { Outcome, Reason } from './reasons.js';
import { failoverIPSeed, tieBreakHash } from './stable-hash.js';
import { isoTime } from './time.js';

/** Everything the decision for one FailoverIP depends on. Times are epoch milliseconds. */
export interface DecisionInput {
  readonly now: number;
  /** `namespace/name`. */
  readonly failoverIP: string;
  /** The node the provider routes the IP to (the truth), or null when routed nowhere we know. */
  readonly assignedNode: string | null;
  /** Every node as a candidate for this FailoverIP, in any order. */
  readonly candidates: readonly Candidate[];
  /** How many OTHER FailoverIPs each node holds (for spread). */
  readonly holdings: ReadonlyMap<string, number>;
  /**
   * The same counts by Candidate.position, when the caller has them (a pass over thousands of
   * nodes): an array read instead of a map lookup per candidate. Wins over `holdings`.
   */
  readonly heldAt?: ArrayLike<number>;
  readonly cooldownMs: number;
  readonly gracePeriodMs: number;
  readonly spread: boolean;
  readonly paused: boolean;
  /** The ipshift.dev/move-to annotation, if present. */
  readonly moveTo: string | null;
  readonly lastMoveAt: number | null;
  /** A provider-imposed block (a rate limit's Retry-After); the cooldown itself comes from lastMoveAt. */
  readonly blockedUntil: number | null;
  /** Since when the holder has been degraded; null when it is not (see `degradedSince`). */
  readonly holderDegradedSince: number | null;
  /** spec.policy.onCordon; absent means `move`. (`keep` is applied to the candidates' masks already.) */
  readonly onCordon?: OnCordon;
  /**
   * Targets that failed the check before routing (checked-move.ts), by node: passed over for
   * the next candidate while `until` lies ahead. The checks run outside the core; this is their result.
   */
  readonly checkFailures?: ReadonlyMap<string, CheckFailure>;
}

export interface Decision {
  readonly outcome: Outcome;
  readonly reason: Reason;
  /** Where the IP should be: the move target, the node waited for, or the holder when staying. */
  readonly target: string | null;
  readonly message: string;
  /** When a waiting decision should be looked at again. */
  readonly retryAt: number | null;
  /** When the cooldown ends (null when none is running). */
  readonly cooldownEndsAt: number | null;
}

/**
 * Ranks candidates: healthier first (smaller mask), then fewer info alerts, then (with spread)
 * fewer other FailoverIPs held, then a stable hash of (FailoverIP, node) so ties spread evenly
 * and never depend on input order. Name last only guards against hash collisions.
 */
export function bestCandidate(
  candidates: readonly Candidate[],
  input: Pick<DecisionInput, 'failoverIP' | 'holdings' | 'heldAt' | 'spread'>,
  exclude: string | null,
  skip?: ReadonlyMap<string, unknown>,
): Candidate | null {
  const skipping = skip !== undefined && skip.size > 0 ? skip : null;
  const seed = failoverIPSeed(input.failoverIP);
  const heldAt = input.spread ? input.heldAt : undefined;
  const holdings = input.spread && heldAt === undefined && input.holdings.size > 0 ? input.holdings : null;
  let best: Candidate | null = null;
  let bestHash = 0;
  let bestHeld = 0;
  for (const c of candidates) {
    if (!c.eligible || c.name === exclude || skipping?.has(c.name) === true) continue;
    const held = heldAt !== undefined ? (heldAt[c.position] ?? 0) : holdings === null ? 0 : (holdings.get(c.name) ?? 0);
    if (best === null) {
      best = c;
      bestHash = tieBreakHash(seed, c.nameHash);
      bestHeld = held;
      continue;
    }
    let diff = c.mask - best.mask || c.infoWeight - best.infoWeight || held - bestHeld;
    if (diff > 0) continue;
    const hash = tieBreakHash(seed, c.nameHash);
    if (diff === 0) diff = hash - bestHash || (c.name < best.name ? -1 : 1);
    if (diff < 0) {
      best = c;
      bestHash = hash;
      bestHeld = held;
    }
  }
  return best;
}

/**
 * Tracks since when the holder is degraded: kept while it stays degraded, started now when it
 * becomes degraded, cleared otherwise. The caller stores the result for the next decision.
 */
const DRAIN_MASK = maskOf(ISSUES.filter((i) => ISSUE_TIER[i] === 'drain'));
const CORDONED = maskOf(['cordoned']);

/**
 * With onCordon `grace`, a holder whose only drain-tier issue is the cordon waits out the grace
 * period like a degraded one (an alert of class drain still moves at once).
 */
export function waitsForGrace(mask: HealthMask, onCordon: OnCordon | undefined): boolean {
  const tier = tierOf(mask);
  return tier === 'degraded' || (tier === 'drain' && onCordon === 'grace' && (mask & DRAIN_MASK) === CORDONED);
}

export function degradedSince(previous: number | null, holderIsDegraded: boolean, now: number): number | null {
  if (!holderIsDegraded) return null;
  return previous ?? now;
}

interface Wanted {
  readonly reason: Reason;
  readonly target: string;
  readonly message: string;
  /** A degraded holder leaves only after the grace period. */
  readonly graceEndsAt: number | null;
}

type Verdict = { kind: 'move'; wanted: Wanted } | { kind: 'stay'; decision: Decision };

const stay = (outcome: Outcome, reason: Reason, target: string | null, message: string, retryAt: number | null = null): Verdict => ({
  kind: 'stay',
  decision: { outcome, reason, target, message, retryAt, cooldownEndsAt: null },
});

function describe(c: Candidate): string {
  const issues = issuesOf(c.mask);
  return issues.length === 0 ? `${c.name} (healthy)` : `${c.name} (${issues.join(', ')})`;
}

/** The nodes passed over because they failed the check before routing, in words (empty when none). */
function skippedNote(failures: ReadonlyMap<string, CheckFailure>): string {
  if (failures.size === 0) return '';
  return `; passed over: ${[...failures].map(([node, failure]) => `${node} (${failure.message})`).join('; ')}`;
}

/**
 * Every candidate that would do failed its check: keep the IP where it is and look again when
 * the first failure ends (routing to a node that did not answer cannot help).
 */
function allChecksFailed(input: DecisionInput, failures: ReadonlyMap<string, CheckFailure>, holder: string | null, why: string): Verdict | null {
  if (failures.size === 0 || bestCandidate(input.candidates, input, input.assignedNode) === null) return null;
  return stay(
    'no-eligible-node',
    'target-check-failed',
    holder,
    `${why}, but no eligible node answered the check before routing${skippedNote(failures)}`,
    firstCheckExpiry(failures, input.now),
  );
}

/** What the health rules alone want, before cooldown and pause are applied. */
function healthVerdict(input: DecisionInput, holder: Candidate | undefined): Verdict {
  const failures = checkFailuresInForce(input.checkFailures ?? new Map<string, CheckFailure>(), input.now);
  const best = bestCandidate(input.candidates, input, input.assignedNode, failures);
  const note = skippedNote(failures);
  if (input.assignedNode === null || holder === undefined) {
    const why = input.assignedNode === null ? 'the IP is routed to no known node' : `holder ${input.assignedNode} is not a node of this cluster`;
    if (best === null)
      return (
        allChecksFailed(input, failures, input.assignedNode, why) ?? stay('no-eligible-node', 'unrouted', input.assignedNode, `${why} and no node is eligible`)
      );
    return { kind: 'move', wanted: { reason: 'unrouted', target: best.name, message: `${why}: routing it to ${describe(best)}${note}`, graceEndsAt: null } };
  }
  if (!holder.eligible) {
    const reason: Reason = holder.ineligibility === 'down' ? 'holder-down' : 'holder-ineligible';
    const why =
      holder.ineligibility === 'down' ? `holder ${describe(holder)} is down` : `holder ${holder.name} is not eligible (${holder.ineligibility ?? ''})`;
    if (best === null)
      return (
        allChecksFailed(input, failures, holder.name, why) ?? stay('no-eligible-node', reason, holder.name, `${why} and no other node is eligible: keeping it`)
      );
    return { kind: 'move', wanted: { reason, target: best.name, message: `${why}: moving to ${describe(best)}${note}`, graceEndsAt: null } };
  }
  if (best === null || best.mask >= holder.mask) {
    return stay('keep', 'holder-healthiest', holder.name, `no eligible node is healthier than holder ${describe(holder)}`);
  }
  const tier = tierOf(holder.mask);
  if (tier === 'drain' && !waitsForGrace(holder.mask, input.onCordon)) {
    return {
      kind: 'move',
      wanted: {
        reason: 'holder-draining',
        target: best.name,
        message: `holder ${describe(holder)} is draining: moving to ${describe(best)}${note}`,
        graceEndsAt: null,
      },
    };
  }
  const since = input.holderDegradedSince ?? input.now;
  return {
    kind: 'move',
    wanted: {
      reason: 'holder-degraded',
      target: best.name,
      message: `holder ${describe(holder)} is degraded; ${describe(best)} is healthier${note}`,
      graceEndsAt: since + input.gracePeriodMs,
    },
  };
}

function manualVerdict(input: DecisionInput): Verdict | null {
  const wanted = input.moveTo;
  if (wanted === null) return null;
  if (wanted === input.assignedNode) return stay('keep', 'manual-move', wanted, `manual move done: ${wanted} holds the IP`);
  const target = input.candidates.find((c) => c.name === wanted);
  if (target === undefined || !target.eligible) return null;
  const failure = checkFailuresInForce(input.checkFailures ?? new Map<string, CheckFailure>(), input.now).get(wanted);
  if (failure !== undefined) {
    return stay('keep', 'target-check-failed', input.assignedNode, `manual move to ${wanted} waits: ${failure.message}`, failure.until);
  }
  return { kind: 'move', wanted: { reason: 'manual-move', target: wanted, message: `manual move to ${describe(target)} requested`, graceEndsAt: null } };
}

/**
 * The decision for one FailoverIP. Pure: the same input always gives the same decision.
 * Rules: move only to a strictly healthier eligible node; a down or ineligible holder moves at
 * once; a draining holder moves at once; a degraded holder after the grace period; never inside
 * the cooldown (a blocked move is retried the moment the cooldown ends); no eligible node keeps
 * the holder; a manual move to an eligible node is honoured under the same cooldown.
 */
export function decide(input: DecisionInput): Decision {
  const holder = input.assignedNode === null ? undefined : input.candidates.find((c) => c.name === input.assignedNode);
  let verdict = manualVerdict(input) ?? healthVerdict(input, holder);
  if (
    input.moveTo !== null &&
    verdict.kind === 'stay' &&
    verdict.decision.outcome === 'keep' &&
    verdict.decision.reason !== 'manual-move' &&
    verdict.decision.reason !== 'target-check-failed'
  ) {
    verdict = stay('keep', 'manual-target-ineligible', verdict.decision.target, `manual move to ${input.moveTo} ignored: it is not an eligible node`);
  }
  const decision = verdict.kind === 'stay' ? verdict.decision : timed(input, verdict.wanted);
  if (!input.paused || decision.outcome === 'keep') return decision;
  return {
    outcome: 'paused',
    reason: 'paused',
    target: decision.target,
    message: `paused; otherwise: ${decision.outcome} (${decision.reason}): ${decision.message}`,
    retryAt: null,
    cooldownEndsAt: decision.cooldownEndsAt,
  };
}

/** Applies the grace period and the cooldown to a wanted move. */
function timed(input: DecisionInput, wanted: Wanted): Decision {
  const cooldownEnd = nextMoveAllowedAt(input.lastMoveAt, input.cooldownMs, input.blockedUntil) ?? 0;
  const cooldownEndsAt = cooldownEnd > input.now ? cooldownEnd : null;
  if (wanted.graceEndsAt !== null && input.now < wanted.graceEndsAt) {
    return {
      outcome: 'wait-grace',
      reason: wanted.reason,
      target: wanted.target,
      message: `${wanted.message}; grace period ends ${isoTime(wanted.graceEndsAt)}`,
      retryAt: Math.max(wanted.graceEndsAt, cooldownEnd),
      cooldownEndsAt,
    };
  }
  if (cooldownEndsAt !== null) {
    return {
      outcome: 'wait-cooldown',
      reason: wanted.reason,
      target: wanted.target,
      message: `${wanted.message}; cooldown until ${isoTime(cooldownEndsAt)}`,
      retryAt: cooldownEndsAt,
      cooldownEndsAt,
    };
  }
  return { outcome: 'move', reason: wanted.reason, target: wanted.target, message: wanted.message, retryAt: null, cooldownEndsAt: null };
}
