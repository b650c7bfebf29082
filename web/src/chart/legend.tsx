/**
 * The legend: symbol, timeframe and the OHLCV of the bar under the crosshair (the last bar
 * when the pointer is off the bars). The series sink tells it the bars on the canvas after
 * every snapshot and delta (`follow`); it tracks the crosshair itself. While the pointer
 * hovers a bar, new deltas do not pull the legend back to the last bar.
 */
import { useEffect, useRef, useState } from 'react';
import type { MouseEventParams, Time } from 'lightweight-charts';
import type { WireBar } from '../../../src/wire/protocol.js';
import { direction, formatPrice, formatSigned, formatVolume, tickDecimals } from '../format.js';
import { formatChartClock, formatChartDate, toChartTime } from '../nyTime.js';
import { alive, type ChartHandle } from './useChart.js';

export interface LegendState {
  bar: WireBar;
  prevClose: number | null;
  hovered: boolean;
}

export interface LegendControl {
  /**
   * The bars on the canvas changed: remember them (and their chart time → index map for the
   * crosshair) and show the last bar unless the pointer hovers one. `resetHover` forgets the
   * hover (a switch redraws everything under the pointer).
   */
  follow(bars: readonly WireBar[], indexByTime: ReadonlyMap<number, number>, resetHover: boolean): void;
}

export function useLegend(chartRef: ChartHandle): { legend: LegendState | null; control: LegendControl } {
  const [legend, setLegend] = useState<LegendState | null>(null);
  const bars = useRef<readonly WireBar[]>([]);
  const indexByTime = useRef<ReadonlyMap<number, number>>(new Map());
  const hovered = useRef(false);

  const legendFor = (i: number, isHovered: boolean): LegendState | null => {
    const bar = bars.current[i];
    return bar ? { bar, prevClose: bars.current[i - 1]?.close ?? null, hovered: isHovered } : null;
  };

  const control = useRef<LegendControl>({
    follow(next, index, resetHover) {
      bars.current = next;
      indexByTime.current = index;
      if (resetHover) hovered.current = false;
      if (!hovered.current) setLegend(legendFor(next.length - 1, false));
    },
  }).current;

  useEffect(() => {
    const parts = chartRef.current!;
    const onCrosshair = (param: MouseEventParams<Time>) => {
      const i = typeof param.time === 'number' && param.point ? indexByTime.current.get(param.time) : undefined;
      if (i === undefined) {
        hovered.current = false;
        setLegend(legendFor(bars.current.length - 1, false));
      } else {
        hovered.current = true;
        setLegend(legendFor(i, true));
      }
    };
    parts.chart.subscribeCrosshairMove(onCrosshair);
    return () => {
      if (alive(chartRef, parts)) parts.chart.unsubscribeCrosshairMove(onCrosshair);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  return { legend, control };
}

export function LegendValues({ legend, tick, daily }: { legend: LegendState; tick: number; daily: boolean }) {
  const { bar, prevClose } = legend;
  const change = prevClose != null ? bar.close - prevClose : bar.close - bar.open;
  const pct = prevClose ? (change / prevClose) * 100 : bar.open ? (change / bar.open) * 100 : 0;
  const dir = direction(bar.close - bar.open) === 'down' ? 'down' : 'up';
  const t = toChartTime(bar.start);
  return (
    <>
      <span className="legend-time">{daily ? formatChartDate(t) : `${formatChartDate(t)} ${formatChartClock(t)}`}</span>
      <span className={`legend-ohlc ${dir}`}>
        <b>O</b>{formatPrice(bar.open, tick)} <b>H</b>{formatPrice(bar.high, tick)} <b>L</b>{formatPrice(bar.low, tick)}{' '}
        <b>C</b>{formatPrice(bar.close, tick)}
      </span>
      <span className={`legend-chg ${direction(change)}`}>
        {formatSigned(change, tickDecimals(tick))} ({formatSigned(pct, 2)}%)
      </span>
      <span className="legend-vol"><b>Vol</b> {formatVolume(bar.volume)}</span>
      {bar.badPrint ? (
        <span className="legend-bad" title="optdesk check flags a print in this bar as a bad tick; the ⚠ toolbar toggle shows or hides it">
          bad print{bar.badPrint.high !== bar.high || bar.badPrint.low !== bar.low ? ` (as printed H ${formatPrice(bar.badPrint.high, tick)} L ${formatPrice(bar.badPrint.low, tick)})` : ''}
        </span>
      ) : null}
      {!bar.closed ? <span className="legend-forming" title="This bar is still forming">forming</span> : null}
    </>
  );
}
