/**
 * Everything the scanner and the entry checklist know about one symbol at an instant,
 * kept incrementally: a baseline computed once per session from history (prior close,
 * daily ATR/EMA/average volume, the relative-volume curve of earlier sessions) plus the
 * streaming session indicators, so a new minute costs O(1) and reading the fields is O(1).
 *
 * Two modes:
 * - intraday, when the source has minutes for the session holding `at`: last, VWAP, opening
 *   range, pre-market, relative volume to the same minute of the session;
 * - daily, for symbols with only vendor daily bars (the 13-ticker history to 2021): the
 *   latest session that closed at or before `at` stands for "today".
 *
 * Definitions (shared with the tests, which recompute them from the raw files):
 * - prior close: the vendor's daily close of the previous session, else its last regular minute;
 * - gap % = (today's regular open − prior close) ÷ prior close × 100; change % likewise with last;
 * - relative volume = regular volume of the minutes complete by `at` ÷ the mean over up to N
 *   earlier sessions with minutes of their volume over the same number of minutes from the open;
 * - opening-range relative volume = volume of the first `orMinutes` ÷ the same mean for those minutes;
 * - ATR(14), EMA 21/50 and the 14-day average volume come from the last `dailyHistory` (260)
 *   vendor daily bars before today, each seeded at the window's first bar; the EMAs take
 *   today's last price as the forming day's close.
 */
import { type Session, nyDate, previousSession, sessionAt } from '../calendar/index.js';
import type { DailyAggregate, MinuteAggregate } from '../core/types.js';
import { MINUTE_MS } from '../core/types.js';
import type { BarReader } from './reader.js';
import { OpeningRange, PremarketRange, SessionVwap, TimeBlockLevels, segmentOf, type OpeningRangeState } from './session.js';
import { Atr, Ema } from './ta.js';
import { realizedVolFromDailyCloses } from '../options/model-quotes.js';

export interface SymbolStateOptions {
  /** Earlier sessions averaged for relative volume. Default 10. */
  relVolumeSessions?: number;
  /** Opening range length in minutes. Default 5. */
  orMinutes?: number;
  /** Time-block length in minutes. Default 60. */
  blockMinutes?: number;
  /** Daily bars of history for ATR/EMA warm-up. Default 260. */
  dailyHistory?: number;
}

export type OrState = 'none' | 'forming' | 'inside' | 'broke_up' | 'broke_down';
export type Trend = 'up' | 'down' | 'mixed';

/** The scanner's per-symbol fields (null when the data to compute one is missing). */
export interface SymbolFields {
  symbol: string;
  /** The instant described, epoch ms, and the session ("today"). */
  at: number;
  date: string;
  mode: 'intraday' | 'daily';
  last: number | null;
  open: number | null;
  prevClose: number | null;
  changePct: number | null;
  gapPct: number | null;
  volume: number | null;
  relVolume: number | null;
  premarketHigh: number | null;
  premarketLow: number | null;
  premarketVolume: number | null;
  orHigh: number | null;
  orLow: number | null;
  orVolume: number | null;
  orRelVolume: number | null;
  orState: OrState;
  atr14: number | null;
  avgVolume14: number | null;
  /** Annualised close-to-close volatility of the 20 sessions before today (for the checklist's IV point). */
  realizedVol20: number | null;
  vwap: number | null;
  vwapDistPct: number | null;
  ema21: number | null;
  ema50: number | null;
  trend: Trend | null;
  priorHigh: number | null;
  priorLow: number | null;
  blockHigh: number | null;
  blockLow: number | null;
  /** The previous time block's high or low nearest to last, and the signed distance (level − last) in %. */
  nearestLevel: number | null;
  nearestLevelDistPct: number | null;
  /** Regular-session 5-minute close (the last complete 5-minute bucket), for the checklist's momentum point. */
  close5m: number | null;
}

interface Baseline {
  session: Session;
  mode: 'intraday' | 'daily';
  prevClose: number | null;
  priorHigh: number | null;
  priorLow: number | null;
  atr14: number | null;
  avgVolume14: number | null;
  realizedVol20: number | null;
  /** EMA objects fed with the days before today; today's last is a revision of one more bar. */
  ema21: Ema;
  ema50: Ema;
  /** avgCum[k] = mean regular volume of the first k minutes over the earlier sessions; null without any. */
  avgCum: Float64Array | null;
  /** Daily mode: the as-of session's vendor bar. */
  today?: DailyAggregate;
  avgDailyVolumeForRel: number | null;
}

