/**
 * Chart overlays from the same computations the scanner and checklist use, consistent on
 * every timeframe: VWAP and the session levels (prior day high/low/close, pre-market
 * high/low, opening range) are computed from the 1-minute bars, so a 5m and a 1h chart
 * show the same levels and the same VWAP at the same instant; only EMA 21/50 run over the
 * chart's own bars (an EMA 21 of 5-minute bars is what a trader means on a 5m chart).
 */
import { previousSession, sessionAt } from '../calendar/index.js';
import { MINUTE_MS, type Ohlcv } from '../core/types.js';
import { OpeningRange, PremarketRange, SessionVwap } from './session.js';
import { Ema } from './ta.js';
import { batch, type IndicatorBar } from './types.js';

export interface OverlayPoint {
  /** Bar start, epoch ms. */
  time: number;
  value: number;
}

export interface SessionOverlay {
  date: string;
  /** First and last chart bar (start, epoch ms) of the session on this chart. */
  from: number;
  to: number;
  priorHigh: number | null;
  priorLow: number | null;
  priorClose: number | null;
  premarketHigh: number | null;
  premarketLow: number | null;
  orHigh: number | null;
  orLow: number | null;
}

export interface Overlays {
  vwap: OverlayPoint[];
  ema21: OverlayPoint[];
  ema50: OverlayPoint[];
  sessions: SessionOverlay[];
}

export interface OverlayInput {
  /** Bucket length of the chart's bars in minutes; null for daily/weekly charts. */
  tfMinutes: number | null;
  /** The chart's bars, ascending. */
  bars: ReadonlyArray<IndicatorBar>;
  /** 1-minute bars (extended hours included) covering the chart's sessions, ascending. */
  minutes: ReadonlyArray<IndicatorBar>;
  /** Closed daily bars (vendor where imported) before and during the chart's sessions. */
  daily: ReadonlyArray<{ start: number } & Ohlcv>;
}

const points = (bars: ReadonlyArray<IndicatorBar>, values: ReadonlyArray<number | null>): OverlayPoint[] =>
  values.flatMap((v, i) => (v === null ? [] : [{ time: bars[i]!.start, value: v }]));

export function computeOverlays(input: OverlayInput): Overlays {
  const { bars, minutes, tfMinutes } = input;
  const ema21 = points(bars, batch(() => new Ema(21), bars));
  const ema50 = points(bars, batch(() => new Ema(50), bars));
  if (tfMinutes === null || bars.length === 0) return { vwap: [], ema21, ema50, sessions: [] };

  // VWAP at each bar's end: the 1-minute VWAP after the last regular minute inside the bar.
  const vwap: OverlayPoint[] = [];
  const ind = new SessionVwap();
  let m = 0;
  for (const bar of bars) {
    const session = sessionAt(bar.start);
    if (!session || bar.start < session.open || bar.start >= session.close) continue;
    const end = Math.min(bar.start + tfMinutes * MINUTE_MS, session.close);
    let value: number | null = null;
    while (m < minutes.length && minutes[m]!.start < end) {
      const v = ind.update(minutes[m]!);
      if (v !== null && minutes[m]!.start >= bar.start) value = v;
      m++;
    }
    if (value !== null) vwap.push({ time: bar.start, value });
  }

  // Session levels from the minutes of each session the chart shows.
  const byDate = new Map<string, { from: number; to: number }>();
  for (const bar of bars) {
    const s = sessionAt(bar.start);
    if (!s) continue;
    const e = byDate.get(s.date);
    if (e) e.to = bar.start;
    else byDate.set(s.date, { from: bar.start, to: bar.start });
  }
  const dailyByStart = new Map(input.daily.map((d) => [d.start, d]));
  const sessions: SessionOverlay[] = [];
  for (const [date, span] of byDate) {
    const s = sessionAt(span.from)!;
    const prev = previousSession(date);
    let prior = dailyByStart.get(prev.midnight) ?? null;
    if (!prior) {
      const reg = minutes.filter((x) => x.start >= prev.open && x.start < prev.close);
      prior = reg.length ? { start: prev.midnight, open: reg[0]!.open, high: Math.max(...reg.map((x) => x.high)), low: Math.min(...reg.map((x) => x.low)), close: reg[reg.length - 1]!.close, volume: 0 } : null;
    }
    const pm = new PremarketRange();
    const or = new OpeningRange(5);
    for (const x of minutes) {
      if (x.start < s.preOpen || x.start >= s.close) continue;
      pm.update(x);
      or.update(x);
    }
    const orv = or.value();
    sessions.push({
      date, from: span.from, to: span.to,
      priorHigh: prior?.high ?? null, priorLow: prior?.low ?? null, priorClose: prior?.close ?? null,
      premarketHigh: pm.value()?.high ?? null, premarketLow: pm.value()?.low ?? null,
      orHigh: orv?.high ?? null, orLow: orv?.low ?? null,
    });
  }
  return { vwap, ema21, ema50, sessions };
}
