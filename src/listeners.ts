/**
 * The subscribers behind a port's `onChange`: each is told in turn, over a copy of the set (one
 * that unsubscribes meanwhile skips no other). With `onError`, a listener that throws is reported
 * there and the rest are still told (a watch callback must not die of a listener); without it
 * the throw surfaces, as in-memory fakes want.
 */
export class Listeners<T> {
  readonly #listeners = new Set<(value: T) => void>();

  constructor(private readonly onError?: (error: unknown, value: T) => void) {}

  /** Subscribes `listener`; the answer unsubscribes it. */
  add(listener: (value: T) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  notify(value: T): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(value);
      } catch (error) {
        if (this.onError === undefined) throw error;
        this.onError(error, value);
      }
    }
  }

  get size(): number {
    return this.#listeners.size;
  }
}
