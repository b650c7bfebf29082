/**
 * Backtest benchmark (issue #10): ORB throughput in 1-minute bars per second over a long
 * synthetic history (regular-session minutes of every NYSE session, a seeded random walk),
 * stored in a fresh SQLite file through the store, then:
 *
 * 1. bare read loop: the same day blocks read from the store and nothing done with them
 *    (the practical limit of this read path);
 * 2. ORB end to end: read + strategy + fills + report;
 * 3. ORB over day blocks already in memory (the runner's own ceiling, no SQLite);
 * 4. memory: the heap's peak above the baseline while backtesting 1, half and all of the years
 *    (day blocks are streamed, so it should not grow with the history);
 * 5. a parameter sweep (8 runs over the whole history) on 1 worker thread vs one per core
 *    (each worker boots its own TypeScript loader, about a second, so short sweeps gain little).
 *
 * `BACKTEST_BENCH_YEARS=10` (default) sets the history's length.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sessionsBetween, type Session } from '../src/calendar/index.js';
import type { MinuteAggregate } from '../src/core/types.js';
import { openStore } from '../src/store/index.js';
import { copyDay, runBacktest, runSweep, seededRandom, SqliteDaySource, type DayColumns, type DaySource } from '../src/backtest/index.js';
import { isMain, median } from './util.js';

const MIN = 60_000;

/** Writes a seeded random walk of regular minutes for every session of the range. */
export function writeHistory(db: string, sessions: readonly Session[], seed: number): number {
  const store = openStore(db);
  const rnd = seededRandom(seed);
  let price = 100;
  let n = 0;
  try {
    let batch: MinuteAggregate[] = [];
    for (const s of sessions) {
      price *= 1 + (rnd() - 0.5) * 0.02; // overnight gap
      for (let t = s.open; t < s.close; t += MIN) {
        const open = Math.round(price * 100) / 100;
        price = Math.max(1, price * (1 + (rnd() - 0.5) * 0.004));
        const close = Math.round(price * 100) / 100;
        const high = Math.round((Math.max(open, close) + rnd() * 0.1) * 100) / 100;
        const low = Math.round((Math.min(open, close) - rnd() * 0.1) * 100) / 100;
        batch.push({ symbol: 'SYN', start: t, open, high, low, close, volume: Math.round(1000 + rnd() * 9000) });
      }
      if (batch.length >= 20_000) {
        n += batch.length;
        store.upsertMinuteBars(batch);
        batch = [];
      }
    }
    n += batch.length;
    store.upsertMinuteBars(batch);
  } finally {
    store.close();
  }
  return n;
}

/** Day blocks held in memory (the runner without SQLite). */
class MemorySource implements DaySource {
  readonly days: DayColumns[] = [];
  constructor(from: DaySource, symbol: string, sessions: readonly Session[]) {
    from.forEachDay(symbol, sessions, (d) => {
      this.days.push(copyDay(d));
    });
  }
  forEachDay(_symbol: string, _sessions: readonly Session[], fn: (day: DayColumns) => void): void {
    for (const d of this.days) fn(d);
  }
  close(): void {}
}

const gc = (globalThis as { gc?: () => void }).gc;

