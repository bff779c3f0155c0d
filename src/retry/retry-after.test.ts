import { backoffDelayMs, jitteredPeriodMs } from './backoff.js';
import { parseRetryAfter, rateLimitWaitMs } from './retry-after.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');

describe('parseRetryAfter', () => {
  it('reads delta-seconds, including zero', () => {
    expect(parseRetryAfter('65', NOW)).toBe(65_000);
    expect(parseRetryAfter(' 1 ', NOW)).toBe(1_000);
    expect(parseRetryAfter('0', NOW)).toBe(0);
  });

  it('reads an HTTP date relative to now and never goes negative', () => {
    expect(parseRetryAfter('Tue, 01 Dec 2026 12:00:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfter('Tue, 01 Dec 2026 11:00:00 GMT', NOW)).toBe(0);
  });

  it('returns undefined when absent or unreadable', () => {
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
    expect(parseRetryAfter('', NOW)).toBeUndefined();
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
  });
});

describe('rateLimitWaitMs', () => {
  it('prefers Retry-After (an HTTP date too), then RateLimit-Reset', () => {
    expect(rateLimitWaitMs(new Headers({ 'retry-after': 'Tue, 01 Dec 2026 12:00:05 GMT', 'ratelimit-reset': '99' }), NOW)).toBe(5_000);
    expect(rateLimitWaitMs(new Headers({ 'ratelimit-reset': '7' }), NOW)).toBe(7_000);
    expect(rateLimitWaitMs(new Headers({ 'ratelimit-reset': String(NOW / 1000 + 3) }), NOW)).toBe(3_000);
    expect(rateLimitWaitMs(new Headers({}), NOW)).toBeUndefined();
  });
});

describe('backoff', () => {
  it('doubles the ceiling per retry up to the maximum and treats retry 0 as the first', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1_000 };
    expect([0, 1, 2, 3, 4, 5, 60].map((n) => backoffDelayMs(policy, n, () => 0.999999))).toEqual([99, 99, 199, 399, 799, 999, 999]);
  });

  it('stretches a period by at most the factor', () => {
    expect(jitteredPeriodMs(1_000, 0.2, () => 0)).toBe(1_000);
    expect(jitteredPeriodMs(1_000, 0.2, () => 0.5)).toBe(1_100);
  });
});
