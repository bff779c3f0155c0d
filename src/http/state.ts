import type { AlertFreshness, ClassifiedAlert } from '../alerts/alert-store.js';
import { hasDownIssue } from '../core/health.js';
import type { ReconcileSnapshot } from '../reconcile/reconciler.js';
import { isoTime } from '../core/time.js';
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

const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : isoTime(ms));

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
  const failoverIPs = snapshot.failoverIPs.map(({ object, memory }) => {
    const decision = memory.lastDecision;
    const plan = pass?.plans.find((p) => p.key === `${object.namespace}/${object.name}`);
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
        decision === null ? null : { outcome: decision.outcome, reason: decision.reason, message: decision.message, time: iso(memory.lastDecisionAt) },
      candidates: (plan?.candidates ?? []).map((c) => ({ node: c.name, eligible: c.eligible, ineligibility: c.ineligibility })),
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
        startsAt: iso(a.startsAt),
        fingerprint: a.fingerprint,
      })),
      holds: snapshot.failoverIPs.filter((f) => f.memory.assignedNode === node.name).map((f) => `${f.object.namespace}/${f.object.name}`),
    };
  });
  return {
    leader: sources.isLeader(),
    sandbox: sources.sandbox,
    generatedAt: iso(now),
    lastReconcileAt: iso(snapshot.at),
    failoverIPs,
    services: [...(sources.services?.() ?? [])],
    nodes,
    alertSource: { lastWebhookAt: iso(freshness.lastWebhookAt), lastSyncAt: iso(freshness.lastSyncAt), stale: freshness.stale },
    unmappedAlerts: sources.unmapped(),
    recentMoves: [...snapshot.moves].reverse().map((m) => ({ ...m, at: iso(m.at) })),
  };
}

export type State = ReturnType<typeof buildState>;
