import { NETCUP_READ_REUSE_MS } from '../../src/providers/netcup/netcup-provider.js';
import { backoffDelayMs } from '../../src/retry/backoff.js';
import type { Engine } from '../engine.js';
import type { Answer, ApiOp, ProviderSim } from '../provider.js';
import type { Timings } from '../timings.js';

/**
 * ipshift's netcup client as one controller replica runs it, in virtual time:
 * - every request has a deadline (`requestTimeoutMs`, 30 s, src/providers/netcup/netcup-provider.ts)
 *   and the call's own deadline (the move's 5 min, a routing read's 30 s: the AbortSignal
 *   src/reconcile/reconciler.ts passes down) cuts it shorter;
 * - each call is retried as src/retry/with-retry.ts does: transient failures wait the one
 *   full-jitter backoff (500 ms × 2^(n-1), at most 10 s), a 429 waits its Retry-After, at most
 *   6 attempts, never a wait that overruns the 60 s budget;
 * - the access token is cached until 30 s before its 300 s run out (netcup-auth.ts); the first
 *   call after that reads the Secret and refreshes it, itself retried under the same policy,
 *   shared by concurrent callers;
 * - a move is src/providers/netcup route(): the caller's routing read when it is at most
 *   NETCUP_READ_REUSE_MS old (the move's own read; else a fresh one), the PATCH sent once,
 *   an uncertain failure read back before anything is sent again (idempotent-move.ts), then
 *   the task polled every 1.5 s until it ends or 120 s pass.
 */
export type CallResult =
  | { readonly ok: true; readonly answer: Answer }
  | { readonly ok: false; readonly kind: 'transient' | 'rate-limited' | 'aborted'; readonly retryAfterMs?: number };

type Done = (result: CallResult) => void;