const pct = (a: number | null, b: number | null): number | null => (a === null || b === null || b === 0 ? null : ((a - b) / b) * 100);

export class SymbolState {
  private readonly vwap = new SessionVwap();
  private readonly premarket = new PremarketRange();
  private readonly or: OpeningRange;
  private readonly block: TimeBlockLevels;
  private lastMinute: MinuteAggregate | null = null;
  private open: number | null = null;
  private openStart = -1;
  /** VWAP stops at the close; after-hours the fields keep the session's final value. */
  private vwapHeld: number | null = null;
  private regularVolume = 0;
  /** Completed 5-minute bucket's close. */
  private close5m: number | null = null;
  private bucket5Start = -1;
  private bucket5Close: number | null = null;

  private constructor(readonly symbol: string, private readonly base: Baseline, private readonly opts: Required<SymbolStateOptions>) {
    this.or = new OpeningRange(opts.orMinutes);
    this.block = new TimeBlockLevels(opts.blockMinutes);
  }

  get session(): Session {
    return this.base.session;
  }

  get mode(): 'intraday' | 'daily' {
    return this.base.mode;
  }

  /** Builds the state at `at` from `reader`: baseline from history, then today's minutes complete by `at`. */
  static fromReader(reader: BarReader, symbol: string, at: number, options: SymbolStateOptions = {}): SymbolState {
    const opts: Required<SymbolStateOptions> = { relVolumeSessions: 10, orMinutes: 5, blockMinutes: 60, dailyHistory: 260, ...options };
    const todaySession = sessionAt(at) ?? previousSession(nyDate(at));
    const minutes = reader.minuteBars(symbol, todaySession.preOpen, at - MINUTE_MS + 1);
    const mode: 'intraday' | 'daily' = minutes.length > 0 ? 'intraday' : 'daily';
    let session = todaySession;
    let today: DailyAggregate | undefined;
    if (mode === 'daily') {
      // The latest session whose vendor bar was final by `at`.
      const recent = reader.dailyBars(symbol, at - 40 * 86_400_000, at + 1);
      for (let i = recent.length - 1; i >= 0; i--) {
        const s = sessionAt(recent[i]!.start);
        if (s && s.close <= at) {
          today = recent[i]!;
          session = s;
          break;
        }
      }
    }
    const daily = reader.dailyBars(symbol, session.midnight - Math.ceil(opts.dailyHistory * 1.5) * 86_400_000, session.midnight);
    const base = buildBaseline(reader, symbol, session, mode, daily, opts, today);
    const state = new SymbolState(symbol, base, opts);
    for (const m of minutes) state.onMinute(m);
    return state;
  }

  /**
   * A state for a live symbol known only from a market snapshot (no stored history): the
   * previous day seeds prior close/high/low; minutes and the day's totals stream in after.
   */
  static seeded(symbol: string, session: Session, prevDay: { high: number; low: number; close: number } | null, options: SymbolStateOptions = {}): SymbolState {
    const opts: Required<SymbolStateOptions> = { relVolumeSessions: 10, orMinutes: 5, blockMinutes: 60, dailyHistory: 260, ...options };
    const base = buildBaseline({ minuteBars: () => [], dailyBars: () => [], symbols: () => [] }, symbol, session, 'intraday', [], { ...opts, relVolumeSessions: 0 });
    if (prevDay) Object.assign(base, { prevClose: prevDay.close, priorHigh: prevDay.high, priorLow: prevDay.low });
    return new SymbolState(symbol, base, opts);
  }

  /** The provider's own totals for today (Massive snapshot `day`): they win over what our minutes add up to. */
  applyDay(day: { open: number; volume: number; vwap?: number } | null): void {
    this.day = day;
  }

  private day: { open: number; volume: number; vwap?: number } | null = null;

