import { leaderPlacement } from '../core/leader-placement.js';
import type { NodeFacts, PodSelector } from '../core/model.js';
import type { ClusterView, Leadership } from '../ports/cluster.js';
import type { Logger } from '../ports/logger.js';
import type { ReconcileSnapshot } from './reconciler.js';

export interface LeaderHandoverDeps {
  /** The node this replica runs on (NODE_NAME). */
  readonly self: string;
  /** The controller's own pods (namespace and labels of the Deployment). */
  readonly replicas: PodSelector;
  readonly cluster: Pick<ClusterView, 'nodesWithReadyPods' | 'nodes'>;
  readonly leadership: Leadership;
  readonly snapshot: () => ReconcileSnapshot;
  readonly moving: () => boolean;
  readonly logger: Logger;
}

/**
 * Applies the placement rule (src/core/leader-placement.ts) after every reconcile pass: a
 * leader on a node that holds a failover IP resigns the Lease when a Ready replica runs on a
 * node that holds nothing, so one crash never takes out both the holder and the decider. The
 * follower that takes over has been probing and planning all along (warm state); the Lease
 * passes in one retry period (1 s) instead of an expiry (5 s) after the crash.
 */
export class LeaderHandover {
  #resigning = false;

  constructor(private readonly deps: LeaderHandoverDeps) {}

  check(): void {
    const { deps } = this;
    if (this.#resigning || !deps.leadership.isLeader()) return;
    const holders = new Set<string>();
    for (const { memory } of deps.snapshot().failoverIPs) if (memory.assignedNode !== null) holders.add(memory.assignedNode);
    const nodes: readonly NodeFacts[] = deps.cluster.nodes();
    const verdict = leaderPlacement({
      self: deps.self,
      leader: true,
      holders,
      replicaNodes: deps.cluster.nodesWithReadyPods(deps.replicas),
      nodes,
      moving: deps.moving(),
    });
    if (!verdict.handOver) return;
    this.#resigning = true;
    const reason = `the leader runs on ${deps.self}, which holds a failover IP; a ready replica runs on ${verdict.candidates.join(', ')}`;
    deps.logger.info('handing the Lease over', { node: deps.self, candidates: verdict.candidates });
    deps.leadership.resign(reason).then(
      () => {
        this.#resigning = false;
      },
      (error: unknown) => {
        this.#resigning = false;
        deps.logger.warn('handing the Lease over failed', { node: deps.self, err: error });
      },
    );
  }
}
