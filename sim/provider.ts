import type { Engine } from './engine.js';
import type { Timings } from './timings.js';

/**
 * The provider (netcup) as the controllers meet it: its REST API and its token endpoint, one
 * failover IP, one move per IP per window counted from the accepted PATCH (as the emulator
 * does), a routing task that finishes `taskMs` later, and outages. A request reaches the
 * provider half a round trip after it is sent and the answer comes back half a round trip
 * after that.
 *
 * Outages come in two kinds. `5xx`: every request is answered 503 at once. `hang`: the provider
 * accepts the connection and never answers; when the outage ends the connections it held are
 * reset (an assumption, and the kindest one for a client without a timeout: a hung request on
 * a live connection could wait forever). A client's own timeout ends the wait sooner. An outage
 * covers the API, the token endpoint, or both (netcup serves both from www.servercontrolpanel.de).
 * `hang-held` is the what-if without the reset: a request sent into it is never answered.
 */

/** What a controller asks of the provider. `list-servers` is GET /api/v1/servers (netcup-failover-controller's lookup). */
export const API_OPS = ['token', 'list-servers', 'get-routing', 'route', 'poll-task'] as const;
export type ApiOp = (typeof API_OPS)[number];

export type Endpoint = 'api' | 'token' | 'both';
/** `hang-held`: like `hang`, but the held connections are never reset (nothing ever answers them). */
export type OutageKind = '5xx' | 'hang' | 'hang-held';

export interface Outage {
  readonly start: number;
  readonly end: number;
  readonly kind: OutageKind;
  readonly endpoint: Endpoint;
}

/** What the client sees. `reset`: a hung request's connection dropped; `timeout`: the client gave up first. */
export type Answer =
  | { readonly kind: 'ok'; readonly node: string | null; readonly taskDone: boolean }
  | { readonly kind: 'accepted'; readonly finishesAt: number }
  | { readonly kind: 'refused'; readonly retryAfterMs: number }
  | { readonly kind: 'error'; readonly cause: '5xx' | 'reset' | 'timeout' };

export type CallOutcome = 'ok' | 'accepted' | 'refused' | '5xx' | 'hung';

/** One request as the provider saw it (tests read the log; reports count it). */
export interface ApiCall {
  readonly sentAt: number;
  readonly op: ApiOp;
  readonly client: string;
  readonly outcome: CallOutcome;
}

export interface ProviderHooks {
  /** An accepted PATCH (for the tally: moves, flip-flops, moves onto a dead node). */
  onMoveAccepted(from: string, to: string, at: number): void;
  /** The routing task ended: the IP is on its new node. */
  onRoutingChanged(): void;
  /** A request answered 5xx or left hanging. */
  onFailedCall(): void;
  onRefused(): void;
}

const covers = (outage: Outage, op: ApiOp): boolean => outage.endpoint === 'both' || (op === 'token') === (outage.endpoint === 'token');

export class ProviderSim {
  #routed: string;
  #lastAcceptedAt: number | null = null;
  #task: { finishesAt: number } | null = null;
  readonly #outages: Outage[] = [];
  readonly calls: ApiCall[] = [];

  constructor(
    private readonly engine: Engine,
    private readonly timings: Timings,
    initial: string,
    private readonly hooks: ProviderHooks,
  ) {
    this.#routed = initial;
  }

  get routed(): string {
    return this.#routed;
  }

  get lastAcceptedAt(): number | null {
    return this.#lastAcceptedAt;
  }

  addOutage(start: number, end: number, kind: OutageKind = '5xx', endpoint: Endpoint = 'both'): void {
    this.#outages.push({ start, end, kind, endpoint });
  }

  /** The outage covering a request of `op` arriving at `t`, or null. */
  outageAt(t: number, op: ApiOp): Outage | null {
    for (const outage of this.#outages) if (t >= outage.start && t < outage.end && covers(outage, op)) return outage;
    return null;
  }

  /** The end of the API outage covering `t`, or null (the oracle waits for it). */
  outageEnd(t: number): number | null {
    return this.outageAt(t, 'route')?.end ?? null;
  }

  /** When the next move is allowed, or null when it is already. */
  windowEnd(t: number): number | null {
    if (this.#lastAcceptedAt === null) return null;
    const end = this.#lastAcceptedAt + this.timings.providerMoveWindowMs;
    return t < end ? end : null;
  }

  /**
   * One HTTP request. `timeoutMs` is the client's own limit for the answer (null: none, it waits
   * as long as the connection lives). `target` is the server a `route` asks for.
   */
  request(client: string, op: ApiOp, timeoutMs: number | null, callback: (answer: Answer) => void, target?: string): void {
    const { engine } = this;
    const sentAt = engine.now;
    const half = this.timings.apiRoundTripMs / 2;
    let settled = false;
    const settle = (answer: Answer): void => {
      if (settled) return;
      settled = true;
      callback(answer);
    };
    if (timeoutMs !== null) engine.at(sentAt + timeoutMs, () => settle({ kind: 'error', cause: 'timeout' }));
    engine.after(half, () => {
      const now = engine.now;
      const outage = this.outageAt(now, op);
      if (outage !== null) {
        this.hooks.onFailedCall();
        this.calls.push({ sentAt, op, client, outcome: outage.kind === '5xx' ? '5xx' : 'hung' });
        if (outage.kind === '5xx') engine.after(half, () => settle({ kind: 'error', cause: '5xx' }));
        else if (outage.kind === 'hang') engine.at(outage.end + half, () => settle({ kind: 'error', cause: 'reset' }));
        return;
      }
      const answer = this.#serve(op, now, target);
      this.calls.push({ sentAt, op, client, outcome: answer.kind === 'ok' ? 'ok' : answer.kind === 'error' ? '5xx' : answer.kind });
      engine.after(half, () => settle(answer));
    });
  }

  #serve(op: ApiOp, now: number, target: string | undefined): Answer {
    if (op === 'poll-task') return { kind: 'ok', node: this.#routed, taskDone: this.#task === null || now >= this.#task.finishesAt };
    if (op !== 'route') return { kind: 'ok', node: this.#routed, taskDone: true };
    if (target === undefined) throw new Error('route needs a target');
    const windowEnd = this.windowEnd(now);
    if (windowEnd !== null) {
      this.hooks.onRefused();
      return { kind: 'refused', retryAfterMs: Math.ceil((windowEnd - now) / 1000) * 1000 };
    }
    this.#lastAcceptedAt = now;
    const finishesAt = now + this.timings.taskMs;
    const task = { finishesAt };
    this.#task = task;
    this.hooks.onMoveAccepted(this.#routed, target, now);
    this.engine.at(finishesAt, () => {
      this.#routed = target;
      if (this.#task === task) this.#task = null;
      this.hooks.onRoutingChanged();
    });
    return { kind: 'accepted', finishesAt };
  }

  /** When a client that got 202 at `answeredAt` and polls every `pollMs` learns the task ended (no outage in between). */
  taskSeenAt(answeredAt: number, finishesAt: number, pollMs: number): number {
    const polls = Math.max(1, Math.ceil((finishesAt - answeredAt) / pollMs));
    return answeredAt + polls * pollMs + this.timings.apiRoundTripMs;
  }

  /** The calls of one client, per operation (the report's cost table). */
  countCalls(client?: string): Record<ApiOp, number> {
    const counts = Object.fromEntries(API_OPS.map((op) => [op, 0])) as Record<ApiOp, number>;
    for (const call of this.calls) if (client === undefined || call.client === client) counts[call.op]++;
    return counts;
  }
}
