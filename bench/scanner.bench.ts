/**
 * Scanner benchmark: a synthetic 5,000-symbol universe (fixed seed), refreshed minute by
 * minute through the scanner's two inputs —
 *   - pull: Scanner.refresh over a BarReader (one new minute per symbol per refresh);
 *   - push: one full-market snapshot per minute in Massive's wire shape
 *     (`/v2/snapshot/locale/us/markets/stocks/tickers`), parsed and applied;
 * against the baseline of recomputing every field from scratch each minute (rebuilding
 * each symbol's state from its history: 10 earlier sessions of minutes + 260 daily bars).
 *
 * The reader generates bars on demand from a hash of (seed, symbol, minute), so 5,000
 * symbols × 11 sessions of minutes cost no memory and every run sees the same data.
 *
 * Run alone: node --import tsx bench/scanner.bench.ts
 */
import { nyTimeToMs, previousSession, sessionOn, type Session } from '../src/calendar/index.js';
import type { DailyAggregate, MinuteAggregate } from '../src/core/types.js';
import { SymbolState, type BarReader } from '../src/indicators/index.js';
import { Scanner, applySpec, parseSnapshot, presetNamed } from '../src/scanner/index.js';
import { isMain, median } from './util.js';

const SEED = 42;
const SYMBOLS = Number(process.env.SCANNER_BENCH_SYMBOLS ?? 5_000);
const DATE = '2026-03-10';
const MINUTE = 60_000;
const DAY = 86_400_000;

/** 32-bit hash of three integers → [0, 1). */
function u(a: number, b: number, c: number): number {
  let h = (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35) ^ Math.imul(c + SEED, 0x27d4eb2f)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39) >>> 0;
  return ((h ^ (h >>> 15)) >>> 0) / 4_294_967_296;
}

class SyntheticMarket implements BarReader {
  readonly names = Array.from({ length: SYMBOLS }, (_, i) => `S${String(i).padStart(4, '0')}`);
  private readonly index = new Map(this.names.map((n, i) => [n, i]));
  private readonly sessionCache = new Map<number, Session | null>();
  generated = 0;

  private price(i: number, k: number): number {
    const base = 5 + 295 * u(i, 1, 1);
    const vol = 0.002 + 0.02 * u(i, 2, 2);
    return base * Math.exp(vol * (Math.sin(k / 97 + 6 * u(i, 3, 3)) * 8 + Math.sin(k / 13 + 6 * u(i, 4, 4)) * 2 + (u(i, k, 5) - 0.5)));
  }

  private bar(symbol: string, i: number, start: number, session: Session): MinuteAggregate {
    const k = Math.floor(start / MINUTE);
    const o = this.price(i, k);
    const c = this.price(i, k + 1);
    const minuteOfDay = (start - session.open) / MINUTE;
    const shape = minuteOfDay < 0 || minuteOfDay >= 390 ? 0.1 : 1 + 2 * ((minuteOfDay - 195) / 195) ** 2;
    this.generated++;
    return {
      symbol, start, open: o, close: c,
      high: Math.max(o, c) * (1 + 0.001 * u(i, k, 6)), low: Math.min(o, c) * (1 - 0.001 * u(i, k, 7)),
      volume: Math.round((2_000 + 200_000 * u(i, 8, 8)) * shape * (0.5 + u(i, k, 9))),
    };
  }

  private sessionOfDay(dayStart: number): Session | null {
    let s = this.sessionCache.get(dayStart);
    if (s === undefined) {
      s = sessionOn(new Date(dayStart + 12 * 3_600_000).toISOString().slice(0, 10));
      this.sessionCache.set(dayStart, s);
    }
    return s;
  }

  minuteBars(symbol: string, fromMs: number, toMs: number): MinuteAggregate[] {
    const i = this.index.get(symbol);
    if (i === undefined) return [];
    const out: MinuteAggregate[] = [];
    // Walk the New York days the range touches; only pre-market + regular minutes trade.
    for (let d = Math.floor((fromMs - 5 * 3_600_000) / DAY) * DAY; d < toMs; d += DAY) {
      const s = this.sessionOfDay(d);
      if (!s) continue;
      const lo = Math.max(fromMs, s.preOpen);
      const hi = Math.min(toMs, s.close);
      for (let t = Math.ceil(lo / MINUTE) * MINUTE; t < hi; t += MINUTE) out.push(this.bar(symbol, i, t, s));
    }
    return out;
  }

  dailyBars(symbol: string, fromMs: number, toMs: number): DailyAggregate[] {
    const i = this.index.get(symbol);
    if (i === undefined) return [];
    const out: DailyAggregate[] = [];
    for (let d = Math.floor((fromMs - 5 * 3_600_000) / DAY) * DAY; d < toMs; d += DAY) {
      const s = this.sessionOfDay(d);
      if (!s || s.midnight < fromMs || s.midnight >= toMs) continue;
      const k = Math.floor(s.open / MINUTE);
      const o = this.price(i, k);
      const c = this.price(i, k + 390);
      out.push({ symbol, start: s.midnight, open: o, close: c, high: Math.max(o, c) * 1.01, low: Math.min(o, c) * 0.99, volume: Math.round((2_000 + 200_000 * u(i, 8, 8)) * 500) });
    }
    return out;
  }

