/**
 * Bar-engine and import benchmarks (issue: market-data core).
 *
 * 1. Engine throughput: the real SPY/AIG/BAC minute bars of 2013-10-04..11 (extended hours
 *    included) fed one by one as live updates while every intraday timeframe plus 1D is
 *    maintained, compared in the same run with
 *    (a) the prototype's approach: per timeframe an array of bars, each update finds its
 *        bucket by scanning the array (`findIndex`) and merges in place;
 *    (b) the npm package `candlestick-convert` converting the same minutes to the same
 *        timeframes — as a one-shot batch (its intended use), and re-batched after each new
 *        minute (what a chart must do to stay live with a batch converter).
 * 2. Import: streaming the real GOOG option-quote flat file (275k rows) into a fresh SQLite file.
 *
 * Medians over several runs; ratios are "how many times faster optdesk is".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { batchCandlesJSON } from 'candlestick-convert';
import { BarEngine } from '../src/bars/index.js';
import { placeMinute, intradayBucket } from '../src/bars/buckets.js';
import { INTRADAY_TIMEFRAMES, type IntradayTimeframe, type MinuteAggregate, timeframeMinutes } from '../src/core/types.js';
import { importFile } from '../src/feeds/flatfile/index.js';
import { openStore } from '../src/store/index.js';
import { DATA_DIR, readAggregates, stockMinuteFile, SPY_OCT_2013 } from '../test/helpers/data.js';
import { median, timeRuns, isMain } from './util.js';

const TIMEFRAMES_UNDER_TEST = [...INTRADAY_TIMEFRAMES, '1D'] as const;

function loadMinutes(): MinuteAggregate[] {
  return SPY_OCT_2013.flatMap((d) => readAggregates(stockMinuteFile(d))).sort((a, b) => a.start - b.start);
}

function runEngine(minutes: MinuteAggregate[]): number {
  const engine = new BarEngine({ timeframes: TIMEFRAMES_UNDER_TEST, extended: true, clock: 0 });
  for (const m of minutes) {
    engine.advanceClock(m.start);
    engine.applyMinute(m, 'live');
  }
  return engine.series('SPY', '5m').length;
}

interface NaiveBar { start: number; open: number; high: number; low: number; close: number; volume: number }

/** The prototype: arrays scanned on every update. Same session-aligned buckets, so the work is comparable. */
function runNaive(minutes: MinuteAggregate[]): number {
  const series = new Map<string, NaiveBar[]>();
  for (const m of minutes) {
    const place = placeMinute(m.start);
    if (!place) continue;
    const targets: [string, number][] = INTRADAY_TIMEFRAMES.map((tf) => [`${m.symbol}|${tf}`, intradayBucket(m.start, place, tf as IntradayTimeframe).start]);
    if (place.segment === 'regular') targets.push([`${m.symbol}|1D`, place.session.midnight]);
    for (const [key, start] of targets) {
      let bars = series.get(key);
      if (!bars) series.set(key, (bars = []));
      const i = bars.findIndex((b) => b.start === start);
      if (i === -1) bars.push({ start, open: m.open, high: m.high, low: m.low, close: m.close, volume: m.volume });
      else {
        const b = bars[i]!;
        b.high = Math.max(b.high, m.high);
        b.low = Math.min(b.low, m.low);
        b.close = m.close;
        b.volume += m.volume;
      }
    }
  }
  return series.get('SPY|5m')?.length ?? 0;
}

function toCandles(minutes: MinuteAggregate[]) {
  return minutes.map((m) => ({ time: m.start / 1000, open: m.open, high: m.high, low: m.low, close: m.close, volume: m.volume }));
}

/** candlestick-convert, one batch per symbol and timeframe (it aligns to the epoch, not the session). */
function runCandlestickConvertBatch(bySymbol: Map<string, ReturnType<typeof toCandles>>): number {
  let count = 0;
  for (const candles of bySymbol.values()) {
    for (const tf of INTRADAY_TIMEFRAMES) {
      if (tf === '1m') continue;
      count += batchCandlesJSON(candles, 60, timeframeMinutes(tf) * 60).length;
    }
    count += batchCandlesJSON(candles, 60, 86_400).length;
  }
  return count;
}

