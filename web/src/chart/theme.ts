/**
 * The chart's look: colours, the chart's options (dark theme, New York time axis, crosshair)
 * and the candle and volume series' options. Nothing here holds state; ChartView's chart hook
 * (useChart.ts) applies it once when the chart is created.
 */
import {
  CrosshairMode,
  TickMarkType,
  type CandlestickSeriesPartialOptions,
  type ChartOptions,
  type DeepPartial,
  type HistogramSeriesPartialOptions,
  type Time,
} from 'lightweight-charts';
import { formatVolume } from '../format.js';
import { formatChartClock, formatChartDate } from '../nyTime.js';

export const COLORS = {
  bg: '#0d1117',
  text: '#8b949e',
  grid: 'rgba(48, 54, 61, 0.45)',
  border: '#21262d',
  up: '#26a69a',
  down: '#ef5350',
  upVol: 'rgba(38, 166, 154, 0.42)',
  downVol: 'rgba(239, 83, 80, 0.42)',
  line: '#f0b429',
  badPrint: '#d29922',
};

/** Daily and weekly bars are dated, not clocked: the axis, the crosshair label and the legend print dates only. */
export const isDaily = (tf: string) => tf === '1D' || tf === '1W';

/** The chart's options; `currentTf` is read at every crosshair label (the chart outlives timeframe switches). */
export function chartOptions(currentTf: () => string): DeepPartial<ChartOptions> {
  return {
    autoSize: true,
    layout: {
      background: { color: COLORS.bg },
      textColor: COLORS.text,
      fontSize: 11,
      fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
      panes: { separatorColor: COLORS.border },
    },
    grid: { vertLines: { color: COLORS.grid }, horzLines: { color: COLORS.grid } },
    crosshair: {
      mode: CrosshairMode.Normal,
      vertLine: { color: '#6e7681', labelBackgroundColor: '#30363d' },
      horzLine: { color: '#6e7681', labelBackgroundColor: '#30363d' },
    },
    rightPriceScale: { borderColor: COLORS.border, scaleMargins: { top: 0.08, bottom: 0.26 } },
    timeScale: {
      borderColor: COLORS.border,
      timeVisible: true,
      secondsVisible: false,
      rightOffset: 4,
      barSpacing: 8,
      // Day boundaries read "Thu 10" rather than a bare "10" next to intraday times.
      tickMarkFormatter: (t: Time, type: TickMarkType) => {
        if (typeof t !== 'number') return null;
        const d = new Date(t * 1000);
        if (type === TickMarkType.DayOfMonth) return formatChartDate(t).split(' ').slice(0, 2).join(' ');
        if (type === TickMarkType.Month) return d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
        if (type === TickMarkType.Year) return String(d.getUTCFullYear());
        return formatChartClock(t);
      },
    },
    localization: {
      // Times are already NY wall clock (see nyTime.ts); format them as such.
      timeFormatter: (t: Time) =>
        typeof t === 'number'
          ? isDaily(currentTf())
            ? formatChartDate(t)
            : `${formatChartDate(t)}  ${formatChartClock(t)} ET`
          : String(t),
    },
  };
}

export const CANDLE_OPTIONS: CandlestickSeriesPartialOptions = {
  upColor: COLORS.up,
  downColor: COLORS.down,
  borderUpColor: COLORS.up,
  borderDownColor: COLORS.down,
  wickUpColor: COLORS.up,
  wickDownColor: COLORS.down,
  priceFormat: { type: 'price', precision: 2, minMove: 0.01 },
};

export const VOLUME_OPTIONS: HistogramSeriesPartialOptions = {
  priceScaleId: 'vol',
  priceFormat: { type: 'custom', formatter: (v: number) => formatVolume(v), minMove: 1 },
  lastValueVisible: false,
  priceLineVisible: false,
};

/** Volume lives in the bottom fifth on its own (hidden) scale so it never squashes candles. */
export const VOLUME_SCALE_MARGINS = { top: 0.8, bottom: 0 };
