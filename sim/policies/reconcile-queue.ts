import type { Engine } from '../engine.js';

export type ReconcileOutcome = { readonly kind: 'ok'; readonly requeueAfterMs?: number } | { readonly kind: 'error' };

/** controller-runtime's default per-item limiter: 5 ms × 2^failures, at most 1000 s. */
export function controllerRuntimeBackoffMs(failures: number): number {
  return Math.min(5 * 2 ** failures, 1_000_000);
}

/**
 * A controller-runtime work queue holding one item: an add while the item is being reconciled
 * marks it dirty and it runs again afterwards; an error re-adds it after the exponential
 * per-item backoff; success forgets the failures; RequeueAfter re-adds it after that delay.
 */
export class ReconcileQueue {
  #queued = false;
  #processing = false;
  #dirty = false;
  #failures = 0;
  readonly backoffs: number[] = [];

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

  #process(): void {
    this.#queued = false;
    this.#processing = true;
    this.reconcile((outcome) => {
      this.#processing = false;
      if (outcome.kind === 'error') {
        const delay = controllerRuntimeBackoffMs(this.#failures);
        this.#failures++;
        this.backoffs.push(delay);
        this.engine.after(delay, () => this.add());
      } else {
        this.#failures = 0;
        if (outcome.requeueAfterMs !== undefined) this.engine.after(outcome.requeueAfterMs, () => this.add());
      }
      if (this.#dirty) {
        this.#dirty = false;
        this.add();
      }
    });
  }
}
