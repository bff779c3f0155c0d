import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { INELIGIBILITY, type Ineligibility, type Issue } from '../core/issues.js';
import { MOVE_RESULTS, REASONS, type MoveResult, type Outcome, type Reason } from '../core/reasons.js';

/** Trigger signal → provider reports the IP routed: 10 ms (emulator, a no-op) up to netcup's 10-minute task deadline. */
export const MOVE_DURATION_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600];
/** One reconcile pass is pure computation plus a few API calls: 1 ms to 30 s. */
export const RECONCILE_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The controller's domain verbs. Series per label set are bounded by design:
 * - per FailoverIP: one `assigned` series (the holder only), routed, holder_healthy, cooldown,
 *   last move, and the |REASONS| × |MOVE_RESULTS| move counters (pre-initialised so that
 *   `increase()` sees the first move);
 * - per node: one `node_health_issue` series per issue the node has now (value 1); a healthy
 *   node has none. Why not a 0 for every class, as kube-state-metrics does for conditions: at
 *   5,000 nodes that was 65,000 series, a third of the controller's heap between passes and a
 *   5 MiB scrape, almost all saying "0";
 * - per FailoverIP: how many nodes are eligible, and how many are not by the rule they break
 *   (1 + |INELIGIBILITY| series). No series is per FailoverIP × node: at 5,000 nodes and 100
 *   FailoverIPs that would be 500,000 series saying mostly "still eligible"; which node is
 *   which is on the status page and in /api/v1/state;
 * - decisions: FailoverIPs × the outcome/reason pairs that actually occur.
 * forgetFailoverIP/forgetNode drop every series of a deleted object.
 */
export interface ControllerMetrics {
  decision(failoverIP: string, outcome: Outcome, reason: Reason): void;
  /** `durationSeconds`: from the triggering signal to the provider reporting the IP routed; only for completed moves. */
  moveFinished(failoverIP: string, reason: Reason, result: MoveResult, provider: string, durationSeconds?: number): void;
  /** `node`: where the provider routes the FailoverIP now, or null when it routes it nowhere we know. */
  setAssignment(failoverIP: string, node: string | null): void;
  setHolderHealthy(failoverIP: string, healthy: boolean): void;
  setNodeIssues(node: string, issues: readonly Issue[]): void;
  /** The FailoverIP's candidates this pass, counted by eligibility. */
  setCandidates(failoverIP: string, candidates: ReadonlyArray<{ readonly eligible: boolean; readonly ineligibility: Ineligibility | null }>): void;
  setCooldownRemaining(failoverIP: string, seconds: number): void;
  setLastMove(failoverIP: string, epochSeconds: number): void;
  reconcileFinished(result: 'success' | 'error', seconds: number, epochSecondsNow: number): void;
  forgetFailoverIP(failoverIP: string): void;
  forgetNode(node: string): void;
}

const NO_ISSUES: readonly Issue[] = [];

