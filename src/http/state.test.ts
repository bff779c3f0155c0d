import type { ReconcileSnapshot } from '../reconcile/reconciler.js';
import { buildState, LISTED_CANDIDATES, type StateSources } from './state.js';

const T0 = Date.parse('2026-12-01T12:00:00Z');

/** A pass over `nodes` nodes for one FailoverIP held by `holder`; every third node eligible. */
function sources(nodes: number, holder: string, target: string | null): StateSources {
  const candidates = Array.from({ length: nodes }, (_, i) => ({
    name: `node-${i}`,
    eligible: i % 3 === 0,
    ineligibility: i % 3 === 0 ? null : i % 3 === 1 ? 'selector' : 'down',
  }));
  // Only the fields the state document reads; the rest of a real snapshot does not matter here.
  const snapshot = {
    at: T0,
    pass: { nodes: new Map(), unmapped: [], plans: [{ key: 'default/web', candidates, decision: null, holderDegradedSince: null }] },
    failoverIPs: [
      {
        object: {
          namespace: 'default',
          name: 'web',
          generation: 1,
          annotations: {},
          spec: { addresses: ['198.51.100.10'], provider: { type: 'dry-run' } },
          status: {},
        },
        memory: {
          assignedNode: holder,
          lastDecision: target === null ? null : { outcome: 'move', reason: 'holder-down', message: '', target },
          moveInFlight: false,
          lastDecisionAt: T0,
        },
      },
    ],
    nodes: [],
    moves: [],
  } as unknown as ReconcileSnapshot;
  return {
    snapshot: () => snapshot,
    alerts: () => [],
    freshness: () => ({ lastWebhookAt: null, lastSyncAt: null, stale: false, lastWatchdogAt: null }),
    unmapped: () => [],
    isLeader: () => true,
    sandbox: false,
    now: () => T0,
  };
}

describe('the state document', () => {
  it('lists a small cluster whole, in node order', () => {
    const [fip] = buildState(sources(6, 'node-1', null)).failoverIPs;
    expect(fip?.candidates.map((c) => c.node)).toEqual(['node-0', 'node-1', 'node-2', 'node-3', 'node-4', 'node-5']);
    expect(fip?.candidateCounts).toEqual({ eligible: 2, notCandidates: { selector: 2, down: 2 } });
  });

  it('bounds the candidates of a large cluster, keeping the holder and the target and counting the rest', () => {
    const [fip] = buildState(sources(5000, 'node-4001', 'node-4998')).failoverIPs;
    const listed = fip?.candidates ?? [];
    expect(listed.length).toBe(LISTED_CANDIDATES);
    expect(listed.map((c) => c.node)).toEqual(expect.arrayContaining(['node-4001', 'node-4998']));
    // Eligible nodes fill the rest: the document lists who could take the IP, not the 3,000 who cannot.
    expect(listed.filter((c) => !c.eligible).map((c) => c.node)).toEqual(['node-4001']);
    expect(fip?.candidateCounts.eligible).toBe(1667);
    expect(fip?.candidateCounts.notCandidates).toEqual({ selector: 1667, down: 1666 });
  });
});
