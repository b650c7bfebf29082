/**
 * The chart: one lightweight-charts instance for the life of the page, reused across
 * symbol / timeframe / extended-hours switches. Data arrives only through SeriesFeed, which
 * decides what may be drawn. This component composes the parts and draws the overlays
 * (legend, hints, loading, banners, empty state):
 * - useChart.ts: creates and removes the chart (candles, volume, markers, separators);
 * - seriesSink.ts: applies the feed's snapshots and deltas, mirrors them into data-* attributes;
 * - seriesMarkers.ts: bad-print and fill markers; legend.tsx: the OHLCV legend;
 * - horizontalLines.ts: the drawing tool (horizontal price lines); theme.ts: colours and options.
 */
import { useRef } from 'react';
import type { IChartApi } from 'lightweight-charts';
import type { SeriesHealth, SeriesKey } from '../../../src/wire/protocol.js';
import { tickSize } from '../format.js';
import { sameSeries } from './seriesFeed.js';
import { FillLegend } from './FillLegend.js';
import type { ChartFill } from './fillMarkers.js';
import { useHorizontalLines, type Tool } from './horizontalLines.js';
import { LegendValues, useLegend } from './legend.js';
import { useSeriesSink } from './seriesSink.js';
import { isDaily } from './theme.js';
import { useChart } from './useChart.js';

export type { Tool } from './horizontalLines.js';

export interface ChartViewProps {
  symbol: string;
  tf: SeriesKey['tf'];
  extended: boolean;
  /** Flagged bad prints: clamped to the candle body (hide) or drawn as stored (show). */
  badPrints: 'hide' | 'show';
  tool: Tool;
  onToolDone(): void;
  /** Bump to force a fresh snapshot and reset the view (replay session change or jump back). */
  resyncToken: number;
  /** Watchlist says there is nothing to show (e.g. "No data for GOOG on 2013-10-10"). */
  noDataMessage: string | null;
  onHealth(key: SeriesKey, health: SeriesHealth): void;
  onNotice(message: string): void;
  /** The chart once created (null when it is removed), for overlays drawn by other components. */
  onChart?(chart: IChartApi | null): void;
  /** Every fill of the trading account (chart/fillMarkers.ts picks this chart's). */
  fills?: readonly ChartFill[];
}

export function ChartView(props: ChartViewProps) {
  const { symbol, tf, extended, badPrints, tool, resyncToken, noDataMessage } = props;
  const rootRef = useRef<HTMLDivElement>(null);
  const containerRef = useRef<HTMLDivElement>(null);
  const propsRef = useRef(props);
  propsRef.current = props;
  const tfRef = useRef<string>(tf);
  tfRef.current = tf;
  const onChartRef = useRef(props.onChart);
  onChartRef.current = props.onChart;

  // Declared in this order on purpose: each hook's effects run after the chart exists (useChart.ts).
  const chartRef = useChart(containerRef, tfRef, onChartRef);
  const { legend, control: legendControl } = useLegend(chartRef);
  const series = useSeriesSink(chartRef, rootRef, propsRef, legendControl, {
    key: { symbol, tf, extended, badPrints },
    resyncToken,
    fills: props.fills,
  });
  const selectedLine = useHorizontalLines(chartRef, containerRef, symbol, propsRef);

  const { phase, awaitingSnapshot, gapText, healthMessage, placedFills } = series;
  const tick = tickSize(symbol);
  const shownKeyMatches = legend && sameSeries(series.shownKey(), { symbol, tf, extended, badPrints });
  const emptyText = emptyMessage(symbol, tf, noDataMessage, healthMessage);

  return (
    <div
      ref={rootRef}
      className={`chart-root${tool === 'hline' ? ' tool-hline' : ''}`}
      data-testid="chart"
      data-phase={phase}
    >
      <div ref={containerRef} className="chart-canvas" />
      <div className="legend" data-testid="legend">
        <span className="legend-symbol">{symbol}</span>
        <span className="legend-tf">{tf}{extended ? ' · ext' : ''}</span>
        {legend && shownKeyMatches ? <LegendValues legend={legend} tick={tick} daily={isDaily(tf)} /> : null}
      </div>
      {legend && shownKeyMatches ? <FillLegend fills={placedFills.filter((f) => f.barStart === legend.bar.start)} /> : null}
      {tool === 'hline' ? <div className="chart-hint">Click the chart to place a horizontal line · Esc cancels</div> : null}
      {selectedLine && tool === 'none' ? (
        <div className="chart-hint">Line selected: drag to move · Delete removes · Esc deselects</div>
      ) : null}
      {phase === 'loading' || awaitingSnapshot ? <div className="chart-loading">Loading {symbol} {tf}…</div> : null}
      {phase === 'ready' && noDataMessage ? (
        // The server still has older sessions of this symbol: show them, but say so.
        <div className="chart-banner" data-testid="chart-banner" title={noDataMessage}>
          {noDataMessage.replace(/\s*\(.*\)\s*$/, '')} — showing the last recorded bars.
        </div>
      ) : null}
      {gapText && !awaitingSnapshot && !(phase === 'ready' && noDataMessage) ? (
        <div className="chart-banner chart-gaps" data-testid="chart-gaps" title={gapText}>{gapText}</div>
      ) : null}
      {phase === 'empty' ? (
        <div className="chart-empty" data-testid="chart-empty">
          <div className="chart-empty-title">{emptyText}</div>
        </div>
      ) : null}
    </div>
  );
}

function emptyMessage(symbol: string, tf: string, noData: string | null, health: string | null): string {
  const base = health ?? noData;
  if (base) return /^No data for/i.test(base) && !base.includes('—') ? `${base} — pick another replay session` : base;
  return `No ${tf} bars for ${symbol} yet — they appear as soon as the first trade prints.`;
}
