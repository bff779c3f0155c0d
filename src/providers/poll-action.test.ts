import type { Clock } from '../ports/clock.js';
import { steppingClock } from '../../test/support/stepping-clock.js';
import { pollAction } from './poll-action.js';

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
    expect(clock.sleeps).toEqual([100, 100, 100]);
  });

  it('gives up, transient, rather than sleep past the time limit', async () => {
    const clock = steppingClock();
    await expect(pollAction(0, options(clock, 10))).rejects.toMatchObject({ kind: 'transient', code: 'action-timeout' });
    expect(clock.sleeps).toEqual([100, 100, 100]);
  });

  it('stops when its signal is aborted', async () => {
    const clock = steppingClock();
    await expect(pollAction(0, options(clock, 10, { signal: AbortSignal.abort() }))).rejects.toMatchObject({ code: 'aborted' });
  });
});
