import type { Engine } from '../engine.js';

export type ReconcileOutcome = { readonly kind: 'ok'; readonly requeueAfterMs?: number } | { readonly kind: 'error' };

/** controller-runtime's default per-item limiter: 5 ms × 2^failures, at most 1000 s. */
export function controllerRuntimeBackoffMs(failures: number): number {
  return Math.min(5 * 2 ** failures, 1_000_000);
}

/**
 * A controller-runtime work queue holding one item (client-go's workqueue under
 * controller-runtime's reconcileHandler): an add while the item is being reconciled marks it
 * dirty and it runs again right afterwards; an error re-adds it after the exponential per-item
 * backoff (AddRateLimited); success forgets the failures; RequeueAfter re-adds it after that
 * delay. Delayed adds are one entry per item: a later AddAfter for an item already waiting
 * keeps the earlier time (client-go's delaying queue only moves a ready time forward).
 */
export class ReconcileQueue {
  #queued = false;
  #processing = false;
  #dirty = false;
  #failures = 0;
  #waitingUntil: number | null = null;
  readonly backoffs: number[] = [];
  /** When each reconcile started (tests read it). */
  readonly starts: number[] = [];

  constructor(
    private readonly engine: Engine,
    private readonly startMs: number,
    private readonly reconcile: (done: (outcome: ReconcileOutcome) => void) => void,
  ) {}

  add(): void {
    if (this.#processing) {
      this.#dirty = true;
      return;
    }
    if (this.#queued) return;
    this.#queued = true;
    this.engine.after(this.startMs, () => this.#process());
  }

  addAfter(delayMs: number): void {
    const at = this.engine.now + delayMs;
    if (this.#waitingUntil !== null && this.#waitingUntil <= at) return;
    this.#waitingUntil = at;
    this.engine.at(at, () => {
      if (this.#waitingUntil !== at) return;
      this.#waitingUntil = null;
      this.add();
    });
  }

  #process(): void {
    this.#queued = false;
    this.#processing = true;
    this.starts.push(this.engine.now);
    this.reconcile((outcome) => {
      this.#processing = false;
      if (outcome.kind === 'error') {
        const delay = controllerRuntimeBackoffMs(this.#failures);
        this.#failures++;
        this.backoffs.push(delay);
        this.addAfter(delay);
      } else {
        this.#failures = 0;
        if (outcome.requeueAfterMs !== undefined) this.addAfter(outcome.requeueAfterMs);
      }
      if (this.#dirty) {
        this.#dirty = false;
        this.add();
      }
    });
  }
}