  /** A complete (or revised) 1-minute bar of today's session, in time order. */
  onMinute(bar: MinuteAggregate): void {
    const place = segmentOf(bar.start);
    if (!place || place.session.date !== this.base.session.date) return; // another day: a fresh state is built per session
    const revision = this.lastMinute !== null && this.lastMinute.start === bar.start;
    const v = this.vwap.update(bar);
    if (v !== null) this.vwapHeld = v;
    this.premarket.update(bar);
    this.or.update(bar);
    this.block.update(bar);
    if (place.segment === 'regular') {
      if (revision && segmentOf(this.lastMinute!.start)?.segment === 'regular') this.regularVolume -= this.lastMinute!.volume;
      this.regularVolume += bar.volume;
      // Today's open: the first regular minute's open (a revision of that minute may change it).
      if (this.open === null || bar.start === this.openStart) {
        this.open = bar.open;
        this.openStart = bar.start;
      }
      const b5 = place.session.open + Math.floor((bar.start - place.session.open) / (5 * MINUTE_MS)) * 5 * MINUTE_MS;
      if (b5 !== this.bucket5Start) {
        if (this.bucket5Start >= 0) this.close5m = this.bucket5Close;
        this.bucket5Start = b5;
      }
      this.bucket5Close = bar.close;
    }
    this.lastMinute = bar;
  }

  /** The fields at `at` (≥ the last minute fed). */
  fields(at: number): SymbolFields {
    const b = this.base;
    const s = b.session;
    if (b.mode === 'daily') return this.dailyFields(at);
    const last = this.lastMinute?.close ?? null;
    const minutesIn = Math.max(0, Math.min(Math.floor((Math.min(at, s.close) - s.open) / MINUTE_MS), Math.round((s.close - s.open) / MINUTE_MS)));
    const inRegular = at > s.open;
    const avgToNow = b.avgCum && inRegular ? b.avgCum[minutesIn]! : null;
    const pm = this.premarket.value();
    const or = this.or.value();
    const orEnd = Math.min(s.open + this.opts.orMinutes * MINUTE_MS, s.close);
    const orSet = or !== null && (or.set || at >= orEnd);
    const avgOr = b.avgCum ? b.avgCum[Math.round((orEnd - s.open) / MINUTE_MS)]! : null;
    const vwap = this.day?.vwap ?? this.vwapHeld;
    const open = this.day?.open ?? this.open;
    const volume = this.day?.volume ?? this.regularVolume;
    const ema21 = this.emaWith(b.ema21, last);
    const ema50 = this.emaWith(b.ema50, last);
    const blk = this.block.completedBy(at);
    const nearest = last === null || !blk ? null : Math.abs(blk.high - last) <= Math.abs(blk.low - last) ? blk.high : blk.low;
    // The bucket still forming counts as complete once its five minutes are over.
    const close5m = this.bucket5Start >= 0 && at >= this.bucket5Start + 5 * MINUTE_MS ? this.bucket5Close : this.close5m;
    return {
      symbol: this.symbol, at, date: s.date, mode: 'intraday',
      last, open, prevClose: b.prevClose, changePct: pct(last, b.prevClose), gapPct: pct(open, b.prevClose),
      volume, relVolume: avgToNow ? volume / avgToNow : null,
      premarketHigh: pm?.high ?? null, premarketLow: pm?.low ?? null, premarketVolume: pm?.volume ?? (at > s.preOpen ? 0 : null),
      orHigh: or?.high ?? null, orLow: or?.low ?? null, orVolume: or?.volume ?? null,
      orRelVolume: orSet && avgOr ? or.volume / avgOr : null,
      orState: orStateOf(or, orSet),
      atr14: b.atr14, avgVolume14: b.avgVolume14, realizedVol20: b.realizedVol20,
      vwap, vwapDistPct: pct(last, vwap),
      ema21, ema50, trend: trendOf(last, ema21, ema50),
      priorHigh: b.priorHigh, priorLow: b.priorLow,
      blockHigh: blk?.high ?? null, blockLow: blk?.low ?? null,
      nearestLevel: nearest, nearestLevelDistPct: pct(nearest, last),
      close5m,
    };
  }

  private emaWith(ema: Ema, last: number | null): number | null {
    if (last === null) return ema.value();
    // Today's forming daily close: a revision of one bar after yesterday (the Ema's revision rule).
    return ema.update({ start: this.base.session.midnight, open: last, high: last, low: last, close: last, volume: 0 });
  }

