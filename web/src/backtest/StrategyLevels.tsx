/**
 * Strategy levels on the desk's chart (a backtest's ORB ranges or time-block highs/lows, a
 * running instance's levels): each named set as two dashed line series (high, low) through
 * the chart's `onChart` handle, like the indicator overlays. A block is drawn from its start
 * to its end, snapped to the bars of the timeframe on screen and cut at the replay clock (a
 * level is never shown before it existed); a block's last point is transparent so blocks
 * are not joined by slanted lines. Levels never stretch the price scale.
 */
import { useEffect, useRef } from 'react';
import { LineSeries, LineStyle, type IChartApi, type ISeriesApi, type LineData, type UTCTimestamp } from 'lightweight-charts';
import { toChartTime } from '../nyTime.js';

export interface ChartLevel {
  /** The set it belongs to: one pair of lines per set, e.g. "backtest orb". */
  set: string;
  symbol: string;
  /** UTC ms. */
  from: number;
  to: number;
  high: number;
  low: number;
}

const TF_SECONDS: Record<string, number> = { '1m': 60, '3m': 180, '5m': 300, '15m': 900, '1h': 3600, '4h': 14_400 };
const PALETTE = ['#f0b429', '#d2a8ff', '#56d4dd', '#ff9bce'];
const OPEN = 9.5 * 3600;

/** Wall-clock seconds of the start of the `tf` bar holding `ms` (bars counted from 09:30). */
export function snapToBar(ms: number, tfSeconds: number): number {
  const wall = toChartTime(ms) as number;
  const open = Math.floor(wall / 86_400) * 86_400 + OPEN;
  return open + Math.floor((wall - open) / tfSeconds) * tfSeconds;
}

/** The points of each set's high and low lines on a `tf` chart at `clock` (null: live, nothing cut). */
export function levelLines(levels: readonly ChartLevel[], tf: string, clock: number | null): Map<string, { high: LineData<UTCTimestamp>[]; low: LineData<UTCTimestamp>[] }> {
  const out = new Map<string, { high: LineData<UTCTimestamp>[]; low: LineData<UTCTimestamp>[] }>();
  const width = TF_SECONDS[tf];
  if (!width) return out; // daily and weekly bars: an intraday level has no place on them
  const sorted = [...levels].sort((a, b) => a.from - b.from);
  for (const l of sorted) {
    if (clock !== null && l.from > clock) continue;
    const to = clock === null ? l.to : Math.min(l.to, clock);
    const a = snapToBar(l.from, width);
    const b = Math.max(a, snapToBar(to - 1, width));
    let lines = out.get(l.set);
    if (!lines) out.set(l.set, (lines = { high: [], low: [] }));
    const prevHigh = lines.high[lines.high.length - 1];
    if (prevHigh && prevHigh.time >= a) continue; // overlapping blocks: the earlier one stands
    const hide = (p: LineData<UTCTimestamp> | undefined) => {
      if (p) p.color = 'rgba(0,0,0,0)';
    };
    hide(prevHigh);
    hide(lines.low[lines.low.length - 1]);
    lines.high.push({ time: a as UTCTimestamp, value: l.high });
    lines.low.push({ time: a as UTCTimestamp, value: l.low });
    if (b > a) {
      lines.high.push({ time: b as UTCTimestamp, value: l.high });
      lines.low.push({ time: b as UTCTimestamp, value: l.low });
    }
  }
  return out;
}

/** A span of the chart to bring into view once its bars are there (a trade: before its entry to after its exit). */
export interface ChartFocus {
  symbol: string;
  /** UTC ms. */
  from: number;
  to: number;
  /** Changes on every request, so the same trade clicked again is shown again. */
  seq: number;
}

export interface StrategyLevelsProps {
  chart: IChartApi | null;
  symbol: string;
  tf: string;
  clock: number | null;
  levels: readonly ChartLevel[];
  focus?: ChartFocus | null;
}

