/**
 * The chart hook: creates the one lightweight-charts instance (candles, volume, the markers
 * primitive, session separators) when ChartView mounts and removes it when it unmounts. It
 * lives for the whole page: symbol / timeframe / extended-hours switches reuse it (recreating
 * it per switch is what made the prototype flicker and leak). Resizing is the library's
 * `autoSize` (a ResizeObserver on the container), so nothing here listens for it.
 *
 * The other chart hooks (seriesSink.ts, legend.tsx, horizontalLines.ts) are declared after
 * this one in ChartView, so React runs their effects after this one has created the chart;
 * this hook's cleanup runs first on unmount, so theirs must not call into a removed chart
 * (`alive` says whether it still stands).
 */
import { useEffect, useRef, type RefObject } from 'react';
import {
  CandlestickSeries,
  HistogramSeries,
  createChart,
  createSeriesMarkers,
  type IChartApi,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type UTCTimestamp,
} from 'lightweight-charts';
import { SessionSeparators } from './sessionSeparators.js';
import { CANDLE_OPTIONS, VOLUME_OPTIONS, VOLUME_SCALE_MARGINS, chartOptions } from './theme.js';

export interface ChartParts {
  chart: IChartApi;
  candles: ISeriesApi<'Candlestick'>;
  volume: ISeriesApi<'Histogram'>;
  /** The one markers primitive of the candle series (bad prints and fills share it). */
  markers: ISeriesMarkersPluginApi<UTCTimestamp>;
  separators: SessionSeparators;
}

/** The chart's parts while it stands (null before mount and after unmount). */
export type ChartHandle = RefObject<ChartParts | null>;

/** Whether `parts` is still the chart on screen (false once it has been removed). */
export const alive = (handle: ChartHandle, parts: ChartParts) => handle.current === parts;

export function useChart(
  containerRef: RefObject<HTMLDivElement | null>,
  /** The timeframe on screen, read by the crosshair's time label. */
  tfRef: RefObject<string>,
  /** Tells overlays drawn by other components (App's onChart) the chart, then null when it goes. */
  onChartRef: RefObject<((chart: IChartApi | null) => void) | undefined>,
): ChartHandle {
  const partsRef = useRef<ChartParts | null>(null);
  useEffect(() => {
    const chart = createChart(containerRef.current!, chartOptions(() => tfRef.current));
    const candles = chart.addSeries(CandlestickSeries, CANDLE_OPTIONS);
    const volume = chart.addSeries(HistogramSeries, VOLUME_OPTIONS);
    chart.priceScale('vol').applyOptions({ scaleMargins: VOLUME_SCALE_MARGINS });
    const markers = createSeriesMarkers<UTCTimestamp>(candles as ISeriesApi<'Candlestick', UTCTimestamp>, []);
    const separators = new SessionSeparators();
    candles.attachPrimitive(separators);
    partsRef.current = { chart, candles, volume, markers, separators };
    onChartRef.current?.(chart);
    return () => {
      partsRef.current = null;
      onChartRef.current?.(null);
      chart.remove();
    };
    // The refs are read when needed: the chart really is created once.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return partsRef;
}
