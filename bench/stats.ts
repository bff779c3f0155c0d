/** Small helpers shared by the benchmarks. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

export function summary(samples: readonly number[]): { median: number; p99: number; min: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), p99: percentile(sorted, 99), min: sorted[0] ?? NaN, max: sorted[sorted.length - 1] ?? NaN };
}

export const ms = (value: number): string => `${value.toFixed(value < 10 ? 2 : 1)} ms`;
export const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;

/** Forces a GC when node runs with --expose-gc, so heap figures are about live data. */
export function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** How many times `baseline` the `value` is (a duration ratio: 2 means twice as slow). */
export function ratio(value: number, baseline: number): number {
  return baseline > 0 ? value / baseline : NaN;
}

export const times = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(value < 10 ? 2 : 1)}×` : 'n/a');

/**
 * A measurement paired with a baseline taken in the same run (interleaved sample by sample, so
 * load from elsewhere hits both): the figures that carry between machines are the ratios.
 */
export function paired(samples: readonly number[], baseline: readonly number[]) {
  const own = summary(samples);
  const base = summary(baseline);
  return { own, base, medianRatio: ratio(own.median, base.median), p99OverMedian: ratio(own.p99, own.median) };
}
