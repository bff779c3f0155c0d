import type { AlertFreshness, ClassifiedAlert } from '../alerts/alert-store.js';
import { hasDownIssue } from '../core/health.js';
import type { ReconcileSnapshot } from '../reconcile/reconciler.js';
import { isoTimeOrNull } from '../core/time.js';
import type { ServiceState } from '../services/service-publisher.js';

export interface StateSources {
  readonly snapshot: () => ReconcileSnapshot;
  readonly alerts: (now: number) => readonly ClassifiedAlert[];
  readonly freshness: (now: number) => AlertFreshness;
  readonly unmapped: () => ReadonlyArray<{ alertname: string; count: number }>;
  readonly isLeader: () => boolean;
  /** LoadBalancer Services of ipshift's class, as the last pass left them. */
  readonly services?: () => readonly ServiceState[];
  readonly sandbox: boolean;
  readonly now: () => number;
}

/**
 * Candidates listed per FailoverIP. Every node is a candidate row in the pass (5,000 nodes and
 * 100 FailoverIPs: 500,000 rows, a 33 MB document built, parsed and copied per reader, far past
 * the pod's memory limit). Up to this many are listed, in node order: the holder and the target
 * always, then eligible nodes, then the others; `candidateCounts` counts them all, the nodes
 * that are not candidates by why. A small cluster is listed whole, as before.
 */
export const LISTED_CANDIDATES = 25;

type Candidates = NonNullable<NonNullable<ReturnType<StateSources['snapshot']>['pass']>['plans'][number]['candidates']>;

function candidateView(candidates: Candidates, holder: string | null, target: string | null) {
  const notCandidates: Record<string, number> = {};
  let eligible = 0;
  const listed = new Set<number>();
  candidates.forEach((c, i) => {
    if (c.eligible) eligible++;
    else notCandidates[c.ineligibility ?? 'unknown'] = (notCandidates[c.ineligibility ?? 'unknown'] ?? 0) + 1;
    if (c.name === holder || c.name === target) listed.add(i);
  });
  for (const wanted of [true, false]) {
    for (let i = 0; i < candidates.length && listed.size < LISTED_CANDIDATES; i++) if (candidates[i]?.eligible === wanted) listed.add(i);
  }
  return {
    candidates: [...listed]
      .sort((a, b) => a - b)
      .map((i) => {
        const c = candidates[i] as Candidates[number];
        return { node: c.name, eligible: c.eligible, ineligibility: c.ineligibility };
      }),
    candidateCounts: { eligible, notCandidates },
  };
}

/** The document behind GET /api/v1/state and the status page (its shape is the public contract in the README). */
export function buildState(sources: StateSources) {
  const now = sources.now();
  const snapshot = sources.snapshot();
  const pass = snapshot.pass;
  const alertsByNode = new Map<string, ClassifiedAlert[]>();
  for (const alert of sources.alerts(now)) {
    if (alert.node === null || alert.cls === 'ignore') continue;
    const list = alertsByNode.get(alert.node) ?? [];
    list.push(alert);
    alertsByNode.set(alert.node, list);
  }
  const freshness = sources.freshness(now);
  const plans = new Map((pass?.plans ?? []).map((p) => [p.key, p]));
  const holds = new Map<string, string[]>();
  for (const f of snapshot.failoverIPs) {
    if (f.memory.assignedNode === null) continue;
    const list = holds.get(f.memory.assignedNode) ?? [];
    list.push(`${f.object.namespace}/${f.object.name}`);
    holds.set(f.memory.assignedNode, list);
  }
  const failoverIPs = snapshot.failoverIPs.map(({ object, memory }) => {
    const decision = memory.lastDecision;
    const plan = plans.get(`${object.namespace}/${object.name}`);
    const next = object.status.nextMoveAllowedAt ?? null;
    const nextMs = next === null ? null : Date.parse(next);
    return {
      namespace: object.namespace,
      name: object.name,
      addresses: object.spec.addresses,
      provider: object.spec.provider.type,
      paused: object.spec.paused ?? false,
      assignedNode: memory.assignedNode,
      desiredNode: decision?.target ?? object.status.desiredNode ?? null,
      nextMoveAllowedAt: next,
      cooldownRemainingSeconds: nextMs === null || Number.isNaN(nextMs) ? 0 : Math.max(0, Math.ceil((nextMs - now) / 1000)),
      lastMoveTime: object.status.lastMoveTime ?? null,
      moveInFlight: memory.moveInFlight,
      lastDecision:
        decision === null
          ? null
          : { outcome: decision.outcome, reason: decision.reason, message: decision.message, time: isoTimeOrNull(memory.lastDecisionAt) },
      ...candidateView(plan?.candidates ?? [], memory.assignedNode, decision?.target ?? object.status.desiredNode ?? null),
    };
  });
  const nodes = snapshot.nodes.map((node) => {
    const health = pass?.nodes.get(node.name);
    const issues = health?.issues ?? [];
    const eligible = !node.deleting && !hasDownIssue(health?.mask ?? 0);
    return {
      name: node.name,
      addresses: node.addresses,
      eligible,
      tier: health?.tier ?? 'healthy',
      issues,
      alerts: (alertsByNode.get(node.name) ?? []).map((a) => ({
        alertname: a.labels['alertname'] ?? '',
        class: a.cls,
        startsAt: isoTimeOrNull(a.startsAt),
        fingerprint: a.fingerprint,
      })),
      holds: holds.get(node.name) ?? [],
    };
  });
  return {
    leader: sources.isLeader(),
    sandbox: sources.sandbox,
    generatedAt: isoTimeOrNull(now),
    lastReconcileAt: isoTimeOrNull(snapshot.at),
    failoverIPs,
    services: [...(sources.services?.() ?? [])],
    nodes,
    alertSource: { lastWebhookAt: isoTimeOrNull(freshness.lastWebhookAt), lastSyncAt: isoTimeOrNull(freshness.lastSyncAt), stale: freshness.stale },
    unmappedAlerts: sources.unmapped(),
    recentMoves: [...snapshot.moves].reverse().map((m) => ({ ...m, at: isoTimeOrNull(m.at) })),
  };
}

export type State = ReturnType<typeof buildState>;
