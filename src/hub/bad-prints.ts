/**
 * Bad prints on the chart. The minutes `optdesk check` flags as bad ticks (src/bars/integrity.ts,
 * e.g. SPY 2013-10-08 15:03 and 15:36, highs far above the market) are drawn as tall spikes
 * that squash every candle around them. A chart subscription says what it wants:
 *
 * - `badPrints: 'hide'` (the default): a flagged minute's high/low are clamped to its body
 *   (open/close) before aggregation, so every timeframe's high/low come from the clamped
 *   minutes — each bar still agrees with the (clamped) 1-minute bars inside it;
 * - `badPrints: 'show'`: the bars as stored.
 *
 * Either way a bar holding a flagged minute carries `badPrint` (its raw high/low) so the
 * chart can mark it. This is a view of the engine's series, never a write: the store and
 * the BarEngine keep the original prints.
 *
 * Flags are kept per symbol and New York day and re-checked incrementally: a minute's verdict
 * depends only on the minutes before it that day, so a changed minute re-checks that day
 * from itself on (live minutes arrive last: one check each).
 */
import type { Bar, Timeframe } from '../core/types.js';
import { MINUTE_MS, isIntraday, timeframeMinutes } from '../core/types.js';
import { type BarDelta, type BarEngine, intradayBucket, placeMinute } from '../bars/index.js';
import { flagMinuteBadTicks } from '../bars/integrity.js';
import { nyDate, sessionOn } from '../calendar/index.js';

export type BadPrintMode = 'hide' | 'show';
export const BAD_PRINT_MODES = ['hide', 'show'] as const;

/** A bar with the flag the wire carries. */
export type MarkedBar = Bar & { badPrint?: { high: number; low: number } };

interface SymbolFlags {
  /** Flagged regular-session minutes per New York day, by start. */
  byDay: Map<string, Map<number, Bar>>;
  /** Per day: the earliest minute changed since the day was last checked. */
  dirtyFrom: Map<string, number>;
}

const WEEK_MS = 7 * 24 * 60 * MINUTE_MS;

export class BadPrintFilter {
  private readonly symbols = new Map<string, SymbolFlags>();

  constructor(private engine: BarEngine) {}

  /** A new (replay-reset) engine: every flag is void. */
  reset(engine: BarEngine): void {
    this.engine = engine;
    this.symbols.clear();
  }

  /** Every engine delta passes here first; regular 1-minute changes mark their day for a re-check. */
  note(d: BarDelta): void {
    if (d.tf !== '1m' || d.extended) return;
    const flags = this.flagsOf(d.symbol);
    const day = nyDate(d.bar.start);
    const from = flags.dirtyFrom.get(day);
    if (from === undefined || d.bar.start < from) flags.dirtyFrom.set(day, d.bar.start);
  }

  /** `bar` of (symbol, tf, extended) as a chart in `mode` shows it. */
  view(symbol: string, tf: Timeframe, extended: boolean, bar: Bar, mode: BadPrintMode): MarkedBar {
    const flags = this.symbols.get(symbol);
    if (!flags) return bar;
    this.refresh(symbol, flags);
    const span = spanOf(tf, bar.start);
    let rawHigh = -Infinity;
    let rawLow = Infinity;
    for (const [day, minutes] of flags.byDay) {
      if (minutes.size === 0 || !dayMayOverlap(day, span)) continue;
      for (const m of minutes.values()) {
        if (m.start < span.start || m.start >= span.end || !inBucket(tf, m.start, bar.start)) continue;
        rawHigh = Math.max(rawHigh, m.high);
        rawLow = Math.min(rawLow, m.low);
      }
    }
    if (rawHigh === -Infinity) return bar;
    const badPrint = { high: bar.high, low: bar.low };
    if (mode === 'show') return { ...bar, badPrint };
    // Only an extreme that may come from a bad print is recomputed: a vendor daily high set by
    // a good print elsewhere in the day stays.
    const fromBadHigh = rawHigh >= bar.high;
    const fromBadLow = rawLow <= bar.low;
    if (!fromBadHigh && !fromBadLow) return { ...bar, badPrint };
    const daily = tf === '1D' || tf === '1W';
    let high = -Infinity;
    let low = Infinity;
    for (const m of this.engine.series(symbol, '1m', daily ? false : extended, span.start, span.end)) {
      if (daily || inBucket(tf, m.start, bar.start)) {
        const bad = flags.byDay.get(nyDate(m.start))?.has(m.start) ?? false;
        high = Math.max(high, bad ? Math.max(m.open, m.close) : m.high);
        low = Math.min(low, bad ? Math.min(m.open, m.close) : m.low);
      }
    }
    if (high === -Infinity) return { ...bar, badPrint };
    return {
      ...bar,
      high: fromBadHigh ? Math.max(high, bar.open, bar.close) : bar.high,
      low: fromBadLow ? Math.min(low, bar.open, bar.close) : bar.low,
      badPrint,
    };
  }