export function createControllerMetrics(registry: Registry): ControllerMetrics {
  const registers = [registry];
  const decisions = new Counter({
    name: 'ipshift_decisions_total',
    help: 'Decisions taken per FailoverIP, by outcome and reason (one per FailoverIP and reconcile).',
    labelNames: ['failover_ip', 'outcome', 'reason'] as const,
    registers,
  });
  const moves = new Counter({
    name: 'ipshift_moves_total',
    help: 'Moves of a FailoverIP applied through the provider, by the reason for the move and the result.',
    labelNames: ['failover_ip', 'reason', 'result'] as const,
    registers,
  });
  const moveDuration = new Histogram({
    name: 'ipshift_move_duration_seconds',
    help: 'Time from the signal that triggered a move to the provider reporting the FailoverIP routed to the new node.',
    labelNames: ['provider'] as const,
    buckets: MOVE_DURATION_BUCKETS,
    registers,
  });
  const assigned = new Gauge({
    name: 'ipshift_failover_ip_assigned',
    help: 'Always 1, one series per FailoverIP: the node the provider routes it to now. No series while it is unrouted.',
    labelNames: ['failover_ip', 'node'] as const,
    registers,
  });
  const routed = new Gauge({
    name: 'ipshift_failover_ip_routed',
    help: '1 when the provider routes the FailoverIP to one of our nodes, else 0.',
    labelNames: ['failover_ip'] as const,
    registers,
  });
  const holderHealthy = new Gauge({
    name: 'ipshift_failover_ip_holder_healthy',
    help: '1 when the node holding the FailoverIP has no issue that calls for a move, else 0.',
    labelNames: ['failover_ip'] as const,
    registers,
  });
  const nodeIssue = new Gauge({
    name: 'ipshift_node_health_issue',
    help: 'Per node: 1 for each issue class the node has now; no series for the classes it does not have (a healthy node has none).',
    labelNames: ['node', 'issue'] as const,
    registers,
  });
  const candidateNodes = new Gauge({
    name: 'ipshift_failover_ip_nodes',
    help: 'Per FailoverIP: nodes that may hold it (eligibility="eligible"), and nodes that may not, by the first rule they break (deleted, excluded, not-selected, no-ready-pod, no-ready-endpoint, server-remapped, no-server-id, server-in-use, down).',
    labelNames: ['failover_ip', 'eligibility'] as const,
    registers,
  });
  const cooldown = new Gauge({
    name: 'ipshift_cooldown_remaining_seconds',
    help: 'Seconds until the FailoverIP may move again (0 when a move is allowed now).',
    labelNames: ['failover_ip'] as const,
    registers,
  });
  const lastMove = new Gauge({
    name: 'ipshift_last_move_timestamp_seconds',
    help: 'Unix time of the last successful move of the FailoverIP.',
    labelNames: ['failover_ip'] as const,
    registers,
  });
  const reconciles = new Counter({
    name: 'ipshift_reconcile_total',
    help: 'Reconcile passes by result.',
    labelNames: ['result'] as const,
    registers,
  });
  const reconcileDuration = new Histogram({
    name: 'ipshift_reconcile_duration_seconds',
    help: 'Duration of one reconcile pass over all FailoverIPs.',
    buckets: RECONCILE_DURATION_BUCKETS,
    registers,
  });
  const lastSuccess = new Gauge({
    name: 'ipshift_last_successful_reconcile_timestamp_seconds',
    help: 'Unix time of the last reconcile pass that finished without error (0 before the first one).',
    registers,
  });

  reconciles.inc({ result: 'success' }, 0);
  reconciles.inc({ result: 'error' }, 0);
  lastSuccess.set(0);

  // Which label values we exported, so a deleted object's series can be removed exactly.
  const holders = new Map<string, string>();
  const knownFailoverIPs = new Set<string>();
  const decisionKeys = new Map<string, Set<string>>();
  /** Per node, the issues it has series for (the health's own array: the same one while unchanged). */
  const nodeIssues = new Map<string, readonly Issue[]>();

  const ELIGIBILITY = ['eligible', ...INELIGIBILITY] as const;
  const touchFailoverIP = (failoverIP: string): void => {
    if (knownFailoverIPs.has(failoverIP)) return;
    knownFailoverIPs.add(failoverIP);
    for (const reason of REASONS) for (const result of MOVE_RESULTS) moves.inc({ failover_ip: failoverIP, reason, result }, 0);
  };
  // Counts per candidate list: lists are shared by FailoverIPs and reused between passes (plan.ts).
  const countsOf = new WeakMap<object, ReadonlyMap<string, number>>();

  return {
    decision(failoverIP, outcome, reason) {
      touchFailoverIP(failoverIP);
      decisions.inc({ failover_ip: failoverIP, outcome, reason });
      let keys = decisionKeys.get(failoverIP);
      if (keys === undefined) decisionKeys.set(failoverIP, (keys = new Set()));
      keys.add(`${outcome}\u0000${reason}`);
    },
    moveFinished(failoverIP, reason, result, provider, durationSeconds) {
      touchFailoverIP(failoverIP);
      moves.inc({ failover_ip: failoverIP, reason, result });
      if (durationSeconds !== undefined && Number.isFinite(durationSeconds) && durationSeconds >= 0) {
        moveDuration.observe({ provider }, durationSeconds);
      }
    },
    setAssignment(failoverIP, node) {
      touchFailoverIP(failoverIP);
      const previous = holders.get(failoverIP);
      if (previous !== undefined && previous !== node) assigned.remove({ failover_ip: failoverIP, node: previous });
      if (node === null) {
        holders.delete(failoverIP);
      } else {
        holders.set(failoverIP, node);
        assigned.set({ failover_ip: failoverIP, node }, 1);
      }
      routed.set({ failover_ip: failoverIP }, node === null ? 0 : 1);
    },
    setHolderHealthy(failoverIP, healthy) {
      touchFailoverIP(failoverIP);
      holderHealthy.set({ failover_ip: failoverIP }, healthy ? 1 : 0);
    },
    setNodeIssues(node, issues) {
      const before = nodeIssues.get(node) ?? NO_ISSUES;
      if (before === issues) return;
      for (const issue of before) if (!issues.includes(issue)) nodeIssue.remove({ node, issue });
      for (const issue of issues) if (!before.includes(issue)) nodeIssue.set({ node, issue }, 1);
      if (issues.length === 0) nodeIssues.delete(node);
      else nodeIssues.set(node, issues);
    },
    setCandidates(failoverIP, candidates) {
      touchFailoverIP(failoverIP);
      // FailoverIPs with the same selector share one list (plan.ts): count it once.
      let counted = countsOf.get(candidates);
      if (counted === undefined) {
        const counts = new Map<string, number>(ELIGIBILITY.map((key) => [key, 0]));
        for (const c of candidates) {
          const key = c.eligible ? 'eligible' : (c.ineligibility ?? 'down');
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        countsOf.set(candidates, (counted = counts));
      }
      for (const key of ELIGIBILITY) candidateNodes.set({ failover_ip: failoverIP, eligibility: key }, counted.get(key) ?? 0);
    },
    setCooldownRemaining(failoverIP, seconds) {
      touchFailoverIP(failoverIP);
      cooldown.set({ failover_ip: failoverIP }, Math.max(0, seconds));
    },
    setLastMove(failoverIP, epochSeconds) {
      touchFailoverIP(failoverIP);
      lastMove.set({ failover_ip: failoverIP }, epochSeconds);
    },
    reconcileFinished(result, seconds, epochSecondsNow) {
      reconciles.inc({ result });
      reconcileDuration.observe(seconds);
      if (result === 'success') lastSuccess.set(epochSecondsNow);
    },
    forgetFailoverIP(failoverIP) {
      const holder = holders.get(failoverIP);
      if (holder !== undefined) assigned.remove({ failover_ip: failoverIP, node: holder });
      holders.delete(failoverIP);
      for (const key of decisionKeys.get(failoverIP) ?? []) {
        const [outcome = '', reason = ''] = key.split('\u0000');
        decisions.remove({ failover_ip: failoverIP, outcome, reason });
      }
      decisionKeys.delete(failoverIP);
      if (knownFailoverIPs.delete(failoverIP)) {
        for (const reason of REASONS) for (const result of MOVE_RESULTS) moves.remove({ failover_ip: failoverIP, reason, result });
        for (const eligibility of ELIGIBILITY) candidateNodes.remove({ failover_ip: failoverIP, eligibility });
      }
      routed.remove({ failover_ip: failoverIP });
      holderHealthy.remove({ failover_ip: failoverIP });
      cooldown.remove({ failover_ip: failoverIP });
      lastMove.remove({ failover_ip: failoverIP });
    },
    forgetNode(node) {
      for (const issue of nodeIssues.get(node) ?? NO_ISSUES) nodeIssue.remove({ node, issue });
      nodeIssues.delete(node);
    },
  };
}
