/** Small helpers shared by the benchmarks: timing, medians, percentiles. */
import { fileURLToPath } from 'node:url';

export function median(values: number[]): number {
  return percentile(values, 50);
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

/** Runs `fn` once to warm up, then `runs` times, returning each run's milliseconds (wall clock). */
export function timeRuns(runs: number, fn: () => unknown): number[] {
  fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/**
 * Like `timeRuns`, but each run's CPU milliseconds (user + system) of this process. On a
 * shared machine the wall clock mostly measures the neighbours (this 2-core box runs at a
 * load of 4–9 while other work runs); CPU time is what the code itself costs, and ratios
 * between two pieces of code measured this way stay meaningful.
 */
export function cpuRuns(runs: number, fn: () => unknown): number[] {
  fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    out.push((c.user + c.system) / 1000);
  }
  return out;
}

/** True when the module at `metaUrl` is the script node was started with. */
export function isMain(metaUrl: string): boolean {
  return process.argv[1] !== undefined && fileURLToPath(metaUrl) === process.argv[1];
}
