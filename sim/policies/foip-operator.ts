import type { NodeFacts } from '../../src/core/model.js';
import { ReconcileQueue } from './reconcile-queue.js';
import type { Controller, Policy, World } from '../world.js';

/**
 * NiklasBeierl/foip-operator's policy (reference/providers.md §1.5–1.6): seven boolean issues
 * compared lexicographically, most severe first, then the name; a move only when the best
 * node's issues differ from the current one's ("strictly healthier"); Kubernetes conditions
 * only; the 5-minute limit is not handled: a refused PATCH is an error and controller-runtime
 * retries it with its backoff.
 */
export const FOIP_ISSUES = [
  'NetworkUnavailable=True',
  'Ready=False',
  'Ready=Unknown',
  'unschedulable',
  'PIDPressure=True',
  'MemoryPressure=True',
  'DiskPressure=True',
] as const;

/** A missing condition counts as no issue (the operator's conditionIs). */
export function foipIssues(node: NodeFacts): boolean[] {
  const c = node.conditions;
  return [
    c['NetworkUnavailable'] === 'True',
    c['Ready'] === 'False',
    c['Ready'] === 'Unknown',
    node.unschedulable,
    c['PIDPressure'] === 'True',
    c['MemoryPressure'] === 'True',
    c['DiskPressure'] === 'True',
  ];
}

function worseThan(a: NodeFacts, b: NodeFacts): boolean {
  const ia = foipIssues(a);
  const ib = foipIssues(b);
  for (let i = 0; i < ia.length; i++) if (ia[i] !== ib[i]) return ia[i] === true;
  return a.name > b.name;
}

const sameIssues = (a: NodeFacts, b: NodeFacts): boolean => foipIssues(a).every((v, i) => v === foipIssues(b)[i]);

/** betterNode(candidates, current): the node to switch to, or null to stay. */
export function foipBetterNode(candidates: readonly NodeFacts[], current: string | null): string | null {
  let best: NodeFacts | null = null;
  for (const node of candidates) if (best === null || worseThan(best, node)) best = node;
  if (best === null) return null;
  if (current === null) return best.name;
  const holder = candidates.find((n) => n.name === current);
  if (holder !== undefined && sameIssues(best, holder)) return null;
  return best.name;
}

/** The Node update predicate: only the True/Unknown-ness of these conditions and unschedulable. */
function relevance(nodes: readonly NodeFacts[]): string {
  return nodes
    .map((n) => {
      const c = n.conditions;
      const flag = (type: string): string => (c[type] === 'True' ? 'T' : c[type] === 'Unknown' ? 'U' : '-');
      return `${n.name}:${flag('NetworkUnavailable')}${flag('Ready')}${flag('PIDPressure')}${flag('MemoryPressure')}${flag('DiskPressure')}${n.unschedulable ? 'S' : '-'}`;
    })
    .join('|');
}

export const foipOperatorPolicy: Policy = { name: 'foip-operator', usesAlerts: false, create: (world) => new FoipOperatorController(world) };

class FoipOperatorController implements Controller {
  #desiredNode: string | null;
  #seen: string;
  readonly #queue: ReconcileQueue;

  constructor(private readonly world: World) {
    this.#desiredNode = world.provider.routed;
    this.#seen = relevance(world.nodes());
    this.#queue = new ReconcileQueue(world.engine, world.timings.reconcileStartMs, (done) => this.#reconcile(done));
  }

  start(): void {}

  onNodes(): void {
    const now = relevance(this.world.nodes());
    if (now === this.#seen) return;
    this.#seen = now;
    this.#queue.add();
  }

  #reconcile(done: (outcome: { kind: 'ok' } | { kind: 'error' }) => void): void {
    const { provider, engine, timings } = this.world;
    provider.getRouting((routing) => {
      if (!routing.ok) return done({ kind: 'error' });
      const better = foipBetterNode(this.world.nodes(), this.#desiredNode);
      const patch = better === null ? 0 : timings.statusPatchMs;
      if (better !== null) this.#desiredNode = better;
      const desired = this.#desiredNode;
      engine.after(patch, () => {
        if (desired === null || routing.node === desired) return done({ kind: 'ok' });
        engine.after(timings.statusPatchMs, () =>
          provider.route(desired, (result) => {
            if (result.kind !== 'accepted') return done({ kind: 'error' });
            engine.at(provider.taskSeenAt(engine.now, result.finishesAt, timings.controllerRuntimeTaskPollMs), () => done({ kind: 'ok' }));
          }),
        );
      });
    });
  }
}
