import type { NodeFacts } from './model.js';

export interface PlacementInput {
  /** The node this replica runs on (NODE_NAME); unknown, nothing is decided. */
  readonly self: string | null;
  readonly leader: boolean;
  /** Nodes a failover IP is assigned to or on its way to. */
  readonly holders: ReadonlySet<string>;
  /** Nodes running a Ready controller replica (this one included). */
  readonly replicaNodes: ReadonlySet<string>;
  readonly nodes: readonly NodeFacts[];
  /** A move is in flight: never hand over in the middle of one. */
  readonly moving: boolean;
}

export type PlacementVerdict = { readonly handOver: false } | { readonly handOver: true; readonly candidates: readonly string[] };

/**
 * Where the deciding replica should run. A leader on a node that holds a failover IP dies
 * with it when that node crashes: the IP then waits for the Lease to expire (5 s) before
 * anyone acts. So a leader on a holder hands the Lease over when a Ready replica runs on a
 * Ready node that holds nothing; with no such replica it keeps leading (a leader on the holder
 * is better than none). The candidates are the nodes such replicas run on, in name order.
 */
export function leaderPlacement(input: PlacementInput): PlacementVerdict {
  const { self } = input;
  if (!input.leader || self === null || input.moving || !input.holders.has(self)) return { handOver: false };
  const ready = new Set(input.nodes.filter((n) => n.conditions['Ready'] === 'True').map((n) => n.name));
  const candidates = [...input.replicaNodes].filter((node) => node !== self && !input.holders.has(node) && ready.has(node)).sort();
  return candidates.length === 0 ? { handOver: false } : { handOver: true, candidates };
}
