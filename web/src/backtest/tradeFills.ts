/**
 * A backtest's trades on the desk's chart: each trade as two ChartFills (entry and exit) for
 * the chart's fill markers (chart/fillMarkers.ts: buys under the bar, sells over it), and
 * where the replay jumps to show a trade (its session, paused a few minutes after the exit
 * so both markers' bars are on screen).
 */
import type { ChartFill } from '../chart/fillMarkers.js';
import type { ReportTrade } from './backtestApi.js';

/** Entry and exit of every trade, ids `bt:<run>:<n>:in|out`, roles saying which leg it was. */
export function tradeFills(run: string, symbol: string, trades: readonly ReportTrade[]): ChartFill[] {
  return trades.flatMap((t, i) => {
    const enter = t.side === 'long' ? 'buy' : 'sell';
    const leave = t.side === 'long' ? 'sell' : 'buy';
    return [
      { id: `bt:${run}:${i}:in`, symbol, side: enter, qty: t.qty, price: t.entryPrice, time: Date.parse(t.entryTime), role: `backtest ${t.side} entry (${t.reasonIn})` },
      { id: `bt:${run}:${i}:out`, symbol, side: leave, qty: t.qty, price: t.exitPrice, time: Date.parse(t.exitTime), role: `backtest exit: ${t.reasonOut}` },
    ] satisfies ChartFill[];
  });
}

/**
 * The replay position that shows a trade: its session (the date of the New York ISO time),
 * paused `after` minutes past the exit, but no later than 16:00.
 */
export function jumpFor(trade: ReportTrade, after = 5): { session: string; time: string } {
  const session = trade.exitTime.slice(0, 10);
  const [h, m] = trade.exitTime.slice(11, 16).split(':').map(Number) as [number, number];
  const minutes = Math.min(h * 60 + m + after, 16 * 60);
  return { session, time: `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}` };
}
