/**
 * The underlying's 1-minute chart of a journal trade's day(s) with every fill as a marker
 * (buys below the bar, sells above), zoomed to the trade. Times are New York wall clock
 * (nyTime.ts), like the desk's chart.
 */
import { useEffect, useRef, useState } from 'react';
import { CandlestickSeries, createChart, createSeriesMarkers, type SeriesMarker, type UTCTimestamp } from 'lightweight-charts';
import { api } from '../api.js';
import { toChartTime } from '../nyTime.js';
import type { WireJournalTrade } from './journalApi.js';

export function TradeChart({ trade }: { trade: WireJournalTrade }) {
  const ref = useRef<HTMLDivElement>(null);
  const [message, setMessage] = useState<string | null>('Loading chart…');

  useEffect(() => {
    const el = ref.current!;
    const chart = createChart(el, {
      autoSize: true,
      layout: { background: { color: '#0f1319' }, textColor: '#8b949e', fontSize: 10 },
      grid: { vertLines: { color: '#161b22' }, horzLines: { color: '#161b22' } },
      timeScale: { timeVisible: true, secondsVisible: false, borderColor: '#21262d', rightOffset: 10 },
      rightPriceScale: { borderColor: '#21262d' },
    });
    const candles = chart.addSeries(CandlestickSeries, {
      upColor: '#26a69a', downColor: '#ef5350', borderUpColor: '#26a69a', borderDownColor: '#ef5350', wickUpColor: '#26a69a', wickDownColor: '#ef5350',
    });
    let disposed = false;
    const from = trade.entryTime.slice(0, 10);
    const to = (trade.exitTime ?? trade.entryTime).slice(0, 10);
    api.bars({ symbol: trade.underlying, tf: '1m', from, to }).then((r) => {
      if (disposed) return;
      if (!r.bars.length) { setMessage(`No ${trade.underlying} bars stored for ${from}`); return; }
      const times = r.bars.map((b) => toChartTime(b.start));
      candles.setData(r.bars.map((b, i) => ({ time: times[i]!, open: b.open, high: b.high, low: b.low, close: b.close })));
      // A fill is marked on the bar it happened in (or the last bar before, for a quiet minute).
      const barAt = (ms: number): UTCTimestamp => {
        const t = toChartTime(ms);
        let pick = times[0]!;
        for (const x of times) { if (x <= t) pick = x; else break; }
        return pick;
      };
      // On the replay the server serves bars only up to its clock: a fill after the last bar
      // is left unmarked (drawing it on the last bar would put it at the wrong time). One
      // minute of grace: a fill in the minute still forming belongs on the last bar.
      const lastEnd = r.bars[r.bars.length - 1]!.start + 2 * 60_000;
      const drawable = trade.fills.filter((f) => Date.parse(f.time) <= lastEnd);
      const markers: SeriesMarker<UTCTimestamp>[] = drawable.map((f) => ({
        time: barAt(Date.parse(f.time)),
        position: f.side === 'buy' ? 'belowBar' : 'aboveBar',
        shape: f.side === 'buy' ? 'arrowUp' : 'arrowDown',
        color: f.side === 'buy' ? '#26a69a' : '#ef5350',
        text: `${f.side === 'buy' ? 'B' : 'S'} ${f.qty} @ ${f.price.toFixed(2)}`,
      }));
      markers.sort((a, b) => a.time - b.time);
      createSeriesMarkers(candles, markers);
      const start = toChartTime(Date.parse(trade.entryTime) - 30 * 60_000);
      const end = toChartTime(Date.parse(trade.exitTime ?? trade.entryTime) + 30 * 60_000);
      chart.timeScale().setVisibleRange({ from: start, to: end });
      setMessage(drawable.length < trade.fills.length
        ? `${trade.fills.length - drawable.length} fill(s) after the last bar served (the replay clock is earlier): play the game film to see them`
        : null);
    }, (e: Error) => { if (!disposed) setMessage(e.message); });
    return () => {
      disposed = true;
      chart.remove();
    };
  }, [trade.id, trade.underlying, trade.entryTime, trade.exitTime, trade.fills]);

  return (
    <div className="jp-chart" data-testid="trade-chart">
      <div ref={ref} className="jp-chart-canvas" />
      {message ? <div className="jp-chart-msg">{message}</div> : null}
    </div>
  );
}