/** Draws the levels of the chart's symbol (renders nothing itself). */
export function StrategyLevels({ chart, symbol, tf, clock, levels, focus }: StrategyLevelsProps) {
  const seriesRef = useRef(new Map<string, ISeriesApi<'Line'>>());
  const minute = clock === null ? null : Math.floor(clock / 60_000) * 60_000;

  // Bring the focus span into view once the chart holds its bars: the chart reloads after a
  // replay jump, so wait (on its data attributes) until it shows the symbol with bars up to the span.
  useEffect(() => {
    if (!chart || !focus || focus.symbol !== symbol) return;
    const root = document.querySelector<HTMLElement>('[data-testid="chart"]');
    if (!root) return;
    // The last bar inside the span: the jump's reload has landed (before it, the chart may show a later day).
    const ready = () => {
      const last = Number(root.dataset.lastStart);
      return !root.dataset.loading && root.dataset.symbol === symbol && Number(root.dataset.firstStart) <= focus.from && last >= focus.from && last <= focus.to;
    };
    // The chart reloads more than once after a jump (the jump's reply and the server's broadcast
    // each resync it, and a resync may reset the view), so the span is re-applied on every reload
    // until the trader touches the chart or the replay moves past the span.
    let landed = false;
    const apply = () => {
      if (!ready()) {
        // Played past the span, or another symbol: the trader has moved on.
        if (landed && !root.dataset.loading && (root.dataset.symbol !== symbol || Number(root.dataset.lastStart) > focus.to)) stop();
        return;
      }
      landed = true;
      // As bar indices (a range read back is the one drawn last frame, not the one just set),
      // with a few bars of margin so the first and last markers' labels are not cut at the edges.
      const ts = chart.timeScale();
      const a = ts.timeToIndex(toChartTime(focus.from), true);
      const b = ts.timeToIndex(toChartTime(focus.to), true);
      if (a === null || b === null) return;
      ts.setVisibleLogicalRange({ from: a - 3, to: b + 3 });
      root.dataset.focus = `${focus.from}-${focus.to}`;
    };
    const observer = new MutationObserver(apply);
    const stop = () => {
      observer.disconnect();
      root.removeEventListener('pointerdown', stop, true);
      root.removeEventListener('wheel', stop, true);
    };
    observer.observe(root, { attributes: true, attributeFilter: ['data-loading', 'data-last-start', 'data-resyncs', 'data-symbol'] });
    root.addEventListener('pointerdown', stop, true);
    root.addEventListener('wheel', stop, true);
    apply();
    return stop;
  }, [chart, focus, symbol]);

  useEffect(() => {
    const map = seriesRef.current;
    return () => map.clear();
  }, [chart]);

  useEffect(() => {
    if (!chart) return;
    const map = seriesRef.current;
    const mine = levels.filter((l) => l.symbol === symbol);
    const sets = levelLines(mine, tf, minute === null ? null : minute + 60_000);
    const wanted = new Map<string, LineData<UTCTimestamp>[]>();
    const names = [...new Set(mine.map((l) => l.set))];
    for (const [set, lines] of sets) {
      wanted.set(`${set}|high`, lines.high);
      wanted.set(`${set}|low`, lines.low);
    }
    for (const [k, s] of map) {
      if (!wanted.has(k)) {
        chart.removeSeries(s);
        map.delete(k);
      }
    }
    for (const [k, points] of wanted) {
      let s = map.get(k);
      if (!s) {
        const [set, side] = k.split('|') as [string, string];
        s = chart.addSeries(LineSeries, {
          color: PALETTE[names.indexOf(set) % PALETTE.length],
          lineWidth: 1,
          lineStyle: LineStyle.Dashed,
          priceLineVisible: false,
          lastValueVisible: true,
          title: `${set} ${side === 'high' ? 'H' : 'L'}`,
          crosshairMarkerVisible: false,
          autoscaleInfoProvider: () => null,
        });
        map.set(k, s);
      }
      s.setData(points);
    }
    // What is drawn, for tests (the lines are canvas pixels otherwise).
    const root = document.querySelector<HTMLElement>('[data-testid="chart"]');
    if (root) {
      root.dataset.strategyLevels = JSON.stringify(
        [...sets].map(([set, l]) => ({ set, high: l.high.map((p) => [p.time, p.value]), low: l.low.map((p) => [p.time, p.value]) })),
      );
    }
  }, [chart, levels, symbol, tf, minute]);

  return null;
}
