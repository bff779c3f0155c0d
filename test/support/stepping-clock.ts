import type { Clock } from '../../src/ports/clock.js';

/** A clock whose sleeps pass at once, moving its time on by the time slept and recording each, so waits are checked exactly. */
export function steppingClock(start = 1_000_000): Clock & { sleeps: number[] } {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: (ms, signal) => {
      if (signal?.aborted) return Promise.reject(signal.reason);
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}