  private dailyFields(at: number): SymbolFields {
    const b = this.base;
    const t = b.today ?? null;
    const last = t?.close ?? null;
    const ema21 = this.emaWith(b.ema21, last);
    const ema50 = this.emaWith(b.ema50, last);
    return {
      symbol: this.symbol, at, date: b.session.date, mode: 'daily',
      last, open: t?.open ?? null, prevClose: b.prevClose, changePct: pct(last, b.prevClose), gapPct: pct(t?.open ?? null, b.prevClose),
      volume: t?.volume ?? null, relVolume: t && b.avgDailyVolumeForRel ? t.volume / b.avgDailyVolumeForRel : null,
      premarketHigh: null, premarketLow: null, premarketVolume: null,
      orHigh: null, orLow: null, orVolume: null, orRelVolume: null, orState: 'none',
      atr14: b.atr14, avgVolume14: b.avgVolume14, realizedVol20: b.realizedVol20, vwap: null, vwapDistPct: null,
      ema21, ema50, trend: trendOf(last, ema21, ema50),
      priorHigh: b.priorHigh, priorLow: b.priorLow, blockHigh: null, blockLow: null, nearestLevel: null, nearestLevelDistPct: null, close5m: null,
    };
  }
}

function orStateOf(or: OpeningRangeState | null, set: boolean): OrState {
  if (!or) return 'none';
  if (!set) return 'forming';
  return or.breakout === 'up' ? 'broke_up' : or.breakout === 'down' ? 'broke_down' : 'inside';
}

function trendOf(last: number | null, fast: number | null, slow: number | null): Trend | null {
  if (last === null || fast === null || slow === null) return null;
  if (last > fast && fast > slow) return 'up';
  if (last < fast && fast < slow) return 'down';
  return 'mixed';
}

function buildBaseline(
  reader: BarReader, symbol: string, session: Session, mode: 'intraday' | 'daily', daily: DailyAggregate[], opts: Required<SymbolStateOptions>, today?: DailyAggregate,
): Baseline {
  const prevSession = previousSession(session.date);
  const prevDaily = daily.length && daily[daily.length - 1]!.start === prevSession.midnight ? daily[daily.length - 1]! : null;
  let prevClose = prevDaily?.close ?? null;
  let priorHigh = prevDaily?.high ?? null;
  let priorLow = prevDaily?.low ?? null;
  // Relative-volume curve from earlier sessions that have minutes.
  const len = Math.round((session.close - session.open) / MINUTE_MS);
  let avgCum: Float64Array | null = null;
  if (mode === 'intraday') {
    const sum = new Float64Array(len + 1);
    let used = 0;
    let s = prevSession;
    for (let looked = 0; looked < opts.relVolumeSessions * 2 && used < opts.relVolumeSessions; looked++) {
      const mins = reader.minuteBars(symbol, s.open, s.close);
      if (mins.length > 0) {
        if (s.date === prevSession.date && prevClose === null) {
          prevClose = mins[mins.length - 1]!.close;
          priorHigh = Math.max(...mins.map((m) => m.high));
          priorLow = Math.min(...mins.map((m) => m.low));
        }
        const perMinute = new Float64Array(len);
        for (const m of mins) {
          const k = Math.floor((m.start - s.open) / MINUTE_MS);
          if (k >= 0 && k < len) perMinute[k]! += m.volume;
        }
        let cum = 0;
        for (let k = 0; k < len; k++) {
          cum += perMinute[k]!;
          sum[k + 1]! += cum;
        }
        used++;
      }
      s = previousSession(s.date);
    }
    if (used > 0) {
      avgCum = sum;
      for (let k = 0; k <= len; k++) avgCum[k]! /= used;
    }
  }
  const ema21 = new Ema(21);
  const ema50 = new Ema(50);
  const atr = new Atr(14);
  // A fixed window (not "whatever history exists"), so the EMA's seed is the same wherever the bars come from.
  for (const d of daily.slice(-opts.dailyHistory)) {
    ema21.update(d);
    ema50.update(d);
    atr.update(d);
  }
  const lastN = daily.slice(-14);
  const lastRel = daily.slice(-opts.relVolumeSessions);
  return {
    session, mode, prevClose, priorHigh, priorLow,
    atr14: atr.value(),
    realizedVol20: daily.length >= 21 ? realizedVolFromDailyCloses(daily.slice(-21).map((d) => d.close)) : null,
    avgVolume14: lastN.length === 14 ? lastN.reduce((a, d) => a + d.volume, 0) / 14 : null,
    ema21, ema50,
    avgCum, today,
    avgDailyVolumeForRel: lastRel.length > 0 ? lastRel.reduce((a, d) => a + d.volume, 0) / lastRel.length : null,
  };
}
