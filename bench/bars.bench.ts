/**
 * Bar-engine benchmarks, against credible baselines measured in the same run.
 *
 * Input: the real SPY/AIG/BAC minutes of 2013-10-04..11 (04:00–20:00), and the same six
 * sessions replayed onto the following trading sessions for 10× and 100× (each minute moved
 * by the difference of the session opens, so every bar stays session-aligned; minutes that
 * land after an early close's 17:00 fall outside the session and are skipped by everyone).
 *
 * Live: each minute in time order, `advanceClock(start)` then `applyMinute(live)`, every
 * timeframe (1m…4h regular + extended, 1D, 1W = 12) maintained. Compared with
 * - the object engine this columnar one replaced (`before`, checked out of git in this run);
 * - the straightforward last-bar merge: per symbol and timeframe an array of bars, each
 *   minute merged into the last bar or appended (same session-aligned buckets; no
 *   validation, no re-send/correction handling, no closing, no deltas, one series per
 *   timeframe instead of regular + extended views) — as plain objects and as typed arrays;
 * - candlestick-convert (epoch milliseconds, as it expects; the session-aligned bucket
 *   function passed to `batchCandlesWithCustomInterval`), re-batching only the forming
 *   bucket's minutes after each new minute.
 * Batch: every timeframe of the whole input at once: optdesk (history into a fresh engine,
 * then every series read) vs candlestick-convert over the same minutes; their bars are
 * compared, so the units and alignment are known to be right.
 *
 * The live input is held as columns (`MinuteTape`) and each contestant makes its minute
 * objects one at a time, as a feed decoding messages does. Holding 1.1M input objects for the
 * 100× run (~185 MB of old-generation heap) made every major GC of the run cost ~0.3–0.8 s
 * for whichever contestant allocated most, and that, with a single timed run at 100×, was
 * most of the "throughput falls with history" the earlier figures showed (the typed
 * baseline fell from 1.5M to 0.38M minutes/s at 100× too).
 *
 * Times are CPU time of this process (util.cpuRuns: the machine is shared): medians of
 * 15 / 5 / 3 runs at 1× / 10× / 100× after 3 / 1 / 1 warm-up runs, the sizes interleaved
 * round by round so load drift on the shared machine weighs on each size alike. Ratios are
 * printed as "optdesk ÷ baseline" of throughput: above 1 optdesk is faster, below 1 the
 * baseline is. Memory: heap + array buffers retained per million minutes
 * (needs --expose-gc, which `npm run bench` passes).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { BarEngine } from '../src/bars/index.js';
import { placeMinute, type MinutePlace } from '../src/bars/buckets.js';
import { INTRADAY_TIMEFRAMES, type MinuteAggregate, timeframeMinutes, type Bar } from '../src/core/types.js';
import { type Session, weekStartDate, nyMidnight } from '../src/calendar/index.js';
import { importFile } from '../src/feeds/flatfile/index.js';
import { openStore } from '../src/store/index.js';
import { DATA_DIR } from '../test/helpers/data.js';
import { median, cpuRuns, isMain, importBefore, BEFORE_REF } from './util.js';
import { realMinutes, scaled } from './input.js';

const require = createRequire(import.meta.url);
type Candle = [number, number, number, number, number, number];
const cc = require('candlestick-convert') as {
  batchCandlesWithCustomInterval(data: Candle[], interval: (t: number) => number, includeOpenCandle?: boolean): Candle[];
};

const MINUTE = 60_000;
const WIDTHS = INTRADAY_TIMEFRAMES.map((tf) => timeframeMinutes(tf) * MINUTE);

interface EngineLike {
  advanceClock(ms: number): void;
  applyMinute(m: MinuteAggregate, origin: 'live' | 'history'): boolean;
  series(symbol: string, tf: string, extended?: boolean): Bar[];
}
type EngineCtor = new (options?: { extended?: boolean; clock?: number }) => EngineLike;

/**
 * Input minutes as columns: a million minute objects kept alive for the whole run would sit
 * in the old generation and make every major GC pay for them (see the header). `at(i)` makes
 * a fresh object per call, so every contestant pays the same, small, young-generation cost.
 */
