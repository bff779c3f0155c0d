import type { Logger } from '../ports/logger.js';

export interface RunLoopOptions {
  /** One reconcile; `signalAt` is when the oldest request coalesced into this run was made. */
  readonly run: (signalAt: number) => Promise<void>;
  readonly now: () => number;
  readonly logger: Logger;
  /** Requests within this window become one run (an alert storm is one reconcile). */
  readonly debounceMs?: number;
  /** Work a run started beside itself (provider reads); idle() waits for it too. */
  readonly background?: () => Promise<void>;
}

/**
 * Level-triggered scheduling: every signal only asks for a run. Runs never overlap; requests
 * made during a run coalesce into exactly one follow-up run; `runAt` wakes the loop at a
 * moment a decision is waiting for (cooldown or grace end).
 */
export class RunLoop {
  readonly #options: RunLoopOptions;
  #pendingSince: number | null = null;
  #running: Promise<void> | null = null;
  #debounce: NodeJS.Timeout | null = null;
  #wakeups = new Map<number, NodeJS.Timeout>();
  #stopped = false;
  /** When the run in progress started (now() time); null while idle. */
  #runStartedAt: number | null = null;

  constructor(options: RunLoopOptions) {
    this.#options = options;
  }

  request(_reason: string): void {
    if (this.#stopped) return;
    this.#pendingSince ??= this.#options.now();
    if (this.#running !== null || this.#debounce !== null) return;
    this.#debounce = setTimeout(() => {
      this.#debounce = null;
      this.#start();
    }, this.#options.debounceMs ?? 5);
  }

  /** Asks for a run at `at` (epoch ms). Wakeups for the same moment are merged. */
  runAt(at: number): void {
    if (this.#stopped || this.#wakeups.has(at)) return;
    const delay = Math.max(0, at - this.#options.now());
    // setTimeout clamps above 2^31-1 ms; a far wakeup is re-armed by the periodic poll anyway.
    if (delay > 2_000_000_000) return;
    const timer = setTimeout(() => {
      this.#wakeups.delete(at);
      this.request('timer');
    }, delay);
    this.#wakeups.set(at, timer);
  }

  /**
   * How long the run in progress has been running (0 while idle). Every call a run makes has a
   * deadline, so a run far beyond them is wedged: liveness reports it and a leader hands over (app.ts).
   */
  runningFor(): number {
    return this.#runStartedAt === null ? 0 : Math.max(0, this.#options.now() - this.#runStartedAt);
  }

  /** Resolves when no run is in progress, none is pending, and the runs' background work is done. */
  async idle(): Promise<void> {
    for (;;) {
      while (this.#running !== null || this.#debounce !== null) {
        await (this.#running ?? new Promise((resolve) => setTimeout(resolve, (this.#options.debounceMs ?? 5) + 1)));
      }
      await this.#options.background?.();
      if (this.#running === null && this.#debounce === null) return;
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#debounce !== null) clearTimeout(this.#debounce);
    this.#debounce = null;
    for (const timer of this.#wakeups.values()) clearTimeout(timer);
    this.#wakeups.clear();
    await this.#running;
  }

  #start(): void {
    if (this.#pendingSince === null || this.#stopped) return;
    const signalAt = this.#pendingSince;
    this.#pendingSince = null;
    this.#runStartedAt = this.#options.now();
    this.#running = this.#options
      .run(signalAt)
      .catch((error: unknown) => this.#options.logger.error('reconcile failed', { err: error }))
      .finally(() => {
        this.#running = null;
        this.#runStartedAt = null;
        if (this.#pendingSince !== null) this.#start();
      });
  }
}
