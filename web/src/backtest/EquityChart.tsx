/**
 * One or more equity curves (a backtest's, or several instances' side by side) as
 * lightweight-charts area/line series. Times are New York wall clock like the desk's chart;
 * points at the same second keep the last value (the library wants strictly rising times).
 */
import { useEffect, useRef } from 'react';
import { AreaSeries, createChart, LineSeries, type IChartApi, type UTCTimestamp } from 'lightweight-charts';

export interface EquityLine {
  name: string;
  color: string;
  points: ReadonlyArray<{ time: string; equity: number }>;
}

/** ISO-8601 with the New York offset → the wall-clock seconds the chart shows. */
export const isoWallSeconds = (iso: string) => (Date.parse(iso.slice(0, 19) + 'Z') / 1000) as UTCTimestamp;

export function equityData(points: EquityLine['points']): Array<{ time: UTCTimestamp; value: number }> {
  const out: Array<{ time: UTCTimestamp; value: number }> = [];
  for (const p of points) {
    const time = isoWallSeconds(p.time);
    const last = out[out.length - 1];
    if (last && last.time >= time) last.value = p.equity;
    else out.push({ time, value: p.equity });
  }
  return out;
}

export function EquityChart({ lines, height = 130, testId }: { lines: readonly EquityLine[]; height?: number; testId?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const chartRef = useRef<IChartApi | null>(null);

  useEffect(() => {
    const chart = createChart(ref.current!, {
      autoSize: true,
      layout: { background: { color: '#0d1117' }, textColor: '#7d8590', fontSize: 10, attributionLogo: false },
      grid: { vertLines: { color: '#161b22' }, horzLines: { color: '#161b22' } },
      timeScale: { timeVisible: true, secondsVisible: false, borderColor: '#21262d' },
      rightPriceScale: { borderColor: '#21262d' },
      handleScroll: false,
      handleScale: false,
    });
    chartRef.current = chart;
    return () => {
      chartRef.current = null;
      chart.remove();
    };
  }, []);

  useEffect(() => {
    const chart = chartRef.current;
    if (!chart) return;
    const made = lines.map((l) => {
      const s =
        lines.length === 1
          ? chart.addSeries(AreaSeries, { lineColor: l.color, topColor: `${l.color}55`, bottomColor: `${l.color}00`, lineWidth: 2, priceLineVisible: false })
          : chart.addSeries(LineSeries, { color: l.color, lineWidth: 2, priceLineVisible: false, title: l.name });
      s.setData(equityData(l.points));
      return s;
    });
    chart.timeScale().fitContent();
    if (ref.current) ref.current.dataset.points = lines.map((l) => equityData(l.points).length).join(',');
    return () => {
      // On unmount the chart's own effect has removed it first (cleanups run in order):
      // removing its series then throws and blanks the page.
      if (chartRef.current === chart) for (const s of made) chart.removeSeries(s);
    };
  }, [lines]);

  return <div ref={ref} className="bt-equity" style={{ height }} data-testid={testId ?? 'bt-equity'} />;
}