class MinuteTape {
  readonly length: number;
  private readonly names: string[];
  private readonly sym: Uint8Array;
  private readonly cols: Float64Array[];
  constructor(minutes: readonly MinuteAggregate[]) {
    this.length = minutes.length;
    this.names = [...new Set(minutes.map((m) => m.symbol))];
    const index = new Map(this.names.map((n, i) => [n, i]));
    this.sym = Uint8Array.from(minutes, (m) => index.get(m.symbol)!);
    this.cols = (['start', 'open', 'high', 'low', 'close', 'volume', 'vwap', 'trades'] as const)
      .map((k) => Float64Array.from(minutes, (m) => m[k] ?? NaN));
  }
  at(i: number): MinuteAggregate {
    const [start, open, high, low, close, volume, vwap, trades] = this.cols as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    const m: MinuteAggregate = { symbol: this.names[this.sym[i]!]!, start: start[i]!, open: open[i]!, high: high[i]!, low: low[i]!, close: close[i]!, volume: volume[i]! };
    if (vwap[i] === vwap[i]) m.vwap = vwap[i]!;
    if (trades[i] === trades[i]) m.trades = trades[i]!;
    return m;
  }
}

// ───────────────────────────── baselines ─────────────────────────────

/** Session-aligned bucket starts with one calendar lookup per segment (what any careful aggregator does). */
class Buckets {
  private place: MinutePlace | null = null;
  private weekOf = new Map<string, number>();
  at(start: number): MinutePlace | null {
    const p = this.place;
    if (p && start >= p.segmentStart && start < p.segmentEnd) return p;
    return (this.place = placeMinute(start));
  }
  /** Bucket start of timeframe index `t` (0–9 intraday, 10 = 1D, 11 = 1W); null for 1D/1W outside regular hours. */
  bucket(t: number, start: number, place: MinutePlace): number | null {
    if (t < 10) return place.segmentStart + Math.floor((start - place.segmentStart) / WIDTHS[t]!) * WIDTHS[t]!;
    if (place.segment !== 'regular') return null;
    return t === 10 ? place.session.midnight : this.week(place.session);
  }
  week(session: Session): number {
    let w = this.weekOf.get(session.date);
    if (w === undefined) this.weekOf.set(session.date, (w = nyMidnight(weekStartDate(session.date))));
    return w;
  }
}

interface ObjBar { start: number; open: number; high: number; low: number; close: number; volume: number }

/** Straightforward last-bar merge, plain objects: 10 intraday series (extended) + 1D + 1W per symbol. */
function runMergeObjects(tape: MinuteTape): number {
  const books = new Map<string, { b: Buckets; series: ObjBar[][] }>();
  for (let i = 0; i < tape.length; i++) {
    const m = tape.at(i);
    let book = books.get(m.symbol);
    if (!book) books.set(m.symbol, (book = { b: new Buckets(), series: Array.from({ length: 12 }, () => []) }));
    const place = book.b.at(m.start);
    if (!place) continue;
    for (let t = 0; t < 12; t++) {
      const start = book.b.bucket(t, m.start, place);
      if (start === null) continue;
      const bars = book.series[t]!;
      const last = bars[bars.length - 1];
      if (last && last.start === start) {
        if (m.high > last.high) last.high = m.high;
        if (m.low < last.low) last.low = m.low;
        last.close = m.close;
        last.volume += m.volume;
      } else bars.push({ start, open: m.open, high: m.high, low: m.low, close: m.close, volume: m.volume });
    }
  }
  return books.get('SPY')?.series[3]!.length ?? 0;
}

