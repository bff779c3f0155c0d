import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The one fault layer in front of every provider emulator (netcup with its token endpoint,
 * Hetzner Cloud, Hetzner Robot, DigitalOcean). A planned fault is consumed by the next request
 * it targets and makes the emulator fail the way a real API or network does:
 *
 * - `fail`: an HTTP error in the provider's own shape (5xx, 401, 403, ...); nothing is done.
 * - `rate-limit`: a 429 (or the provider's equivalent) asking to wait `retryAfterSeconds`.
 * - `slow`: the request waits `ms`, then is processed and answered if the client still waits
 *   (a slow token endpoint; a client that gave up earlier changed nothing).
 * - `hang`: never answered while the emulator runs (the client's deadline must end it).
 * - `reset`: the connection is closed before anything is processed.
 * - `lose-answer`: the request IS processed (a move is accepted), then the connection is closed
 *   without an answer: the client cannot tell this from a reset.
 */
export type Fault =
  | { readonly kind: 'fail'; readonly status: number }
  | { readonly kind: 'rate-limit'; readonly retryAfterSeconds: number }
  | { readonly kind: 'slow'; readonly ms: number }
  | { readonly kind: 'hang' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'lose-answer' };

/**
 * Which requests a fault hits: `api` any provider API request, `mutation` only requests that
 * change routing, `token` only the OAuth token endpoint (netcup), `any` whatever comes next.
 */
export type FaultTarget = 'api' | 'mutation' | 'token' | 'any';

/** The programmatic fault API every emulator exposes and the conformance suite drives. */
export interface EmulatorControl {
  /** The next `count` targeted requests answer `status` (default 503) without doing anything. */
  failNext(count: number, status?: number, target?: FaultTarget): void;
  /** The next targeted request is refused as rate-limited, asking to wait `retryAfterSeconds`. */
  rateLimitNext(retryAfterSeconds: number, target?: FaultTarget): void;
  /** The next `count` targeted requests are answered only after `ms`. */
  slowNext(ms: number, count?: number, target?: FaultTarget): void;
  /** The next `count` targeted requests are never answered. */
  hangNext(count?: number, target?: FaultTarget): void;
  /** The next `count` targeted requests get their connection closed before being processed. */
  resetNext(count?: number, target?: FaultTarget): void;
  /** The next `count` targeted requests are processed, then their connection is closed unanswered. */
  loseAnswerNext(count?: number, target?: FaultTarget): void;
  clear(): void;
  /** API requests received so far, faulted ones included (token endpoint not counted). */
  requestCount(): number;
  /** Received requests that would change routing, faulted ones included. */
  mutationCount(): number;
}

interface Planned {
  readonly fault: Fault;
  readonly target: FaultTarget;
  remaining: number;
}

/** What one request is, for matching a fault's target. */
export interface FaultSubject {
  readonly token: boolean;
  readonly mutation: boolean;
}

/** Bounded so a test that plans "fail forever" cannot grow memory without limit. */
const MAX_PLANNED = 10_000;

function matches(target: FaultTarget, subject: FaultSubject): boolean {
  switch (target) {
    case 'any':
      return true;
    case 'token':
      return subject.token;
    case 'api':
      return !subject.token;
    case 'mutation':
      return !subject.token && subject.mutation;
  }
}

/** How an emulator answers and processes one request; the layer decides when and whether. */
export interface FaultedExchange<R> {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  /** Does the request's work and returns the answer (without sending it). */
  process(): Promise<R>;
  send(reply: R): void;
  /** The provider's own error answer for an injected status. */
  failReply(status: number): R;
  /** The provider's own rate-limit answer. */
  rateLimitReply(retryAfterSeconds: number): R;
}

export class FaultLayer {
  readonly #planned: Planned[] = [];
  readonly #waiting = new Set<() => void>();
  #closed = false;

  plan(fault: Fault, count = 1, target: FaultTarget = 'api'): void {
    const room = MAX_PLANNED - this.#planned.length;
    if (count > 0 && room > 0) this.#planned.push({ fault, target, remaining: Math.min(count, MAX_PLANNED) });
  }

  take(subject: FaultSubject): Fault | undefined {
    const index = this.#planned.findIndex((entry) => matches(entry.target, subject));
    const entry = this.#planned[index];
    if (entry === undefined) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.#planned.splice(index, 1);
    return entry.fault;
  }

  clear(): void {
    this.#planned.length = 0;
  }

  /** The control methods every emulator exposes, over this layer. */
  control(counts: { requestCount(): number; mutationCount(): number }): EmulatorControl {
    return {
      failNext: (count, status = 503, target) => this.plan({ kind: 'fail', status }, count, target),
      rateLimitNext: (retryAfterSeconds, target) => this.plan({ kind: 'rate-limit', retryAfterSeconds }, 1, target),
      slowNext: (ms, count = 1, target) => this.plan({ kind: 'slow', ms }, count, target),
      hangNext: (count = 1, target) => this.plan({ kind: 'hang' }, count, target),
      resetNext: (count = 1, target) => this.plan({ kind: 'reset' }, count, target),
      loseAnswerNext: (count = 1, target) => this.plan({ kind: 'lose-answer' }, count, target),
      clear: () => this.clear(),
      requestCount: counts.requestCount,
      mutationCount: counts.mutationCount,
    };
  }

  /** Serves one request through `fault` (none: normally). */
  async serve<R>(fault: Fault | undefined, exchange: FaultedExchange<R>): Promise<void> {
    const { request, response } = exchange;
    switch (fault?.kind) {
      case undefined:
        exchange.send(await exchange.process());
        return;
      case 'fail':
        exchange.send(exchange.failReply(fault.status));
        return;
      case 'rate-limit':
        exchange.send(exchange.rateLimitReply(fault.retryAfterSeconds));
        return;
      case 'reset':
        request.socket.destroy();
        return;
      case 'hang':
        await this.#wait(undefined);
        if (!response.destroyed) request.socket.destroy();
        return;
      case 'slow':
        await this.#wait(fault.ms);
        if (!response.destroyed && !this.#closed) exchange.send(await exchange.process());
        return;
      case 'lose-answer':
        await exchange.process();
        request.socket.destroy();
        return;
    }
  }

  /** Ends every pending hang and slow answer (emulator shutdown). */
  close(): void {
    this.#closed = true;
    for (const finish of this.#waiting) finish();
    this.#waiting.clear();
  }

  #wait(ms: number | undefined): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const finish = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        this.#waiting.delete(finish);
        resolve();
      };
      const timer = ms === undefined ? undefined : setTimeout(finish, ms);
      this.#waiting.add(finish);
    });
  }
}
