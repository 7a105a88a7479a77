/** Small numeric helpers for the benchmark: timing, percentiles, rounding, bounded concurrency. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
export const perSecond = (count: number, ms: number) => Math.round((count * 1000) / ms);
export const ratio = (engine: number, ceiling: number) => round(engine / ceiling, 3);
