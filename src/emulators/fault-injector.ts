/** One planned misbehaviour, consumed by the next request that reaches an emulator. */
export type Fault =
  | { readonly kind: 'fail'; readonly status: number }
  | { readonly kind: 'rate-limit'; readonly retryAfterSeconds: number }
  | { readonly kind: 'slow'; readonly ms: number }
  | { readonly kind: 'drop' };

/**
 * The programmatic fault API every emulator exposes (and the conformance suite drives).
 * Faults queue up in the order planned; each request takes at most one.
 */
export interface EmulatorControl {
  failNext(n: number, status: number): void;
  rateLimitNext(retryAfterSeconds: number): void;
  slowNext(ms: number): void;
  dropNext(n: number): void;
  clear(): void;
  /** API requests received so far, faulted ones included. */
  requestCount(): number;
  /** Received requests that would change routing, faulted ones included. */
  mutationCount(): number;
}

/** Bounded so a test that plans "fail forever" cannot grow memory without limit. */
const MAX_QUEUED = 10_000;

export class FaultQueue {
  readonly #queue: Fault[] = [];

  plan(fault: Fault, times = 1): void {
    for (let i = 0; i < times && this.#queue.length < MAX_QUEUED; i++) this.#queue.push(fault);
  }

  take(): Fault | undefined {
    return this.#queue.shift();
  }

  clear(): void {
    this.#queue.length = 0;
  }
}
