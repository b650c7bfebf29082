/**
 * The Statistics page's plots: the equity curve (lightweight-charts, New York wall clock
 * like every chart of the desk) and three small SVGs — calendar P&L heatmap, R histogram,
 * MAE/MFE scatter — drawn from plots.ts without another chart library.
 */
import { useEffect, useRef } from 'react';
import { BaselineSeries, createChart, type UTCTimestamp } from 'lightweight-charts';
import { toChartTime } from '../nyTime.js';
import type { WireJournalTrade } from './journalApi.js';
import { calendarCells, equityPoints, excursionPoints, histogram } from './plots.js';

const UP = '#26a69a';
const DOWN = '#ef5350';
const MUTED = '#8b949e';
const usd = (v: number) => `${v < 0 ? '-' : ''}$${Math.abs(v).toFixed(2)}`;

export function EquityCurve({ trades }: { trades: readonly WireJournalTrade[] }) {
  const ref = useRef<HTMLDivElement>(null);
  const points = equityPoints(trades);
  const key = points.map((p) => `${p.time}:${p.value}`).join(',');
  useEffect(() => {
    if (!points.length) return;
    const chart = createChart(ref.current!, {
      autoSize: true,
      layout: { background: { color: '#0f1319' }, textColor: MUTED, fontSize: 10 },
      grid: { vertLines: { color: '#161b22' }, horzLines: { color: '#161b22' } },
      timeScale: { timeVisible: true, secondsVisible: false, borderColor: '#21262d' },
      rightPriceScale: { borderColor: '#21262d' },
    });
    const series = chart.addSeries(BaselineSeries, {
      baseValue: { type: 'price', price: 0 },
      topLineColor: UP, topFillColor1: 'rgba(38,166,154,0.28)', topFillColor2: 'rgba(38,166,154,0.05)',
      bottomLineColor: DOWN, bottomFillColor1: 'rgba(239,83,80,0.05)', bottomFillColor2: 'rgba(239,83,80,0.28)',
      lineWidth: 2,
    });
    // Two exits in one New York second share a chart time: keep the later cumulative value.
    const data: { time: UTCTimestamp; value: number }[] = [];
    for (const p of points) {
      const time = toChartTime(p.time);
      if (data.at(-1)?.time === time) data.at(-1)!.value = p.value;
      else data.push({ time, value: p.value });
    }
    series.setData(data);
    chart.timeScale().fitContent();
    return () => chart.remove();
  }, [key]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <figure className="jp-plot" data-testid="equity-curve" data-points={points.length}>
      <figcaption>Equity curve <span className="muted">(net P&amp;L after each closed trade)</span></figcaption>
      {points.length ? <div ref={ref} className="jp-plot-chart" /> : <p className="jp-empty">No closed trades.</p>}
    </figure>
  );
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'];

export function CalendarHeatmap({ trades }: { trades: readonly WireJournalTrade[] }) {
  const cells = calendarCells(trades);
  const weeks = cells.length ? cells.at(-1)!.week + 1 : 0;
  const max = Math.max(1, ...cells.map((c) => Math.abs(c.pnl)));
  const S = 26;
  const left = 34;
  const top = 14;
  return (
    <figure className="jp-plot" data-testid="calendar-heatmap" data-days={cells.length}>
      <figcaption>P&amp;L by day</figcaption>
      {cells.length ? (
        <svg width={left + weeks * (S + 3) + 4} height={top + 5 * (S + 3)} role="img" aria-label="calendar P&L heatmap">
          {WEEKDAYS.map((d, i) => <text key={d} x={0} y={top + i * (S + 3) + S / 2 + 4} fill={MUTED} fontSize={10}>{d}</text>)}
          {cells.map((c) => {
            const a = 0.2 + 0.8 * (Math.abs(c.pnl) / max);
            return (
              <g key={c.date} data-date={c.date}>
                <rect x={left + c.week * (S + 3)} y={top + c.weekday * (S + 3)} width={S} height={S} rx={3}
                  fill={c.pnl > 0 ? UP : c.pnl < 0 ? DOWN : MUTED} fillOpacity={a}>
                  <title>{`${c.date}: ${usd(c.pnl)} over ${c.trades} trade${c.trades > 1 ? 's' : ''}`}</title>
                </rect>
                <text x={left + c.week * (S + 3) + S / 2} y={top + c.weekday * (S + 3) + S / 2 + 3} fill="#e6edf3" fontSize={8} textAnchor="middle" pointerEvents="none">{c.date.slice(8)}</text>
              </g>
            );
          })}
          {[...new Set(cells.map((c) => c.week))].map((w) => {
            const first = cells.find((c) => c.week === w)!;
            return <text key={w} x={left + w * (S + 3)} y={9} fill={MUTED} fontSize={8}>{first.date.slice(5)}</text>;
          })}
        </svg>
      ) : <p className="jp-empty">No closed trades.</p>}
    </figure>
  );
}

export function RHistogram({ trades }: { trades: readonly WireJournalTrade[] }) {
  const rs = trades.flatMap((t) => (t.status !== 'open' && t.r !== null ? [t.r] : []));
  const bins = histogram(rs, 0.5);
  const W = 300;
  const H = 140;
  const maxCount = Math.max(1, ...bins.map((b) => b.count));
  const bw = bins.length ? (W - 20) / bins.length : 0;
  return (
    <figure className="jp-plot" data-testid="r-histogram" data-trades={rs.length}>
      <figcaption>R distribution <span className="muted">({rs.length} trade{rs.length === 1 ? '' : 's'} with a planned stop; bins of 0.5R)</span></figcaption>
      {bins.length ? (
        <svg width={W} height={H + 18} role="img" aria-label="R histogram">
          {bins.map((b, i) => {
            const h = (b.count / maxCount) * (H - 14);
            return (
              <g key={b.lo}>
                <rect x={10 + i * bw + 1} y={H - h} width={Math.max(1, bw - 2)} height={h} fill={b.lo >= 0 ? UP : DOWN} fillOpacity={0.8}>
                  <title>{`${b.lo}R to ${b.hi}R: ${b.count}`}</title>
                </rect>
                {b.count ? <text x={10 + i * bw + bw / 2} y={H - h - 2} fill="#e6edf3" fontSize={9} textAnchor="middle">{b.count}</text> : null}
                {bins.length <= 16 || i % 2 === 0 ? <text x={10 + i * bw + bw / 2} y={H + 12} fill={MUTED} fontSize={9} textAnchor="middle">{b.lo}</text> : null}
              </g>
            );
          })}
        </svg>
      ) : <p className="jp-empty">No closed trade has an R (no planned stop).</p>}
    </figure>
  );
}

export function MaeMfeScatter({ trades }: { trades: readonly WireJournalTrade[] }) {
  const pts = excursionPoints(trades);
  const W = 300;
  const H = 170;
  const pad = 30;
  const xs = pts.map((p) => p.mae);
  const ys = pts.map((p) => p.mfe);
  const x0 = Math.min(0, ...xs);
  const x1 = Math.max(0, ...xs);
  const y0 = Math.min(0, ...ys);
  const y1 = Math.max(0, ...ys);
  const sx = (v: number) => pad + ((v - x0) / (x1 - x0 || 1)) * (W - pad - 8);
  const sy = (v: number) => H - 18 - ((v - y0) / (y1 - y0 || 1)) * (H - 30);
  return (
    <figure className="jp-plot" data-testid="mae-mfe-scatter" data-points={pts.length}>
      <figcaption>MAE vs MFE <span className="muted">($, colour: the trade's result)</span></figcaption>
      {pts.length ? (
        <svg width={W} height={H} role="img" aria-label="MAE MFE scatter">
          <line x1={sx(0)} x2={sx(0)} y1={8} y2={H - 18} stroke="#30363d" />
          <line x1={pad} x2={W - 8} y1={sy(0)} y2={sy(0)} stroke="#30363d" />
          <text x={pad} y={H - 4} fill={MUTED} fontSize={9}>MAE {usd(x0)}</text>
          <text x={W - 8} y={H - 4} fill={MUTED} fontSize={9} textAnchor="end">{usd(x1)}</text>
          <text x={2} y={12} fill={MUTED} fontSize={9}>MFE {usd(y1)}</text>
          {pts.map((p) => (
            <circle key={p.id} cx={sx(p.mae)} cy={sy(p.mfe)} r={4} fill={p.pnl > 0 ? UP : p.pnl < 0 ? DOWN : MUTED} fillOpacity={0.85}>
              <title>{`MAE ${usd(p.mae)} · MFE ${usd(p.mfe)} · P&L ${usd(p.pnl)}`}</title>
            </circle>
          ))}
        </svg>
      ) : <p className="jp-empty">No closed trade has recorded excursions.</p>}
    </figure>
  );
}