export async function runBacktestBench(): Promise<Record<string, unknown>> {
  const years = Number(process.env.BACKTEST_BENCH_YEARS ?? 10);
  const lastYear = 2020;
  const from = `${lastYear - years + 1}-01-01`;
  const to = `${lastYear}-12-31`;
  const sessions = sessionsBetween(from, to);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'optdesk-bt-bench-'));
  const db = path.join(dir, 'bench.db');
  try {
    let t0 = performance.now();
    const bars = writeHistory(db, sessions, 20260101);
    const writeS = (performance.now() - t0) / 1000;
    console.log(`backtest: ${years} years synthetic (${sessions.length} sessions, ${bars.toLocaleString('en-US')} minutes) written in ${writeS.toFixed(1)} s`);

    const source = new SqliteDaySource(db);
    const req = { strategy: 'orb', symbol: 'SYN', from, to };
    const runs = 3;
    const bare: number[] = [];
    const e2e: number[] = [];
    let trades = 0;
    for (let i = 0; i < runs; i++) {
      t0 = performance.now();
      const n = source.countRows('SYN', sessions);
      bare.push(n / ((performance.now() - t0) / 1000));
      t0 = performance.now();
      const r = runBacktest(source, req);
      e2e.push(r.bars / ((performance.now() - t0) / 1000));
      trades = r.stats.trades;
    }
    const bareRate = median(bare);
    const e2eRate = median(e2e);

    // Runner ceiling: one year (or all when shorter) held in memory, run 3 times.
    const memSessions = sessions.slice(-252);
    const mem = new MemorySource(source, 'SYN', memSessions);
    const memRates: number[] = [];
    runBacktest(mem, { ...req, from: memSessions[0]!.date }); // JIT warm-up
    for (let i = 0; i < 5; i++) {
      t0 = performance.now();
      const r = runBacktest(mem, { ...req, from: memSessions[0]!.date });
      memRates.push(r.bars / ((performance.now() - t0) / 1000));
    }

    // Memory: peak heap above the baseline for growing histories.
    const memory: Array<{ years: number; peakHeapMiB: number }> = [];
    for (const y of [...new Set([1, Math.max(1, Math.round(years / 2)), years])]) {
      gc?.();
      const base = process.memoryUsage().heapUsed;
      let peak = base;
      runBacktest(source, { ...req, from: `${lastYear - y + 1}-01-01`, onProgress: () => { peak = Math.max(peak, process.memoryUsage().heapUsed); } });
      memory.push({ years: y, peakHeapMiB: Math.round(((peak - base) / 2 ** 20) * 10) / 10 });
    }
    source.close();

    // Sweep: 8 combinations over the whole history, 1 worker vs one per core.
    const sweepFrom = from;
    const grid = { targetR: [1, 2], waitMinutes: [5, 10], rangeMinutes: [5, 15] };
    const one = await runSweep({ dbPath: db, request: { ...req, from: sweepFrom }, base: {}, grid, workers: 1 });
    const cores = os.availableParallelism();
    const many = await runSweep({ dbPath: db, request: { ...req, from: sweepFrom }, base: {}, grid, workers: cores });

    const result = {
      years, sessions: sessions.length, bars, trades,
      bareReadBarsPerSec: Math.round(bareRate),
      orbEndToEndBarsPerSec: Math.round(e2eRate),
      ratioToBareRead: Math.round((e2eRate / bareRate) * 100) / 100,
      orbInMemoryBarsPerSec: Math.round(median(memRates)),
      goal: { endToEndBarsPerSec: 2_000_000, ratioToBareRead: 1 / 3 },
      memory,
      sweep: { runs: one.runs.length, oneWorkerS: Math.round(one.elapsedMs) / 1000, workers: many.workers, manyWorkersS: Math.round(many.elapsedMs) / 1000, speedUp: Math.round((one.elapsedMs / many.elapsedMs) * 100) / 100 },
      readPath: 'the store\'s per-day packed minute blocks (src/store/minute-columns.ts), viewed in place by SqliteDaySource (src/backtest/minutes.ts)',
    };
    console.log(`backtest: bare read ${result.bareReadBarsPerSec.toLocaleString('en-US')} bars/s; ORB end to end ${result.orbEndToEndBarsPerSec.toLocaleString('en-US')} bars/s (${result.ratioToBareRead}× the bare read; goal ≥ 2,000,000 and ≥ 0.33×); ORB in memory ${result.orbInMemoryBarsPerSec.toLocaleString('en-US')} bars/s`);
    console.log(`backtest: peak heap above baseline ${memory.map((m) => `${m.years}y ${m.peakHeapMiB} MiB`).join(', ')}`);
    console.log(`backtest: sweep of ${one.runs.length} runs: 1 worker ${result.sweep.oneWorkerS} s, ${many.workers} workers ${result.sweep.manyWorkersS} s (${result.sweep.speedUp}×)`);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) console.log(JSON.stringify(await runBacktestBench(), null, 2));