  /** A whole series (snapshot, GET /api/bars). */
  series(symbol: string, tf: Timeframe, extended: boolean, bars: readonly Bar[], mode: BadPrintMode): MarkedBar[] {
    if (!this.symbols.has(symbol)) return bars as MarkedBar[];
    return bars.map((b) => this.view(symbol, tf, extended, b, mode));
  }

  /** Starts of the flagged minutes of `symbol` (tests, health). */
  flagged(symbol: string): number[] {
    const flags = this.symbols.get(symbol);
    if (!flags) return [];
    this.refresh(symbol, flags);
    return [...flags.byDay.values()].flatMap((m) => [...m.keys()]).sort((a, b) => a - b);
  }

  private flagsOf(symbol: string): SymbolFlags {
    let flags = this.symbols.get(symbol);
    if (!flags) {
      flags = { byDay: new Map(), dirtyFrom: new Map() };
      this.symbols.set(symbol, flags);
    }
    return flags;
  }

  /** Re-checks the days whose minutes changed, from the earliest changed minute on. */
  private refresh(symbol: string, flags: SymbolFlags): void {
    if (flags.dirtyFrom.size === 0) return;
    for (const [day, changedFrom] of flags.dirtyFrom) {
      const session = sessionOn(day);
      if (!session) continue;
      const minutes = this.engine.series(symbol, '1m', false, session.open, session.close);
      let from = 0;
      while (from < minutes.length && minutes[from]!.start < changedFrom) from++;
      const kept = new Map([...(flags.byDay.get(day) ?? new Map<number, Bar>())].filter(([start]) => start < changedFrom));
      for (const f of flagMinuteBadTicks(minutes, from)) kept.set(minutes[f.index]!.start, minutes[f.index]!);
      flags.byDay.set(day, kept);
    }
    flags.dirtyFrom.clear();
  }
}

/** The time range a bar of `tf` starting at `start` can cover (an upper bound for intraday buckets). */
function spanOf(tf: Timeframe, start: number): { start: number; end: number } {
  if (tf === '1D') return { start, end: sessionOn(nyDate(start))?.close ?? start + 24 * 60 * MINUTE_MS };
  if (isIntraday(tf)) return { start, end: start + timeframeMinutes(tf) * MINUTE_MS };
  return { start, end: start + WEEK_MS };
}

/** Whether the minute at `minuteStart` belongs to the `tf` bucket starting at `barStart` (buckets align to segments). */
function inBucket(tf: Timeframe, minuteStart: number, barStart: number): boolean {
  if (!isIntraday(tf) || tf === '1m') return true; // the span check suffices
  const place = placeMinute(minuteStart);
  return !!place && intradayBucket(minuteStart, place, tf).start === barStart;
}

function dayMayOverlap(day: string, span: { start: number; end: number }): boolean {
  const session = sessionOn(day);
  return !!session && session.open < span.end && session.close > span.start;
}
