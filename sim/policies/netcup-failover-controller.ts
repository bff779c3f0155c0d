import type { NodeFacts } from '../../src/core/model.js';
import { ReconcileQueue, type ReconcileOutcome } from './reconcile-queue.js';
import type { Controller, Policy, World } from '../world.js';

/** Go's hash/fnv New32a. */
export function fnv32a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * digilolnet/netcup-failover-controller's placement (reference/providers.md §2.3–2.4): eligible
 * means Ready=True; the current node stays while eligible (and routed); otherwise the pick is
 * pool[fnv32a(resource name) % len(pool)] over the eligible nodes sorted by name, minus nodes
 * holding another group (none here: one failover IP).
 */
export function netcupPick(
  nodes: readonly NodeFacts[],
  resourceName: string,
  current: string | null,
  routed: boolean,
  heldByOthers: ReadonlySet<string> = new Set(),
): { target: string | null; stay: boolean } {
  const eligible = nodes
    .filter((n) => n.conditions['Ready'] === 'True')
    .map((n) => n.name)
    .sort();
  if (current !== null && eligible.includes(current)) return { target: current, stay: routed };
  if (eligible.length === 0) return { target: null, stay: true };
  const free = eligible.filter((n) => !heldByOthers.has(n));
  const pool = free.length > 0 ? free : eligible;
  return { target: pool[fnv32a(resourceName) % pool.length] as string, stay: false };
}

const readiness = (nodes: readonly NodeFacts[]): string => nodes.map((n) => `${n.name}:${n.conditions['Ready'] === 'True' ? 1 : 0}`).join('|');

export function netcupControllerPolicy(resourceName: string): Policy {
  return { name: 'netcup-failover-controller', usesAlerts: false, create: (world) => new NetcupController(world, resourceName) };
}

const RATE_LIMIT_REQUEUE_MS = 5 * 60_000;

class NetcupController implements Controller {
  #currentNode: string | null;
  #routed = true;
  #seen: string;
  readonly #queue: ReconcileQueue;

  constructor(
    private readonly world: World,
    private readonly resourceName: string,
  ) {
    this.#currentNode = world.provider.routed;
    this.#seen = readiness(world.nodes());
    this.#queue = new ReconcileQueue(world.engine, world.timings.reconcileStartMs, (done) => this.#reconcile(done));
  }

  start(): void {}

  onNodes(): void {
    const now = readiness(this.world.nodes());
    if (now === this.#seen) return;
    this.#seen = now;
    this.#queue.add();
  }

  #reconcile(done: (outcome: ReconcileOutcome) => void): void {
    const { provider, engine, timings } = this.world;
    const pick = netcupPick(this.world.nodes(), this.resourceName, this.#currentNode, this.#routed);
    if (pick.stay || pick.target === null) return done({ kind: 'ok' });
    const target = pick.target;
    // Recorded before the API call, so requeues keep the same target.
    this.#currentNode = target;
    this.#routed = false;
    engine.after(timings.statusPatchMs, () =>
      provider.getRouting((routing) => {
        if (!routing.ok) return done({ kind: 'error' });
        if (routing.node === target) {
          this.#routed = true;
          return done({ kind: 'ok' });
        }
        provider.route(target, (result) => {
          if (result.kind === 'refused') return done({ kind: 'ok', requeueAfterMs: RATE_LIMIT_REQUEUE_MS });
          if (result.kind === 'error') return done({ kind: 'error' });
          engine.at(provider.taskSeenAt(engine.now, result.finishesAt, timings.controllerRuntimeTaskPollMs), () => {
            this.#routed = true;
            done({ kind: 'ok' });
          });
        });
      }),
    );
  }
}
