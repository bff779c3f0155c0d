import type { Clock } from '../ports/clock.js';
import { pollAction } from './poll-action.js';

/** A clock whose sleeps pass at once, moving its time on by the time slept. */
function steppingClock(): Clock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: (ms, signal) => {
      if (signal?.aborted) return Promise.reject(new Error('aborted'));
      slept.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

describe('pollAction', () => {
  const options = (clock: Clock, doneAfter: number, extra: { signal?: AbortSignal } = {}) => ({
    what: 'test action 7',
    clock,
    intervalMs: 100,
    timeoutMs: 350,
    running: (polls: number) => polls < doneAfter,
    fetch: (polls: number) => Promise.resolve(polls + 1),
    ...extra,
  });

  it('polls at the interval until the action leaves its running state', async () => {
    const clock = steppingClock();
    expect(await pollAction(0, options(clock, 3))).toBe(3);
    expect(clock.slept).toEqual([100, 100, 100]);
  });

  it('gives up, transient, rather than sleep past the time limit', async () => {
    const clock = steppingClock();
    await expect(pollAction(0, options(clock, 10))).rejects.toMatchObject({ kind: 'transient', code: 'action-timeout' });
    expect(clock.slept).toEqual([100, 100, 100]);
  });

  it('stops when its signal is aborted', async () => {
    const clock = steppingClock();
    await expect(pollAction(0, options(clock, 10, { signal: AbortSignal.abort() }))).rejects.toMatchObject({ code: 'aborted' });
  });
});
