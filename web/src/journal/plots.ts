/**
 * The numbers behind the Statistics page's plots, from the journal's wire trades (closed
 * trades only): the equity curve in exit order, P&L per New York day laid out as a
 * calendar (weeks × weekdays), the R-multiple histogram and the MAE/MFE points. Pure, so
 * the binning and layout are unit-tested (test/web/journal-plots.test.ts).
 */
import type { WireJournalTrade } from './journalApi.js';

type Closed = WireJournalTrade & { exitTime: string };

export function closedTrades(trades: readonly WireJournalTrade[]): Closed[] {
  return trades.filter((t): t is Closed => t.status !== 'open' && t.exitTime !== null).sort((a, b) => Date.parse(a.exitTime) - Date.parse(b.exitTime));
}

/** Cumulative net P&L ($) after each closed trade, one point per exit second (lightweight-charts needs strictly rising times). */
export function equityPoints(trades: readonly WireJournalTrade[]): { time: number; value: number }[] {
  const out: { time: number; value: number }[] = [];
  let cents = 0;
  for (const t of closedTrades(trades)) {
    cents += Math.round(t.pnl * 100);
    const time = Math.floor(Date.parse(t.exitTime) / 1000) * 1000;
    const last = out.at(-1);
    if (last && last.time === time) last.value = cents / 100;
    else out.push({ time, value: cents / 100 });
  }
  return out;
}

export interface CalendarCell {
  /** New York date of the exits. */
  date: string;
  pnl: number;
  trades: number;
  /** 0 = the first week shown; weekday 0 = Monday … 4 = Friday (weekend exits fold into Friday). */
  week: number;
  weekday: number;
}

const dayNumber = (date: string): number => Math.floor(Date.parse(`${date}T00:00:00Z`) / 86_400_000);

/** P&L per exit day (New York date, from the wire time's own offset) on a weeks × weekdays grid. */
export function calendarCells(trades: readonly WireJournalTrade[]): CalendarCell[] {
  const byDay = new Map<string, { cents: number; trades: number }>();
  for (const t of closedTrades(trades)) {
    const d = t.exitTime.slice(0, 10);
    const cur = byDay.get(d) ?? { cents: 0, trades: 0 };
    cur.cents += Math.round(t.pnl * 100);
    cur.trades++;
    byDay.set(d, cur);
  }
  const days = [...byDay.keys()].sort();
  if (!days.length) return [];
  // Monday of the first day's week: 1970-01-01 was a Thursday (day 0 → weekday 3 from Monday).
  const mondayOf = (n: number) => n - ((n + 3) % 7);
  const first = mondayOf(dayNumber(days[0]!));
  return days.map((date) => {
    const n = dayNumber(date);
    const v = byDay.get(date)!;
    return { date, pnl: v.cents / 100, trades: v.trades, week: Math.floor((mondayOf(n) - first) / 7), weekday: Math.min(4, (n + 3) % 7) };
  });
}

export interface Bin {
  lo: number;
  hi: number;
  count: number;
}

/** Counts of `values` in bins of `width` from the lowest bin to the highest (empty bins kept, so gaps show). */
export function histogram(values: readonly number[], width: number): Bin[] {
  if (!values.length) return [];
  // Integer bin indices avoid float drift at the edges (1.0 / 0.5 is exactly bin 2).
  const idx = values.map((v) => Math.floor(Math.round((v / width) * 1e9) / 1e9));
  const lo = Math.min(...idx);
  const hi = Math.max(...idx);
  const bins: Bin[] = [];
  for (let i = lo; i <= hi; i++) bins.push({ lo: i * width, hi: (i + 1) * width, count: 0 });
  for (const i of idx) bins[i - lo]!.count++;
  return bins;
}

/** MAE/MFE ($) of the closed trades that have both, with their P&L for the colour. */
export function excursionPoints(trades: readonly WireJournalTrade[]): { id: string; mae: number; mfe: number; pnl: number }[] {
  return closedTrades(trades).flatMap((t) => (t.mae === null || t.mfe === null ? [] : [{ id: t.id, mae: t.mae, mfe: t.mfe, pnl: t.pnl }]));
}
