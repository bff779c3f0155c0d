import { paired, percentile, ratio, summary, times } from '../../bench/stats.js';

describe('bench statistics', () => {
  it('takes the nearest-rank percentile of sorted samples', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarises unsorted samples without reordering them', () => {
    const samples = [5, 1, 4, 2, 3];
    expect(summary(samples)).toEqual({ median: 3, p99: 5, min: 1, max: 5 });
    expect(samples).toEqual([5, 1, 4, 2, 3]);
  });

  it('pairs a measurement with its same-run baseline as ratios', () => {
    const baseline = Array.from({ length: 100 }, () => 2);
    const own = [...Array.from({ length: 98 }, () => 10), 30, 40];
    const result = paired(own, baseline);
    expect(result.medianRatio).toBe(5);
    expect(result.p99OverMedian).toBe(3);
    expect(result.base.median).toBe(2);
  });

  it('formats ratios and refuses a zero baseline', () => {
    expect(ratio(3, 0)).toBeNaN();
    expect(times(ratio(3, 2))).toBe('1.50×');
    expect(times(ratio(45, 2))).toBe('22.5×');
    expect(times(NaN)).toBe('n/a');
  });
});