class Cols {
  n = 0;
  start = new Float64Array(1024); open = new Float64Array(1024); high = new Float64Array(1024);
  low = new Float64Array(1024); close = new Float64Array(1024); volume = new Float64Array(1024);
  push(start: number, o: number, h: number, l: number, c: number, v: number): void {
    if (this.n === this.start.length) {
      for (const k of ['start', 'open', 'high', 'low', 'close', 'volume'] as const) {
        const a = new Float64Array(this.n * 2);
        a.set(this[k]);
        this[k] = a;
      }
    }
    const i = this.n++;
    this.start[i] = start; this.open[i] = o; this.high[i] = h; this.low[i] = l; this.close[i] = c; this.volume[i] = v;
  }
}

/** The same last-bar merge into typed-array columns. */
function runMergeTyped(tape: MinuteTape): number {
  const books = new Map<string, { b: Buckets; series: Cols[] }>();
  for (let n = 0; n < tape.length; n++) {
    const m = tape.at(n);
    let book = books.get(m.symbol);
    if (!book) books.set(m.symbol, (book = { b: new Buckets(), series: Array.from({ length: 12 }, () => new Cols()) }));
    const place = book.b.at(m.start);
    if (!place) continue;
    for (let t = 0; t < 12; t++) {
      const start = book.b.bucket(t, m.start, place);
      if (start === null) continue;
      const s: Cols = book.series[t]!;
      const i = s.n - 1;
      if (i >= 0 && s.start[i] === start) {
        if (m.high > s.high[i]!) s.high[i] = m.high;
        if (m.low < s.low[i]!) s.low[i] = m.low;
        s.close[i] = m.close;
        s.volume[i] = s.volume[i]! + m.volume;
      } else s.push(start, m.open, m.high, m.low, m.close, m.volume);
    }
  }
  return books.get('SPY')?.series[3]!.n ?? 0;
}

/** Session-aligned interval function for candlestick-convert (epoch ms in, bucket start out). */
function intervalFn(t: number): (time: number) => number {
  const b = new Buckets();
  if (t === 10) return (time) => b.at(time)!.session.midnight;
  const w = WIDTHS[t]!;
  return (time) => {
    const p = b.at(time)!;
    return p.segmentStart + Math.floor((time - p.segmentStart) / w) * w;
  };
}

const CC_TFS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]; // 2m … 4h and 1D (1m is the input itself)

function candlesBySymbol(minutes: MinuteAggregate[]): Map<string, { all: Candle[]; regular: Candle[] }> {
  const out = new Map<string, { all: Candle[]; regular: Candle[] }>();
  for (const m of minutes) {
    if (!placeMinute(m.start)) continue;
    let e = out.get(m.symbol);
    if (!e) out.set(m.symbol, (e = { all: [], regular: [] }));
    const c: Candle = [m.start, m.open, m.high, m.low, m.close, m.volume];
    e.all.push(c);
    if (placeMinute(m.start)!.segment === 'regular') e.regular.push([...c] as Candle);
  }
  return out;
}

/** candlestick-convert on batch work: every timeframe of the whole input. */
function runCcBatch(input: Map<string, { all: Candle[]; regular: Candle[] }>): Map<string, Candle[]> {
  const out = new Map<string, Candle[]>();
  for (const [symbol, { all, regular }] of input) {
    for (const t of CC_TFS) out.set(`${symbol}|${t}`, cc.batchCandlesWithCustomInterval(t === 10 ? regular : all, intervalFn(t), true));
  }
  return out;
}

/** optdesk on the same batch work: history into a fresh engine, then every series read. */
function runOptdeskBatch(Engine: EngineCtor, minutes: MinuteAggregate[]): Map<string, Bar[]> {
  const engine = new Engine({ extended: true, clock: Date.UTC(2100, 0, 1) });
  for (const m of minutes) engine.applyMinute(m, 'history');
  const out = new Map<string, Bar[]>();
  for (const symbol of ['SPY', 'AIG', 'BAC']) {
    for (const t of CC_TFS) out.set(`${symbol}|${t}`, engine.series(symbol, t === 10 ? '1D' : INTRADAY_TIMEFRAMES[t]!, t !== 10));
  }
  return out;
}

