/**
 * Parameter sweeps: every combination of a grid (`{targetR: [1, 2, 3], waitMinutes: [5, 10]}`)
 * run as its own backtest on worker threads (one per core by default), each worker with its
 * own read-only connection to the store. Every run is reported; the best one carries a
 * selection-bias warning, because picking the best of N in-sample runs overstates its edge.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InputError } from '../core/errors.js';
import type { RawParams } from '../strategies/index.js';
import type { BacktestRequest } from './backtest.js';
import type { BacktestStats } from './stats.js';

export type Grid = Record<string, Array<string | number | boolean>>;

export interface SweepRun {
  params: RawParams;
  stats: BacktestStats;
  bars: number;
}

export interface SweepResult {
  runs: SweepRun[];
  /** Index into runs of the best expectancy (ties: more trades). */
  best: number | null;
  /** Null for a single run (nothing was selected). */
  warning: string | null;
  workers: number;
  elapsedMs: number;
}

/** Every combination of the grid's values over the base parameters, in a stable order. */
export function expandGrid(base: RawParams, grid: Grid): RawParams[] {
  let combos: Array<Record<string, string | number | boolean>> = [{ ...base }];
  for (const [key, values] of Object.entries(grid)) {
    if (values.length === 0) throw new InputError(`--sweep ${key}`, 'needs at least one value');
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  return combos;
}

/** `key=a,b,c` → grid entry. */
export function parseSweepArg(arg: string, grid: Grid): Grid {
  const eq = arg.indexOf('=');
  if (eq <= 0 || eq === arg.length - 1) throw new InputError('--sweep', `must look like key=v1,v2,… (got ${JSON.stringify(arg)})`);
  grid[arg.slice(0, eq)] = arg.slice(eq + 1).split(',').map((v) => v.trim());
  return grid;
}

/**
 * A worker's entry (`boot`, default the sweep worker's): beside this module when it runs from the sources; from a bundle (the
 * compiled CLI in dist/) the nearest folder above that holds src/backtest/<boot>.
 */
export function workerEntry(boot = 'sweep-worker-boot.mjs'): URL {
  const beside = new URL(`./${boot}`, import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'src/backtest', boot);
    if (existsSync(candidate)) return pathToFileURL(candidate);
    if (path.dirname(dir) === dir) throw new Error(`cannot find src/backtest/${boot} for the backtest workers`);
  }
}

export interface SweepOptions {
  dbPath: string;
  request: Omit<BacktestRequest, 'params' | 'onProgress'>;
  base: RawParams;
  grid: Grid;
  workers?: number;
  onProgress?: (done: number, total: number) => void;
}

export async function runSweep(opts: SweepOptions): Promise<SweepResult> {
  const combos = expandGrid(opts.base, opts.grid);
  const workers = Math.max(1, Math.min(opts.workers ?? os.availableParallelism(), combos.length));
  const runs: Array<SweepRun | undefined> = new Array(combos.length);
  const t0 = performance.now();
  let next = 0;
  let done = 0;
  const entry = workerEntry();
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const w = new Worker(entry);
      const feed = () => {
        if (next >= combos.length) {
          void w.terminate();
          resolve();
          return;
        }
        const i = next++;
        w.postMessage({ i, dbPath: opts.dbPath, request: { ...opts.request, params: combos[i] } });
      };
      w.on('message', (m: { i: number; run?: SweepRun; error?: { field?: string; reason?: string; message: string } }) => {
        if (m.error) {
          void w.terminate();
          reject(m.error.field ? new InputError(m.error.field, m.error.reason ?? m.error.message) : new Error(m.error.message));
          return;
        }
        runs[m.i] = m.run;
        opts.onProgress?.(++done, combos.length);
        feed();
      });
      w.on('error', reject);
      feed();
    });
  await Promise.all(Array.from({ length: workers }, one));
  const all = runs as SweepRun[];
  let best: number | null = null;
  all.forEach((r, i) => {
    if (r.stats.expectancy === null) return;
    const b = best === null ? null : all[best]!;
    if (!b || r.stats.expectancy > b.stats.expectancy! || (r.stats.expectancy === b.stats.expectancy && r.stats.trades > b.stats.trades)) best = i;
  });
  return {
    runs: all, best, workers, elapsedMs: performance.now() - t0,
    warning: all.length < 2 ? null : `Selection bias: the best of ${all.length} runs was picked on the same data it is measured on, so its figures overstate what to expect. Check it on a later period it was not chosen on before trusting it.`,
  };
}
