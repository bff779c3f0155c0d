import type { NodeFacts } from '../../src/core/model.js';
import { ReconcileQueue, type ReconcileOutcome } from './reconcile-queue.js';
import type { Answer, ApiOp } from '../provider.js';
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
 * digilolnet/netcup-failover-controller's placement (internal/controller/nodes.go): eligible
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

export const NETCUP_CONTROLLER_CLIENT = 'netcup-failover-controller';

interface Condition {
  readonly status: 'True' | 'False';
  readonly reason: string;
  readonly message: string;
}

/**
 * One reconcile as digilolnet/netcup-failover-controller runs it (internal/controller/
 * failoverip_controller.go Reconcile, internal/netcup/routing.go and client.go at 49d0f07, with
 * go-netcup-scp v0.1's pkg/scp/auth/auth.go and pkg/scp/client.go):
 * 1. stay when the current node is still eligible (Ready) and the Routed condition is True;
 * 2. the credentials Secret, read uncached (the manager's cache is disabled for Secrets);
 * 3. a session from the Secret's token JSON: its access token counts until obtained_at + 300 s,
 *    so after a calm stretch the first request refreshes it (POST to the token endpoint under the
 *    auth manager's 30 s client timeout) and writes the new token back to the Secret (a GET and
 *    an Update) before that request is sent;
 * 4. GET /api/v1/servers (ServerIDsByName: the account's servers by name, on every reconcile that
 *    routes), the pick (nodes.go), the target recorded in status before routing (Routing);
 * 5. EnsureRouted: GET failoverips/v4, the PATCH, the task polled every 2 s for at most 2 min.
 * A 429 on the PATCH (IsRateLimited: "unexpected status code: 429" in the error text) returns
 * RequeueAfter 5 min, a fixed delay: the Retry-After header is never read. Every other failure
 * is returned as an error (controller-runtime's per-item backoff). Each status write that changes
 * the Routed condition is an update event of the watched object (For() has no predicate), so the
 * item runs once more right after: a 429 is followed by a second PATCH at once, refused too.
 * The SCP API client has no timeout (http.Client without Timeout, no reconcile deadline): a
 * request the provider never answers waits as long as the connection lives.
 */
export class NetcupController implements Controller {
  #currentNode: string | null;
  #condition: Condition = { status: 'True', reason: 'NodeSelected', message: 'routed' };
  /** obtained_at of the token JSON in the Secret: long ago, the controller has been idle. */
  #storedTokenAt = Number.NEGATIVE_INFINITY;
  #seen: string;
  readonly queue: ReconcileQueue;