/** candlestick-convert live, used sensibly: after each minute, re-batch only each timeframe's forming bucket. */
function runCcLive(minutes: MinuteAggregate[]): number {
  const books = new Map<string, { all: Candle[]; first: number[]; bucket: number[]; fns: ((t: number) => number)[] }>();
  let formed = 0;
  for (const m of minutes) {
    const place = placeMinute(m.start);
    if (!place) continue;
    let book = books.get(m.symbol);
    if (!book) books.set(m.symbol, (book = { all: [], first: CC_TFS.map(() => 0), bucket: CC_TFS.map(() => NaN), fns: CC_TFS.map(intervalFn) }));
    book.all.push([m.start, m.open, m.high, m.low, m.close, m.volume]);
    const last = book.all.length - 1;
    for (let k = 0; k < CC_TFS.length - 1; k++) { // intraday timeframes; 1D below would need a regular-only copy
      const b = book.fns[k]!(m.start);
      if (b !== book.bucket[k]) {
        book.bucket[k] = b;
        book.first[k] = last;
      }
      formed += cc.batchCandlesWithCustomInterval(book.all.slice(book.first[k]), book.fns[k]!, true).length;
    }
  }
  return formed;
}

function runLive(Engine: EngineCtor, tape: MinuteTape, listen = false): EngineLike {
  const engine = new Engine({ extended: true, clock: 0 });
  let deltas = 0;
  if (listen) (engine as unknown as { onDelta(l: () => void): void }).onDelta(() => deltas++);
  for (let i = 0; i < tape.length; i++) {
    const m = tape.at(i);
    engine.advanceClock(m.start);
    engine.applyMinute(m, 'live');
  }
  return engine;
}

/** Heap + array buffers retained by what `build` returns, per minute. */
function bytesPerMinute(build: () => unknown, minutes: number): number | null {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return null;
  gc();
  gc();
  const before = process.memoryUsage();
  const kept = build();
  gc();
  gc();
  const after = process.memoryUsage();
  const bytes = after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers;
  if (kept === undefined) throw new Error('nothing kept');
  return bytes / minutes;
}

// ───────────────────────────── run ─────────────────────────────

const perSec = (n: number, ms: number) => Math.round((n / ms) * 1000);
const fmt = (n: number) => n.toLocaleString('en-US');
function ratio(optdeskPerSec: number, baselinePerSec: number): string {
  const r = optdeskPerSec / baselinePerSec;
  return `optdesk ÷ baseline = ${r.toFixed(2)} (${r >= 1 ? 'optdesk faster' : 'baseline faster'})`;
}

