import type { NodeFacts } from '../../src/core/model.js';
import { ReconcileQueue, type ReconcileOutcome } from './reconcile-queue.js';
import type { Answer, ApiOp } from '../provider.js';
import type { Controller, Policy, World } from '../world.js';

/**
 * NiklasBeierl/foip-operator's policy (internal/controller/node_scoring.go): seven boolean issues
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

export const FOIP_CLIENT = 'foip-operator';

/**
 * One reconcile as NiklasBeierl/foip-operator's internal/controller/failoverip_controller.go
 * (Reconcile) and internal/netcup/client.go run it:
 * 1. the credentials Secret, read uncached through the APIReader;
 * 2. `netcup.New` builds a fresh client every reconcile, so FindFailoverIP always starts with a
 *    token refresh (POST to the token endpoint; its in-memory cache never outlives the
 *    reconcile), then GET failoverips/v4?ip=;
 * 3. betterNode, and a status patch of desiredNode when it changes;
 * 4. routed to the desired node already: a status patch, done; else a status patch
 *    (lastSyncAttempt), the PATCH, the task polled every 2 s (it waits before the first poll),
 *    a status patch.
 * Every reconcile that gets that far returns RequeueAfter 24 h (defaultRequeueTime: "keeps the
 * refresh token alive"). Any failure, a 429 included, is returned as an error: controller-runtime
 * backs off per item. Its HTTP client is a plain &http.Client{} and the reconcile's context has
 * no deadline, so a request the provider never answers waits as long as the connection lives.
 */
export class FoipOperatorController implements Controller {
  #desiredNode: string | null;
  #seen: string;
  readonly queue: ReconcileQueue;

  constructor(private readonly world: World) {
    this.#desiredNode = world.provider.routed;
    this.#seen = relevance(world.nodes());
    this.queue = new ReconcileQueue(world.engine, world.timings.reconcileStartMs, (done) => this.#reconcile(done));
  }

  start(): void {
    // Running for a while already: its last 24 h requeue falls somewhere in the first day.
    this.queue.addAfter(Math.floor(this.world.controllerRandom() * this.world.timings.foipRequeueMs));
  }

  onNodes(): void {
    const now = relevance(this.world.nodes());
    if (now === this.#seen) return;
    this.#seen = now;
    this.queue.add();
  }

  #api(op: ApiOp, next: (answer: Answer) => void, target?: string): void {
    this.world.provider.request(FOIP_CLIENT, op, null, next, target);
  }

  #reconcile(done: (outcome: ReconcileOutcome) => void): void {
    const { engine, timings } = this.world;
    const requeue: ReconcileOutcome = { kind: 'ok', requeueAfterMs: timings.foipRequeueMs };
    const error: ReconcileOutcome = { kind: 'error' };
    const withToken = (next: (answer: Answer) => void): void =>
      timings.accessTokenLifetimeMs === 0 ? next({ kind: 'ok', node: null, taskDone: true }) : this.#api('token', next);
    engine.after(timings.kubeCallMs, () =>
      withToken((token) => {
        if (token.kind !== 'ok') return done(error);
        this.#api('get-routing', (routing) => {
          if (routing.kind !== 'ok') return done(error);
          const better = foipBetterNode(this.world.nodes(), this.#desiredNode);
          if (better !== null) this.#desiredNode = better;
          const desired = this.#desiredNode;
          engine.after(better === null ? 0 : timings.kubeCallMs, () => {
            if (desired === null) return done(requeue);
            if (routing.node === desired) return engine.after(timings.kubeCallMs, () => done(requeue));
            engine.after(timings.kubeCallMs, () =>
              this.#api(
                'route',
                (result) => {
                  if (result.kind !== 'accepted') return done(error);
                  this.#poll(() => engine.after(timings.kubeCallMs, () => done(requeue)), done);
                },
                desired,
              ),
            );
          });
        });
      }),
    );
  }

  /** RouteFailoverIP's wait: sleep 2 s, GET the task, until FINISHED; a failed poll is an error. */
  #poll(finished: () => void, done: (outcome: ReconcileOutcome) => void): void {
    this.world.engine.after(this.world.timings.controllerRuntimeTaskPollMs, () =>
      this.#api('poll-task', (task) => {
        if (task.kind !== 'ok') return done({ kind: 'error' });
        if (task.taskDone) return finished();
        this.#poll(finished, done);
      }),
    );
  }
}
