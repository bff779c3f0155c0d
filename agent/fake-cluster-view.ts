import type { FailoverIPObject, NodeFacts } from '../src/core/model.js';
import type { ClusterChange, ClusterView } from '../src/ports/cluster.js';
import { Listeners } from '../src/listeners.js';

/** A ClusterView the test edits directly; `emit` plays the watch event. */
export class FakeClusterView implements ClusterView {
  private readonly listeners = new Listeners<ClusterChange>();

  constructor(
    public nodeList: NodeFacts[] = [],
    public fipList: FailoverIPObject[] = [],
  ) {}

  nodes(): readonly NodeFacts[] {
    return this.nodeList;
  }

  failoverIPs(): readonly FailoverIPObject[] {
    return this.fipList;
  }

  nodesWithReadyPods(): ReadonlySet<string> {
    return new Set();
  }

  onChange(listener: (change: ClusterChange) => void): () => void {
    return this.listeners.add(listener);
  }

  listenerCount(): number {
    return this.listeners.size;
  }

  emit(change: ClusterChange): void {
    this.listeners.notify(change);
  }
}

/** A Clock whose sleeps end only when the test says so (or on abort). */
export class ManualClock {
  private current: number;
  private readonly sleepers: { until: number; resolve: () => void }[] = [];

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const sleeper = { until: this.current + ms, resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener(
        'abort',
        () => {
          this.sleepers.splice(this.sleepers.indexOf(sleeper), 1);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  /** Moves time forward and wakes every sleeper whose time has come. */
  advance(ms: number): void {
    this.current += ms;
    for (const sleeper of [...this.sleepers]) {
      if (sleeper.until <= this.current) {
        this.sleepers.splice(this.sleepers.indexOf(sleeper), 1);
        sleeper.resolve();
      }
    }
  }

  pendingSleeps(): number {
    return this.sleepers.length;
  }
}
