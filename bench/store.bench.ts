/**
 * Reading stored minutes (issue goal: ≥ 10M bars/s), all paths on the same rows in one run:
 * - `minuteBars`: the row API, one object per minute;
 * - raw rows into typed arrays (`MinuteColumnReader.readRows`: `.raw().iterate()`);
 * - SQLite's own scan floor: `SELECT count(*), sum(close)` over the range (no rows leave SQLite);
 * - packed symbol-day blocks (`minuteColumns`), first read (builds the blocks) and warm;
 * - then what the user runs: `optdesk bars SPY --tf 5m` over a week (historyBars), rows vs columns.
 * Plus the cost of the block triggers on writing minutes (same upsert with and without them).
 * Input: the real SPY/AIG/BAC minutes replayed onto 300 sessions (~540k minutes). CPU time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../src/store/index.js';
import { MinuteColumnReader } from '../src/store/minute-columns.js';
import { historyBars } from '../src/bars/load.js';
import type { MinuteAggregate } from '../src/core/types.js';
import { median, cpuRuns, isMain } from './util.js';
import { realMinutes, scaled } from './input.js';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export async function runStoreBench(): Promise<Record<string, unknown>> {
  // Dropped before the reads are timed: half a million live objects would make every major GC
  // of the read loop mark them, a cost of this harness that no reader of the store pays.
  let minutes: MinuteAggregate[] = scaled(realMinutes(), 50);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'optdesk-bench-store-'));
  try {
    // Writing: with the block triggers (this schema) and without (dropped in a second file).
    const dbPath = path.join(dir, 'a.db');
    const store = openStore(dbPath);
    const c0 = process.cpuUsage();
    store.upsertMinuteBars(minutes);
    const withTriggers = process.cpuUsage(c0);
    const plain = openStore(path.join(dir, 'b.db'));
    plain.close();
    const rawB = new Database(path.join(dir, 'b.db'));
    for (const t of ['minute_blocks_on_insert', 'minute_blocks_on_update', 'minute_blocks_on_delete']) rawB.exec(`DROP TRIGGER ${t}`);
    rawB.close();
    const plainStore = openStore(path.join(dir, 'b.db'));
    const c1 = process.cpuUsage();
    plainStore.upsertMinuteBars(minutes);
    const withoutTriggers = process.cpuUsage(c1);
    plainStore.close();
    const writeMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

    const symbol = 'SPY';
    const from = minutes[0]!.start;
    const to = minutes[minutes.length - 1]!.start + 60_000;
    const written = minutes.length;
    minutes = [];
    const n = store.minuteBars(symbol, from, to).length;
    const db = new Database(dbPath);
    const reader = new MinuteColumnReader(db);
    const scan = db.prepare('SELECT count(*), sum(close) FROM minute_bars WHERE symbol = ? AND start >= ? AND start < ?').raw();
    const runs = 5;
    const rate = (ms: number[]) => n / median(ms) * 1000;
    const rowsApi = rate(cpuRuns(runs, () => store.minuteBars(symbol, from, to)));
    const rawRows = rate(cpuRuns(runs, () => reader.readRows(symbol, from, to)));
    const scanFloor = rate(cpuRuns(runs, () => scan.get(symbol, from, to)));
    db.exec('DELETE FROM minute_blocks');
    const cold0 = process.cpuUsage();
    reader.read(symbol, from, to);
    const cold = process.cpuUsage(cold0);
    const coldRate = n / ((cold.user + cold.system) / 1000) * 1000;
    const blocks = rate(cpuRuns(runs * 4, () => reader.read(symbol, from, to)));
    let checksum = 0;
    const streamed = rate(cpuRuns(runs * 4, () => reader.forEachDay(symbol, from, to, (day) => {
      checksum += day.close[day.length - 1]!;
    })));
    db.close();

    // `optdesk bars SPY --tf 5m` over a week, in process: rows vs columns into the engine.
    const req = { symbol, tf: '5m' as const, from: '2013-10-07', to: '2013-10-11', now: Date.UTC(2030, 0, 1) };
    const rowsOnly = { minuteBars: store.minuteBars.bind(store), dailyBars: store.dailyBars.bind(store) };
    const barsRows = median(cpuRuns(runs, () => historyBars(rowsOnly, req)));
    const barsCols = median(cpuRuns(runs, () => historyBars(store, req)));
    store.close();

    const result = {
      minutesRead: n,
      barsPerSec: { rowsApi: Math.round(rowsApi), rawRowsToTypedArrays: Math.round(rawRows), sqliteScanFloor: Math.round(scanFloor), blocksFirstRead: Math.round(coldRate), blocksWarm: Math.round(blocks), blocksStreamedByDay: Math.round(streamed) },
      goalBarsPerSec: 10_000_000,
      cliBarsWeek5m: { rowsMs: +barsRows.toFixed(2), columnsMs: +barsCols.toFixed(2) },
      writeMinutes: { rows: written, withBlockTriggersMs: Math.round(writeMs(withTriggers)), withoutMs: Math.round(writeMs(withoutTriggers)) },
    };
    console.log(`\n== Store: reading ${fmt(n)} stored SPY minutes (real sessions replayed onto 300), CPU time`);
    console.log(`row API (one object per minute):     ${fmt(rowsApi).padStart(12)} bars/s`);
    console.log(`raw rows → typed arrays:             ${fmt(rawRows).padStart(12)} bars/s   optdesk columns ÷ row API = ${(rawRows / rowsApi).toFixed(2)} (optdesk faster)`);
    console.log(`SQLite scan floor (count+sum only):  ${fmt(scanFloor).padStart(12)} bars/s   (no row leaves SQLite: rows can't beat this)`);
    console.log(`packed day blocks, first read:       ${fmt(coldRate).padStart(12)} bars/s   (builds and stores the blocks)`);
    console.log(`packed day blocks, warm, one copy:   ${fmt(blocks).padStart(12)} bars/s   optdesk blocks ÷ row API = ${(blocks / rowsApi).toFixed(1)} (optdesk faster); ${blocks >= 1e7 ? 'meets' : `${(1e7 / blocks).toFixed(2)}× short of`} 10M (allocation and GC of the copy vary run to run)`);
    console.log(`day blocks streamed (forEachDay):     ${fmt(streamed).padStart(12)} bars/s   optdesk ÷ row API = ${(streamed / rowsApi).toFixed(1)} (optdesk faster); no copy, views on each day's block${checksum > 0 ? '' : '?'}; goal ≥ 10,000,000: ${streamed >= 1e7 ? 'met' : `${(1e7 / streamed).toFixed(2)}× short`}`);
    console.log(`optdesk bars SPY --tf 5m, one week:  rows ${barsRows.toFixed(1)} ms, columns ${barsCols.toFixed(1)} ms → columns ÷ rows time = ${(barsCols / barsRows).toFixed(2)} (lower: columns faster)`);
    console.log(`writing ${fmt(written)} minutes: ${result.writeMinutes.withBlockTriggersMs} ms with the block triggers, ${result.writeMinutes.withoutMs} ms without (${((writeMs(withTriggers) / writeMs(withoutTriggers) - 1) * 100).toFixed(0)}% cost)`);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) await runStoreBench();
