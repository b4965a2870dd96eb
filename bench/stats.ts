/**
 * Small statistics for the benchmarks: nearest-rank percentiles over samples in milliseconds.
 */

/**
 * The nearest-rank `p`-th percentile (0 < p ≤ 100) of `samples` (any order, not modified); NaN when empty.
 * Nearest rank means the answer is always one of the samples: p99 of 100 samples is the 99th smallest.
 */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** p50 and p99 of `samples` (ms), rounded to 0.1 ms; NaN when empty. */
export function p50p99(samples: readonly number[]): { p50Ms: number; p99Ms: number } {
  return { p50Ms: round1(percentile(samples, 50)), p99Ms: round1(percentile(samples, 99)) };
}

/** `x` rounded to one decimal (NaN stays NaN). */
export function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
