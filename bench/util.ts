/** Small helpers shared by the benchmarks: timing, medians, percentiles. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
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
export function cpuRuns(runs: number, fn: () => unknown, warmups = 1): number[] {
  for (let i = 0; i < warmups; i++) fn();
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

/** The commit measured as "before" (main before the columnar engine and the Halley IV). */
export const BEFORE_REF = process.env.BENCH_BEFORE ?? 'e74be60';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let beforeDir: string | null | undefined;

/**
 * Imports `relPath` (e.g. 'src/bars/engine.ts') as it was at BEFORE_REF, so a benchmark can
 * measure before and after in one run. The tree is extracted once under the repo's tmp/ (so
 * node_modules resolves) and removed at exit. Null when git or the commit is unavailable.
 */
export async function importBefore<T>(relPath: string): Promise<T | null> {
  if (beforeDir === undefined) {
    try {
      mkdirSync(path.join(ROOT, 'tmp'), { recursive: true });
      const dir = mkdtempSync(path.join(ROOT, 'tmp', 'bench-before-'));
      process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
      const tar = execFileSync('git', ['-C', ROOT, 'archive', BEFORE_REF, 'src'], { maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
      execFileSync('tar', ['-x', '-C', dir], { input: tar });
      beforeDir = dir;
    } catch (e) {
      console.log(`(before ${BEFORE_REF} not measured: ${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
      beforeDir = null;
    }
  }
  return beforeDir ? ((await import(path.join(beforeDir, relPath))) as T) : null;
}