  symbols(): string[] {
    return this.names;
  }

  /** The full-market snapshot at `at` in Massive's wire shape: the day so far, the last complete minute, the previous day. */
  snapshotWire(at: number): { status: string; tickers: unknown[] } {
    const s = sessionOn(DATE)!;
    const prev = previousSession(DATE);
    const tickers = this.names.map((name, i) => {
      const m = this.bar(name, i, at - MINUTE, s);
      const pd = this.dailyBars(name, prev.midnight, prev.midnight + 1)[0]!;
      const open = this.price(i, Math.floor(s.open / MINUTE));
      return {
        ticker: name,
        day: { o: open, h: Math.max(open, m.high), l: Math.min(open, m.low), c: m.close, v: m.volume * 100, vw: (open + m.close) / 2 },
        min: { av: m.volume * 100, t: m.start, n: 10, o: m.open, h: m.high, l: m.low, c: m.close, v: m.volume, vw: (m.high + m.low + m.close) / 3 },
        prevDay: { o: pd.open, h: pd.high, l: pd.low, c: pd.close, v: pd.volume, vw: pd.close },
        lastTrade: { c: [], i: '1', p: m.close, s: 100, t: at * 1e6, x: 4 },
        updated: at * 1e6,
      };
    });
    return { status: 'OK', tickers };
  }
}

export async function runScannerBench(): Promise<Record<string, unknown>> {
  const market = new SyntheticMarket();
  const spec = presetNamed('gappers');
  const t0 = nyTimeToMs(DATE, '10:30');
  console.log(`\n== Scanner: synthetic ${SYMBOLS.toLocaleString()}-symbol universe (seed ${SEED}), ${DATE} from 10:30, every field of every symbol, preset gappers`);

  // Full rescan: every SymbolState built from history (10 earlier sessions of minutes, 260 daily bars) + filter/sort/top 10.
  const fullMs: number[] = [];
  let scanner!: Scanner;
  for (let run = 0; run < 2; run++) {
    scanner = new Scanner({ reader: market });
    const t = performance.now();
    await scanner.scan(market.names, t0, spec);
    fullMs.push(performance.now() - t);
  }

  // Incremental, pull: one new minute per symbol per refresh (the last built scanner continues).
  const pullMs: number[] = [];
  let at = t0;
  for (let i = 0; i < 20; i++) {
    at += MINUTE;
    const t = performance.now();
    await scanner.scan(market.names, at, spec);
    pullMs.push(performance.now() - t);
  }

  // Incremental, push: a Massive-shaped full-market snapshot per minute → parse → apply → filter/sort.
  const pushMs: number[] = [];
  for (let i = 0; i < 20; i++) {
    at += MINUTE;
    const wire = JSON.parse(JSON.stringify(market.snapshotWire(at))) as unknown; // as it comes off the network
    const t = performance.now();
    const rows = scanner.applySnapshot(parseSnapshot(wire).rows, at);
    applySpec(rows, spec);
    pushMs.push(performance.now() - t);
  }

  // Baseline: recompute every field from scratch at a minute (rebuild each symbol from its history).
  const baselineMs: number[] = [];
  for (let i = 0; i < 2; i++) {
    at += MINUTE;
    const t = performance.now();
    const rows = market.names.map((name) => ({ ...SymbolState.fromReader(market, name, at).fields(at), options: null }));
    applySpec(rows, spec);
    baselineMs.push(performance.now() - t);
  }

  const full = median(fullMs);
  const pull = median(pullMs);
  const push = median(pushMs);
  const base = median(baselineMs);
  const result = {
    symbols: SYMBOLS, seed: SEED, date: DATE,
    fullRescanMs: Number(full.toFixed(1)),
    incrementalMinuteMs: Number(pull.toFixed(1)),
    snapshotMinuteMs: Number(push.toFixed(1)),
    fromScratchMinuteMs: Number(base.toFixed(1)),
    optdeskOverBaseline: Number((pull / base).toFixed(4)),
    snapshotOverBaseline: Number((push / base).toFixed(4)),
  };
  console.log(`full rescan (build every symbol from history):        ${result.fullRescanMs} ms`);
  console.log(`incremental minute, pull (1 new bar per symbol):      ${result.incrementalMinuteMs} ms`);
  console.log(`incremental minute, Massive snapshot (parse + apply): ${result.snapshotMinuteMs} ms`);
  console.log(`baseline: every field from scratch each minute:       ${result.fromScratchMinuteMs} ms`);
  console.log(`optdesk ÷ baseline = ${result.optdeskOverBaseline} (pull), ${result.snapshotOverBaseline} (snapshot) — lower is better: ${(base / pull).toFixed(0)}× / ${(base / push).toFixed(0)}× less time per minute`);
  return result;
}

if (isMain(import.meta.url)) await runScannerBench();