export async function runBarsBench(): Promise<Record<string, unknown>> {
  const minutes = loadMinutes();
  const runs = Number(process.env.BENCH_RUNS ?? 7);
  console.log(`\n== Bar engine: ${minutes.length} real 1-minute bars (SPY, AIG, BAC, 2013-10-04..11, 04:00–20:00), ${TIMEFRAMES_UNDER_TEST.length} timeframes, ${runs} runs`);

  const engineMs = timeRuns(runs, () => runEngine(minutes));
  const naiveMs = timeRuns(runs, () => runNaive(minutes));
  const bySymbol = new Map<string, ReturnType<typeof toCandles>>();
  for (const m of minutes) {
    if (!bySymbol.has(m.symbol)) bySymbol.set(m.symbol, []);
  }
  for (const sym of bySymbol.keys()) bySymbol.set(sym, toCandles(minutes.filter((m) => m.symbol === sym)));
  const ccBatchMs = timeRuns(runs, () => runCandlestickConvertBatch(bySymbol));

  // Live use of a batch converter: re-convert after every new minute. Quadratic, so one symbol-day.
  const oneDay = minutes.filter((m) => m.symbol === 'SPY' && m.start >= Date.UTC(2013, 9, 10, 8) && m.start < Date.UTC(2013, 9, 11, 0));
  const oneDayCandles = toCandles(oneDay);
  const ccLiveMs = timeRuns(Math.max(3, Math.floor(runs / 2)), () => {
    for (let i = 1; i <= oneDayCandles.length; i++) {
      const prefix = oneDayCandles.slice(0, i);
      for (const tf of INTRADAY_TIMEFRAMES) if (tf !== '1m') batchCandlesJSON(prefix, 60, timeframeMinutes(tf) * 60);
      batchCandlesJSON(prefix, 60, 86_400);
    }
  });
  const engineDayMs = timeRuns(runs, () => runEngine(oneDay));

  const perSecond = (n: number, ms: number) => Math.round((n / ms) * 1000);
  const engine = { medianMs: median(engineMs), minutesPerSec: perSecond(minutes.length, median(engineMs)) };
  const naive = { medianMs: median(naiveMs), minutesPerSec: perSecond(minutes.length, median(naiveMs)) };
  const ccBatch = { medianMs: median(ccBatchMs), minutesPerSec: perSecond(minutes.length, median(ccBatchMs)) };
  const ccLive = { medianMs: median(ccLiveMs), minutesPerSec: perSecond(oneDay.length, median(ccLiveMs)) };
  const engineDay = { medianMs: median(engineDayMs), minutesPerSec: perSecond(oneDay.length, median(engineDayMs)) };

  console.log(`optdesk BarEngine (incremental, live):     ${engine.medianMs.toFixed(1)} ms  ${engine.minutesPerSec.toLocaleString()} minutes/s`);
  console.log(`naive array-scan merge (prototype):        ${naive.medianMs.toFixed(1)} ms  ${naive.minutesPerSec.toLocaleString()} minutes/s  → optdesk ${(naive.medianMs / engine.medianMs).toFixed(2)}×`);
  console.log(`candlestick-convert, one batch:            ${ccBatch.medianMs.toFixed(1)} ms  ${ccBatch.minutesPerSec.toLocaleString()} minutes/s  → optdesk ${(ccBatch.medianMs / engine.medianMs).toFixed(2)}× (batch only, epoch-aligned, no live updates)`);
  console.log(`candlestick-convert re-batched per minute: ${ccLive.medianMs.toFixed(1)} ms for ${oneDay.length} minutes of SPY 2013-10-10 vs optdesk ${engineDay.medianMs.toFixed(2)} ms → optdesk ${(ccLive.medianMs / engineDay.medianMs).toFixed(1)}×`);

  // Import benchmark.
  const quotesFile = path.join(DATA_DIR, 'flatfiles/us_options_opra/quotes_v1/2015/12/2015-12-24.csv.gz');
  const importRuns = Math.max(3, Math.floor(runs / 2));
  const importMs: number[] = [];
  let rows = 0;
  for (let i = 0; i < importRuns; i++) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'optdesk-bench-'));
    const store = openStore(path.join(dir, 'bench.db'));
    const t0 = performance.now();
    const report = await importFile(quotesFile, store);
    importMs.push(performance.now() - t0);
    rows = report.rowsOk;
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const importResult = { file: 'quotes_v1/2015/12/2015-12-24.csv.gz', rows, medianMs: median(importMs), rowsPerSec: perSecond(rows, median(importMs)) };
  console.log(`import GOOG option quotes flat file:       ${importResult.medianMs.toFixed(0)} ms  ${rows.toLocaleString()} rows  ${importResult.rowsPerSec.toLocaleString()} rows/s (fresh SQLite file, ${importRuns} runs)`);

  return {
    input: { minutes: minutes.length, timeframes: TIMEFRAMES_UNDER_TEST, runs },
    engine,
    naiveArrayScan: { ...naive, ratio: naive.medianMs / engine.medianMs },
    candlestickConvertBatch: { ...ccBatch, ratio: ccBatch.medianMs / engine.medianMs },
    candlestickConvertLive: { minutes: oneDay.length, ...ccLive, optdeskMs: engineDay.medianMs, ratio: ccLive.medianMs / engineDay.medianMs },
    import: importResult,
  };
}

if (isMain(import.meta.url)) await runBarsBench();
