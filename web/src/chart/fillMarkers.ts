/**
 * Fills as chart markers: the entries and exits of the trading stream's orders, on the
 * chart of the traded symbol and, for an option, on its underlying's chart too. Each fill
 * sits on the bar that contains its time (fills of another session or outside the bars
 * on screen are not drawn); buys are green arrows under the bar, sells red arrows over it.
 * The marker text stays short (side and price) — the legend of the hovered bar lists each
 * fill with price, quantity, side, contract and time.
 *
 * lightweight-charts allows one markers primitive per series, so seriesMarkers.ts merges these
 * with the bad-print markers into a single setMarkers call (mergeMarkers).
 */
import type { SeriesMarker, UTCTimestamp } from 'lightweight-charts';
import type { WireOrder } from '../../../src/broker/wire.js';
import { parseOccTicker } from '../../../src/core/occ.js';
import { toChartTime } from '../nyTime.js';

export interface ChartFill {
  id: string;
  /** What was traded: the stock or the option contract. */
  symbol: string;
  side: 'buy' | 'sell';
  qty: number;
  price: number;
  /** UTC ms. */
  time: number;
  /** The order's role: entry, take_profit, stop_loss, expiry, flatten. */
  role: string;
}

export interface PlacedFill extends ChartFill {
  /** Start (UTC ms) of the bar the fill is drawn on. */
  barStart: number;
}

const TF_MS: Record<string, number> = { '1m': 60_000, '3m': 180_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000, '4h': 14_400_000, '1D': 86_400_000, '1W': 7 * 86_400_000 };

const COLORS = { buy: '#3fb950', sell: '#f85149' };

/** Every fill of the orders, oldest first. */
export function fillsOf(orders: Iterable<WireOrder>): ChartFill[] {
  const out: ChartFill[] = [];
  for (const o of orders) {
    for (const f of o.fills) {
      const time = Date.parse(f.time);
      if (Number.isFinite(time)) out.push({ id: f.id, symbol: o.symbol, side: f.side, qty: f.qty, price: f.price, time, role: o.role });
    }
  }
  return out.sort((a, b) => a.time - b.time || a.id.localeCompare(b.id));
}

/** The fills that belong on `chartSymbol`'s chart: its own, and those of its options. */
export function fillsForChart(fills: readonly ChartFill[], chartSymbol: string): ChartFill[] {
  return fills.filter((f) => f.symbol === chartSymbol || parseOccTicker(f.symbol)?.underlying === chartSymbol);
}

/**
 * Each fill on the bar containing its time: the last bar starting at or before it, if the
 * fill is no later than that bar's end (a bar's end is inclusive so a fill at the 13:00
 * close still lands on the last bar of an early-close day).
 */
export function placeFills(fills: readonly ChartFill[], bars: readonly { start: number }[], tf: string): PlacedFill[] {
  const span = TF_MS[tf] ?? 60_000;
  const out: PlacedFill[] = [];
  for (const f of fills) {
    let lo = 0;
    let hi = bars.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (bars[mid]!.start <= f.time) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) continue;
    const start = bars[found]!.start;
    if (f.time - start <= span) out.push({ ...f, barStart: start });
  }
  return out;
}

/** "B 2.10" over/under the bar; the id carries the fill id so a test can match it. */
export function fillMarkers(placed: readonly PlacedFill[]): SeriesMarker<UTCTimestamp>[] {
  return placed.map((f) => ({
    id: `fill:${f.id}`,
    time: toChartTime(f.barStart),
    position: f.side === 'buy' ? ('belowBar' as const) : ('aboveBar' as const),
    shape: f.side === 'buy' ? ('arrowUp' as const) : ('arrowDown' as const),
    color: COLORS[f.side],
    size: 1,
    text: `${f.side === 'buy' ? 'B' : 'S'} ${f.price.toFixed(2)}`,
  }));
}

/** One list for the series' single markers primitive, in time order as the library wants. */
export function mergeMarkers(...lists: SeriesMarker<UTCTimestamp>[][]): SeriesMarker<UTCTimestamp>[] {
  return lists.flat().sort((a, b) => a.time - b.time);
}

/** A key that changes when what is drawn changes, so markers are re-set only then. */
export function placedKey(placed: readonly PlacedFill[]): string {
  return placed.map((f) => `${f.id}@${f.barStart}`).join(',');
}