export async function runBarsBench(): Promise<Record<string, unknown>> {
  const real = realMinutes();
  const Before = (await importBefore<{ BarEngine: EngineCtor }>('src/bars/engine.ts'))?.BarEngine ?? null;
  const Optdesk = BarEngine as unknown as EngineCtor;
  const sizes = [1, 10, 100] as const;
  // Arrays for the batch work (1×, 10×); the live work reads tapes (see MinuteTape).
  const inputs = new Map<number, MinuteAggregate[]>([1, 10].map((k) => [k, scaled(real, k)]));
  const tapes = new Map<number, MinuteTape>(sizes.map((k) => [k, new MinuteTape(inputs.get(k) ?? scaled(real, k))]));
  const runsFor = (k: number) => (k === 1 ? Number(process.env.BENCH_RUNS ?? 15) : 3);
  const liveRuns = (k: number) => (k === 1 ? Number(process.env.BENCH_RUNS ?? 15) : k === 10 ? 5 : 3); // for `measure`; `measureSizes` does 15 / 5 / 3
  console.log(`\n== Bar engine, live: real SPY/AIG/BAC minutes of 2013-10-04..11 (04:00–20:00) at 1× (${fmt(real.length)} minutes), 10× and 100×; 12 timeframes`);
  console.log('   CPU-time medians of 15 / 5 / 3 runs after 3 / 1 / 1 warm-ups, sizes interleaved; input replayed from columns, one fresh minute object per call for everyone');

  const live: Record<string, Record<string, { minutes: number; medianMs: number; minutesPerSec: number; runs: number } | string>> = {};
  const measure = (name: string, k: number, fn: (t: MinuteTape) => unknown) => {
    const tape = tapes.get(k)!;
    const ms = median(cpuRuns(liveRuns(k), () => fn(tape), k === 1 ? 3 : 1)); // small inputs: let every contestant's JIT settle
    (live[name] ??= {})[`${k}x`] = { minutes: tape.length, medianMs: +ms.toFixed(1), minutesPerSec: perSec(tape.length, ms), runs: liveRuns(k) };
    return perSec(tape.length, ms);
  };
  /**
   * One contestant at 1×, 10× and 100×, the sizes interleaved (each of 5 rounds: three 1×
   * runs, one 10×, and one 100× in the first 3), so the neighbours' load, which drifts over
   * the minutes a 100× run takes, weighs on every size alike and the scaling figures compare.
   */
  const measureSizes = (name: string, fn: (t: MinuteTape) => unknown, ks: readonly number[] = sizes) => {
    const times = new Map<number, number[]>(ks.map((k) => [k, []]));
    for (const k of ks) for (let w = 0; w < (k === 1 ? 3 : 1); w++) fn(tapes.get(k)!);
    for (let round = 0; round < 5; round++) {
      for (const k of ks) {
        const n = k === 1 ? 3 : k === 10 ? 1 : round < 3 ? 1 : 0;
        if (n > 0) times.get(k)!.push(...cpuRuns(n, () => fn(tapes.get(k)!), 0));
      }
    }
    for (const k of ks) {
      const tape = tapes.get(k)!;
      const ms = median(times.get(k)!);
      (live[name] ??= {})[`${k}x`] = { minutes: tape.length, medianMs: +ms.toFixed(1), minutesPerSec: perSec(tape.length, ms), runs: times.get(k)!.length };
    }
  };
  const rate = (name: string, k: number) => (live[name]?.[`${k}x`] as { minutesPerSec: number } | undefined)?.minutesPerSec ?? NaN;
  // Each contestant at every size in turn, optdesk first: runLive serves two engine classes,
  // and once it has seen the object engine its calls are polymorphic; measuring optdesk's 1×
  // before that and its 10×/100× after would tilt its own scaling figures.
  measureSizes('optdesk', (t) => runLive(Optdesk, t));
  measureSizes('lastBarMergeObjects', runMergeObjects);
  measureSizes('lastBarMergeTyped', runMergeTyped);
  // The object engine needs ~1.6 kB per minute: 100× (1.1M minutes) would take ~2 GB on a shared machine.
  if (Before) measureSizes('beforeObjectEngine', (t) => runLive(Before, t), [1, 10]);
  (live.beforeObjectEngine ??= {})['100x'] = Before ? 'not run (~2 GB of heap)' : 'not available';
  for (const k of sizes) {
    const ours = rate('optdesk', k);
    const before = rate('beforeObjectEngine', k);
    const objects = rate('lastBarMergeObjects', k);
    const typed = rate('lastBarMergeTyped', k);
    console.log(`${String(k).padStart(3)}× optdesk columnar engine:   ${fmt(ours).padStart(10)} minutes/s   (${fmt(tapes.get(k)!.length)} minutes)`);
    if (before === before) console.log(`     before (object engine):     ${fmt(before).padStart(10)} minutes/s   ${ratio(ours, before)}`);
    console.log(`     last-bar merge, objects:    ${fmt(objects).padStart(10)} minutes/s   ${ratio(ours, objects)}`);
    console.log(`     last-bar merge, typed:      ${fmt(typed).padStart(10)} minutes/s   ${ratio(ours, typed)}`);
  }
  // Scaling: each contestant's rate at 10× and 100× as a share of its own 1× rate (1.00 = flat).
  const scaling: Record<string, Record<string, number>> = {};
  for (const name of ['optdesk', 'lastBarMergeTyped', 'lastBarMergeObjects']) {
    const one = rate(name, 1);
    scaling[name] = { '10x': +(rate(name, 10) / one).toFixed(2), '100x': +(rate(name, 100) / one).toFixed(2) };
  }
  console.log(`  scaling (rate ÷ own 1× rate): optdesk 10× ${scaling.optdesk!['10x']}, 100× ${scaling.optdesk!['100x']}; ` +
    `typed merge 10× ${scaling.lastBarMergeTyped!['10x']}, 100× ${scaling.lastBarMergeTyped!['100x']}; ` +
    `object merge 10× ${scaling.lastBarMergeObjects!['10x']}, 100× ${scaling.lastBarMergeObjects!['100x']}`);
  // What the hub pays: a listener makes the engine build one Bar object per delta (~40 per minute here).
  const withListener = measure('optdeskWithDeltaListener', 1, (t) => runLive(Optdesk, t, true));
  const beforeWithListener = Before ? measure('beforeWithDeltaListener', 1, (t) => runLive(Before, t, true)) : null;
  console.log(`  1× with a delta listener (the hub's case): optdesk ${fmt(withListener)} minutes/s` +
    (beforeWithListener !== null ? `; before ${fmt(beforeWithListener)} → ${ratio(withListener, beforeWithListener)}` : ''));
  const ccLiveMs = median(cpuRuns(3, () => runCcLive(real)));
  const ccLive = { minutes: real.length, medianMs: +ccLiveMs.toFixed(1), minutesPerSec: perSec(real.length, ccLiveMs), timeframes: 'the 9 derived intraday (2m…4h)' };
  const oursLive1x = (live.optdesk!['1x'] as { minutesPerSec: number }).minutesPerSec;
  console.log(`  1× candlestick-convert, forming bucket re-batched per minute (9 intraday timeframes, less work): ${fmt(ccLive.minutesPerSec)} minutes/s   ${ratio(oursLive1x, ccLive.minutesPerSec)}`);

  // Batch: every timeframe of the whole input.
  console.log(`\n== Bar engine, batch: every timeframe (2m…4h extended, 1D) of the whole input`);
  const batch: Record<string, unknown> = {};
  for (const k of [1, 10] as const) {
    const minutes = inputs.get(k)!;
    const candles = candlesBySymbol(minutes);
    const runs = runsFor(k);
    const ccMs = median(cpuRuns(runs, () => runCcBatch(candles)));
    const oursMs = median(cpuRuns(runs, () => runOptdeskBatch(Optdesk, minutes)));
    // Same bars? (units and alignment right)
    const a = runCcBatch(candles);
    const b = runOptdeskBatch(Optdesk, minutes);
    let mismatches = 0;
    let bars = 0;
    for (const [key, ours] of b) {
      const theirs = a.get(key) ?? [];
      bars += ours.length;
      if (theirs.length !== ours.length) mismatches += Math.abs(theirs.length - ours.length) || 1;
      else ours.forEach((x, i) => {
        const y = theirs[i]!;
        if (x.start !== y[0] || x.open !== y[1] || x.high !== y[2] || x.low !== y[3] || x.close !== y[4] || Math.abs(x.volume - y[5]) > 1e-6) mismatches++;
      });
    }
    const ours = perSec(minutes.length, oursMs);
    const theirs = perSec(minutes.length, ccMs);
    batch[`${k}x`] = { minutes: minutes.length, bars, mismatchedBars: mismatches, optdeskMs: +oursMs.toFixed(1), candlestickConvertMs: +ccMs.toFixed(1), ratio: ours / theirs };
    console.log(`${String(k).padStart(3)}× optdesk (load + read every series) ${fmt(ours).padStart(10)} minutes/s; candlestick-convert ${fmt(theirs).padStart(10)} minutes/s   ${ratio(ours, theirs)}; ${fmt(bars)} bars, ${mismatches} differ`);
  }

  // Memory per million minutes retained (history load, every timeframe).
  const hundred = tapes.get(100)!;
  let stored = 0; // minutes the engine keeps (input minutes outside every session are refused)
  const oursBytes = bytesPerMinute(() => {
    const e = new BarEngine({ clock: Date.UTC(2100, 0, 1) });
    for (let i = 0; i < hundred.length; i++) e.applyMinute(hundred.at(i), 'history');
    stored = e.symbols().reduce((n, s) => n + e.minuteCount(s), 0);
    return e;
  }, hundred.length);
  const ten = inputs.get(10)!;
  const beforeBytes = Before ? bytesPerMinute(() => {
    const e = new Before({ clock: Date.UTC(2100, 0, 1) });
    for (const m of ten) e.applyMinute(m, 'history');
    return e;
  }, ten.length) : null;
  const memory = {
    optdeskBytesPerMinute: oursBytes === null ? null : Math.round(oursBytes),
    optdeskMBPerMillionMinutes: oursBytes === null ? null : Math.round(oursBytes),
    measuredOnMinutes: hundred.length,
    storedMinutes: stored,
    optdeskBytesPerStoredMinute: oursBytes === null || stored === 0 ? null : Math.round((oursBytes * hundred.length) / stored),
    beforeBytesPerMinute: beforeBytes === null ? null : Math.round(beforeBytes),
    beforeMeasuredOnMinutes: ten.length,
  };
  if (oursBytes === null) console.log('memory: run with --expose-gc (npm run bench does) to measure');
  else {
    console.log(`\nmemory retained, 12 timeframes: optdesk ${Math.round(oursBytes)} bytes/input minute = ${Math.round(oursBytes)} MB per million minutes (${fmt(hundred.length)} minutes); ${memory.optdeskBytesPerStoredMinute} bytes per stored minute (${fmt(stored)} stored)` +
      (beforeBytes !== null ? `; before ${Math.round(beforeBytes)} bytes/minute = ${fmt(Math.round(beforeBytes))} MB per million (${fmt(ten.length)} minutes); optdesk ÷ before = ${(oursBytes / beforeBytes).toFixed(3)} (lower: optdesk smaller)` : ''));
  }
  const goals = {
    minutesPerSec1x: oursLive1x,
    goalMinutesPerSec: 1_000_000,
    bytesPerMinute: memory.optdeskBytesPerStoredMinute,
    goalBytesPerMinute: 100,
  };
  console.log(`goals: ≥ 1,000,000 minutes/s live → ${fmt(oursLive1x)} (${oursLive1x >= 1e6 ? 'met' : `${(1e6 / oursLive1x).toFixed(2)}× short`}); ≤ 100 bytes per stored minute → ${memory.optdeskBytesPerStoredMinute ?? '?'} (${(memory.optdeskBytesPerStoredMinute ?? Infinity) <= 100 ? 'met' : 'not met'})`);

  // Import benchmark (unchanged): streaming the GOOG option-quote flat file into a fresh SQLite file.
  const quotesFile = path.join(DATA_DIR, 'flatfiles/us_options_opra/quotes_v1/2015/12/2015-12-24.csv.gz');
  const importMs: number[] = [];
  let rows = 0;
  for (let i = 0; i < 3; i++) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'optdesk-bench-'));
    const store = openStore(path.join(dir, 'bench.db'));
    const t0 = performance.now();
    const report = await importFile(quotesFile, store);
    importMs.push(performance.now() - t0);
    rows = report.rowsOk;
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const importResult = { file: 'quotes_v1/2015/12/2015-12-24.csv.gz', rows, medianMs: median(importMs), rowsPerSec: perSec(rows, median(importMs)) };
  console.log(`\nimport GOOG option quotes flat file: ${importResult.medianMs.toFixed(0)} ms, ${fmt(rows)} rows, ${fmt(importResult.rowsPerSec)} rows/s (fresh SQLite file, 3 runs, wall time)`);

  return { input: { realMinutes: real.length, scales: sizes, beforeRef: BEFORE_REF }, live, scaling, candlestickConvertLive: ccLive, batch, memory, goals, import: importResult };
}

if (isMain(import.meta.url)) await runBarsBench();