  constructor(
    private readonly world: World,
    private readonly resourceName: string,
  ) {
    this.#currentNode = world.provider.routed;
    this.#seen = readiness(world.nodes());
    this.queue = new ReconcileQueue(world.engine, world.timings.reconcileStartMs, (done) => this.#reconcile(done));
  }

  start(): void {}

  onNodes(): void {
    const now = readiness(this.world.nodes());
    if (now === this.#seen) return;
    this.#seen = now;
    this.queue.add();
  }

  /** setCondition: a status Update; a changed condition comes back as a watch event. */
  #setCondition(condition: Condition, next: () => void): void {
    const { engine, timings } = this.world;
    const changed = condition.status !== this.#condition.status || condition.reason !== this.#condition.reason || condition.message !== this.#condition.message;
    this.#condition = condition;
    engine.after(timings.kubeCallMs, () => {
      if (changed) engine.after(timings.watchMs, () => this.queue.add());
      next();
    });
  }

  #reconcile(done: (outcome: ReconcileOutcome) => void): void {
    const { engine, timings } = this.world;
    const eligible = this.world.nodes().filter((n) => n.conditions['Ready'] === 'True');
    if (eligible.length === 0)
      return this.#setCondition({ status: 'False', reason: 'NoEligibleNodes', message: 'no healthy nodes' }, () => done({ kind: 'ok' }));
    const current = this.#currentNode;
    if (current !== null && eligible.some((n) => n.name === current) && this.#condition.status === 'True') return done({ kind: 'ok' });
    const fail = (reason: string, cause: string): void => this.#setCondition({ status: 'False', reason, message: cause }, () => done({ kind: 'error' }));
    // The session's token, loaded from the Secret; refreshed on demand (single-flight) and persisted.
    let tokenAt = this.#storedTokenAt;
    const api = (op: ApiOp, next: (answer: Answer) => void, target?: string): void => {
      const send = (): void => this.world.provider.request(NETCUP_CONTROLLER_CLIENT, op, null, next, target);
      if (timings.accessTokenLifetimeMs === 0 || engine.now < tokenAt + timings.accessTokenLifetimeMs) return send();
      this.world.provider.request(NETCUP_CONTROLLER_CLIENT, 'token', timings.netcupControllerTokenTimeoutMs, (token) => {
        if (token.kind !== 'ok') return next({ kind: 'error', cause: token.kind === 'error' ? token.cause : '5xx' });
        tokenAt = engine.now;
        this.#storedTokenAt = tokenAt;
        // persistToken: Get + Update of the Secret, inside the refresh, before the request goes out.
        engine.after(2 * timings.kubeCallMs, send);
      });
    };
    engine.after(timings.kubeCallMs, () =>
      api('list-servers', (servers) => {
        if (servers.kind !== 'ok') return fail('ServerLookupError', servers.kind === 'error' ? servers.cause : servers.kind);
        const pick = netcupPick(this.world.nodes(), this.resourceName, this.#currentNode, this.#condition.status === 'True');
        const target = pick.target;
        if (target === null) return done({ kind: 'ok' });
        const route = (): void =>
          api('get-routing', (listed) => {
            if (listed.kind !== 'ok') return fail('RoutingFailed', listed.kind === 'error' ? listed.cause : listed.kind);
            if (listed.node === target) return this.#setCondition({ status: 'True', reason: 'NodeSelected', message: target }, () => done({ kind: 'ok' }));
            api(
              'route',
              (result) => {
                if (result.kind === 'refused') {
                  return this.#setCondition({ status: 'False', reason: 'RateLimited', message: 'waiting out the rate limit' }, () =>
                    done({ kind: 'ok', requeueAfterMs: timings.netcupControllerRateLimitRequeueMs }),
                  );
                }
                if (result.kind !== 'accepted') return fail('RoutingFailed', result.kind === 'error' ? result.cause : result.kind);
                this.#waitTask(engine.now + timings.netcupControllerTaskTimeoutMs, api, target, done, fail);
              },
              target,
            );
          });
        // Record the target before routing, so requeues keep it.
        if (this.#currentNode !== target) {
          this.#currentNode = target;
          return this.#setCondition({ status: 'False', reason: 'Routing', message: target }, route);
        }
        route();
      }),
    );
  }

  /** waitTask: the 202's task is running; sleep 2 s, GET it, until FINISHED or 2 min after the start. */
  #waitTask(
    deadline: number,
    api: (op: ApiOp, next: (answer: Answer) => void) => void,
    target: string,
    done: (outcome: ReconcileOutcome) => void,
    fail: (reason: string, cause: string) => void,
  ): void {
    const { engine, timings } = this.world;
    if (engine.now > deadline) return fail('RoutingFailed', 'task still running');
    engine.after(timings.controllerRuntimeTaskPollMs, () =>
      api('poll-task', (task) => {
        if (task.kind !== 'ok') return fail('RoutingFailed', task.kind === 'error' ? task.cause : task.kind);
        if (task.taskDone) return this.#setCondition({ status: 'True', reason: 'NodeSelected', message: target }, () => done({ kind: 'ok' }));
        this.#waitTask(deadline, api, target, done, fail);
      }),
    );
  }
}