export class IpshiftClient {
  #tokenValidUntil = Number.NEGATIVE_INFINITY;
  #refreshWaiters: Array<(ok: boolean) => void> | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly timings: Timings,
    private readonly provider: ProviderSim,
    private readonly random: () => number,
    /** Names the replica in the provider's call log. */
    readonly name: string,
    /** Whether the replica's node reaches the provider now (a powered node with its uplink): else a request waits out its timeout. */
    private readonly reachable: () => boolean = () => true,
  ) {}

  get tokenValidUntil(): number {
    return this.#tokenValidUntil;
  }

  /** withRetry around `attempt`, with the caller's deadline (`abortAt`) over everything. */
  retry(abortAt: number, attempt: (done: Done) => void, done: Done): void {
    const t = this.timings;
    const deadline = this.engine.now + t.ipshiftRetryDeadlineMs;
    const run = (n: number): void => {
      if (this.engine.now >= abortAt) return done({ ok: false, kind: 'aborted' });
      attempt((result) => {
        if (result.ok || result.kind === 'aborted') return done(result);
        if (this.engine.now >= abortAt) return done({ ok: false, kind: 'aborted' });
        if (n >= t.ipshiftRetryAttempts) return done(result);
        const waitMs =
          result.kind === 'rate-limited'
            ? (result.retryAfterMs ?? t.ipshiftRetryMaxMs)
            : backoffDelayMs({ baseDelayMs: t.ipshiftRetryBaseMs, maxDelayMs: t.ipshiftRetryMaxMs }, n, this.random);
        if (this.engine.now + waitMs > deadline) return done(result);
        this.engine.after(waitMs, () => run(n + 1));
      });
    };
    run(1);
  }

  /** One request, no retry: the token first, then the request under its timeout. */
  send(op: ApiOp, abortAt: number, done: Done, target?: string): void {
    this.#authorize(abortAt, (ok) => {
      if (!ok) return done({ ok: false, kind: this.engine.now >= abortAt ? 'aborted' : 'transient' });
      this.#request(op, abortAt, done, target);
    });
  }

  /** A call as createProviderCall makes it: send, retried. */
  call(op: ApiOp, abortAt: number, done: Done): void {
    this.retry(abortAt, (attempt) => this.send(op, abortAt, attempt), done);
  }

  #request(op: ApiOp, abortAt: number, done: Done, target?: string): void {
    const timeoutMs = Math.max(0, Math.min(this.timings.ipshiftRequestTimeoutMs, abortAt - this.engine.now));
    if (!this.reachable()) {
      this.engine.after(timeoutMs, () => done({ ok: false, kind: this.engine.now >= abortAt ? 'aborted' : 'transient' }));
      return;
    }
    this.provider.request(
      this.name,
      op,
      timeoutMs,
      (answer) => {
        if (answer.kind === 'refused') return done({ ok: false, kind: 'rate-limited', retryAfterMs: answer.retryAfterMs });
        if (answer.kind === 'error') return done({ ok: false, kind: this.engine.now >= abortAt ? 'aborted' : 'transient' });
        done({ ok: true, answer });
      },
      target,
    );
  }

  /** netcup-auth.ts current(): a cached token, or one shared refresh (Secret read, then one grant). */
  #authorize(abortAt: number, done: (ok: boolean) => void): void {
    if (this.timings.accessTokenLifetimeMs === 0 || this.engine.now < this.#tokenValidUntil) return done(true);
    if (this.#refreshWaiters !== null) {
      this.#refreshWaiters.push(done);
      return;
    }
    const waiters: Array<(ok: boolean) => void> = [done];
    this.#refreshWaiters = waiters;
    const t = this.timings;
    // One grant, no retry of its own: the call's retry around send() repeats it.
    this.engine.after(t.kubeCallMs, () =>
      this.#request('token', abortAt, (result) => {
        this.#refreshWaiters = null;
        if (result.ok) this.#tokenValidUntil = this.engine.now + t.accessTokenLifetimeMs - Math.min(t.ipshiftTokenMarginMs, t.accessTokenLifetimeMs / 2);
        for (const waiter of waiters) waiter(result.ok);
      }),
    );
  }

  /**
   * netcup route() for one address: read it, or take `recent` (the caller's read, reused when
   * young enough; already on the target: done), then the
   * idempotent move (the PATCH sent once per attempt; after an uncertain failure the routing is
   * read before sending again, a refusal after one waits for the earlier attempt to land), then
   * the task polled to its end. Calls back with the route call's own verdict; the caller reads
   * the routing afterwards either way.
   */
  route(target: string, abortAt: number, done: (result: CallResult) => void, recent?: { readonly answer: Answer; readonly at: number }): void {
    const t = this.timings;
    const read = (cb: Done): void =>
      recent !== undefined && this.engine.now - recent.at <= NETCUP_READ_REUSE_MS
        ? cb({ ok: true, answer: recent.answer })
        : this.call('get-routing', abortAt, cb);
    read((read) => {
      if (!read.ok) return done(read);
      if (read.answer.kind === 'ok' && read.answer.node === target) return done(read);
      let uncertain = false;
      let landed = false;
      const settleUntil = (): number => this.engine.now + Math.min(t.ipshiftTaskDeadlineMs, 10 * t.ipshiftTaskPollMs + 5_000);
      const settled = (until: number, cb: (on: boolean) => void): void =>
        this.call('get-routing', abortAt, (r) => {
          if (r.ok && r.answer.kind === 'ok' && r.answer.node === target) return cb(true);
          if (this.engine.now + t.ipshiftTaskPollMs > until) return cb(false);
          this.engine.after(t.ipshiftTaskPollMs, () => settled(until, cb));
        });
      const attempt = (cb: Done): void => {
        const sendNow = (): void =>
          this.send(
            'route',
            abortAt,
            (sent) => {
              if (sent.ok || sent.kind === 'aborted') return cb(sent);
              if (sent.kind === 'transient') {
                uncertain = true;
                return cb(sent);
              }
              if (!uncertain) return cb(sent);
              settled(settleUntil(), (on) => {
                landed = on;
                cb(on ? { ok: true, answer: { kind: 'ok', node: target, taskDone: true } } : sent);
              });
            },
            target,
          );
        if (!uncertain) return sendNow();
        this.call('get-routing', abortAt, (r) => {
          if (r.ok && r.answer.kind === 'ok' && r.answer.node === target) {
            landed = true;
            return cb(r);
          }
          sendNow();
        });
      };
      this.retry(abortAt, attempt, (accepted) => {
        if (!accepted.ok || landed || accepted.answer.kind !== 'accepted') return done(accepted);
        this.#waitForTask(this.engine.now + t.ipshiftTaskDeadlineMs, abortAt, done);
      });
    });
  }

  /** waitForTask: sleep a poll period, GET the task (retried), until it is done or its deadline. */
  #waitForTask(deadline: number, abortAt: number, done: Done): void {
    const t = this.timings;
    if (this.engine.now + t.ipshiftTaskPollMs > deadline) return done({ ok: false, kind: 'transient' });
    this.engine.after(t.ipshiftTaskPollMs, () =>
      this.call('poll-task', abortAt, (polled) => {
        if (!polled.ok) return done(polled);
        if (polled.answer.kind === 'ok' && polled.answer.taskDone) return done(polled);
        this.#waitForTask(deadline, abortAt, done);
      }),
    );
  }
}
