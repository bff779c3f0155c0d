import { IpshiftError, rateLimitedError, terminalError, transientError } from '../errors.js';
import { backoffDelayMs } from './backoff.js';
import { withRetry, type RetryPolicy } from './with-retry.js';
import { rejectionOf } from '../../test/support/rejection-of.js';
import { steppingClock } from '../../test/support/stepping-clock.js';

const policy: RetryPolicy = { deadlineMs: 10_000, maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 };

/** Fails with the given errors in turn, then succeeds. */
function flaky(errors: IpshiftError[]): { fn: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    calls: () => calls,
    fn: () => {
      const error = errors[calls++];
      return error ? Promise.reject(error) : Promise.resolve('done');
    },
  };
}

describe('backoffDelayMs (full jitter)', () => {
  it('draws from zero up to a ceiling that doubles per retry and is capped', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(policy, n, () => 0.999999))).toEqual([99, 199, 399, 799, 999]);
    expect(backoffDelayMs(policy, 3, () => 0.5)).toBe(200);
    expect(backoffDelayMs(policy, 3, () => 0)).toBe(0);
  });
});

describe('withRetry', () => {
  it('retries transient errors with jittered backoff and returns the result', async () => {
    const clock = steppingClock();
    const op = flaky([transientError('a', 'http-503'), transientError('b', 'network-error')]);
    const draws = [0.5, 0.25];
    await expect(withRetry(op.fn, policy, { clock, what: 'test', random: () => draws.shift() ?? 0 })).resolves.toBe('done');
    expect(op.calls()).toBe(3);
    expect(clock.sleeps).toEqual([50, 50]);
  });

  it('never retries a terminal error', async () => {
    const clock = steppingClock();
    const op = flaky([terminalError('no', 'auth')]);
    expect(await rejectionOf(withRetry(op.fn, policy, { clock, what: 'test' }))).toMatchObject({ kind: 'terminal' });
    expect(op.calls()).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('waits exactly the retry-after of a rate limit that fits the deadline', async () => {
    const clock = steppingClock();
    const op = flaky([rateLimitedError('slow down', 3_000)]);
    await expect(withRetry(op.fn, policy, { clock, what: 'test' })).resolves.toBe('done');
    expect(clock.sleeps).toEqual([3_000]);
  });

  it('surfaces a rate limit that would overrun the deadline, untouched', async () => {
    const clock = steppingClock();
    const op = flaky([rateLimitedError('slow down', 60_000)]);
    const error = await rejectionOf(withRetry(op.fn, policy, { clock, what: 'test' }));
    expect(error).toMatchObject({ kind: 'rate-limited', retryAfterMs: 60_000 });
    expect(op.calls()).toBe(1);
  });

  it('stops after maxAttempts and returns the last error', async () => {
    const clock = steppingClock();
    const op = flaky(Array.from({ length: 10 }, (_, i) => transientError(`e${i}`, 'http-503')));
    const error = await rejectionOf(withRetry(op.fn, policy, { clock, what: 'test', random: () => 0.1 }));
    expect(error.message).toBe('e4');
    expect(op.calls()).toBe(5);
  });

  it('does not start a wait that would overrun the deadline', async () => {
    const clock = steppingClock();
    const op = flaky(Array.from({ length: 100 }, () => transientError('e', 'http-503')));
    const tight: RetryPolicy = { deadlineMs: 1_000, maxAttempts: 100, baseDelayMs: 400, maxDelayMs: 400 };
    await rejectionOf(withRetry(op.fn, tight, { clock, what: 'test', random: () => 0.999 }));
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1_000);
    expect(op.calls()).toBe(3);
  });

  it('turns an unclassified failure into a transient one', async () => {
    const clock = steppingClock();
    let calls = 0;
    const fn = (): Promise<string> => (calls++ === 0 ? Promise.reject(new Error('boom')) : Promise.resolve('ok'));
    await expect(withRetry(fn, policy, { clock, what: 'test' })).resolves.toBe('ok');
  });

  it('rejects as aborted and stops retrying once the signal aborts', async () => {
    const clock = steppingClock();
    const controller = new AbortController();
    let calls = 0;
    const fn = (): Promise<string> => {
      calls += 1;
      controller.abort();
      return Promise.reject(transientError('e', 'http-503'));
    };
    expect(await rejectionOf(withRetry(fn, policy, { clock, what: 'test', signal: controller.signal }))).toMatchObject({ code: 'aborted' });
    expect(calls).toBe(1);
  });
});
