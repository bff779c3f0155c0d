/**
 * A discrete-event engine in virtual time (milliseconds). Nothing sleeps: `run` pops events in
 * (time, insertion) order, so two events at the same moment run in the order they were scheduled
 * and a run is a pure function of its inputs and seed.
 */
export type Action = () => void;

interface Entry {
  readonly at: number;
  readonly seq: number;
  readonly action: Action;
}

export class Engine {
  #now = 0;
  #seq = 0;
  #heap: Entry[] = [];
  #processed = 0;

  constructor(start = 0) {
    this.#now = start;
  }

  get now(): number {
    return this.#now;
  }

  /** Events run so far (for the runtime report). */
  get processed(): number {
    return this.#processed;
  }

  /** Runs `action` at `at`; a moment in the past means "now, after what is already due". */
  at(at: number, action: Action): void {
    const entry: Entry = { at: Math.max(at, this.#now), seq: this.#seq++, action };
    const heap = this.#heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(entry, heap[parent] as Entry)) break;
      heap[i] = heap[parent] as Entry;
      i = parent;
    }
    heap[i] = entry;
  }

  after(delay: number, action: Action): void {
    this.at(this.#now + delay, action);
  }

  /** Runs every event due up to and including `until`, then leaves the clock at `until`. */
  run(until: number): void {
    const heap = this.#heap;
    while (heap.length > 0 && (heap[0] as Entry).at <= until) {
      const next = this.#pop();
      this.#now = next.at;
      this.#processed++;
      next.action();
    }
    this.#now = Math.max(this.#now, until);
  }

  #pop(): Entry {
    const heap = this.#heap;
    const top = heap[0] as Entry;
    const last = heap.pop() as Entry;
    if (heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right] as Entry, heap[left] as Entry) ? right : left;
      if (!before(heap[child] as Entry, last)) break;
      heap[i] = heap[child] as Entry;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

const before = (a: Entry, b: Entry): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/** The first tick of a periodic schedule (period, phase) at or after `t`. */
export function nextTick(t: number, period: number, phase: number): number {
  return phase + Math.ceil((t - phase) / period) * period;
}

/** The last tick of a periodic schedule at or before `t`. */
export function previousTick(t: number, period: number, phase: number): number {
  return phase + Math.floor((t - phase) / period) * period;
}
