/**
 * The series sink: turns SeriesFeed's decisions (seriesFeed.ts decides what may be drawn)
 * into setData / update calls on the candle and volume series, keeps the session
 * separators, gap marks and markers in step, tells the legend the bars on the canvas, and
 * mirrors the drawn state into the chart root's data-* attributes so tests can compare the
 * chart with GET /api/bars. It also owns the feed's lifetime and its switches (symbol,
 * timeframe, extended hours, bad prints, a forced resync).
 */
import { useEffect, useRef, useState, type RefObject } from 'react';
import type { CandlestickData, HistogramData, UTCTimestamp } from 'lightweight-charts';
import type { SeriesCoverage, SeriesHealth, SeriesKey, WireBar } from '../../../src/wire/protocol.js';
import { tickDecimals, tickSize } from '../format.js';
import { nyDate, toChartTime } from '../nyTime.js';
import { socket } from '../socket.js';
import type { ChartFill, PlacedFill } from './fillMarkers.js';
import { gapMarks, gapSentence } from './gaps.js';
import type { LegendControl } from './legend.js';
import { SeriesFeed, type FeedSink } from './seriesFeed.js';
import { SeriesMarkers } from './seriesMarkers.js';
import { COLORS, isDaily } from './theme.js';
import type { ChartHandle } from './useChart.js';

/** Bars shown after a switch: enough context for a day trader without squashing candles. */
const VISIBLE_BARS = 120;
const MIN_VISIBLE_SLOTS = 40;

function toCandle(b: WireBar): CandlestickData<UTCTimestamp> {
  return { time: toChartTime(b.start), open: b.open, high: b.high, low: b.low, close: b.close };
}

function toVolume(b: WireBar): HistogramData<UTCTimestamp> {
  return { time: toChartTime(b.start), value: b.volume, color: b.close >= b.open ? COLORS.upVol : COLORS.downVol };
}

function sessionStarts(bars: readonly WireBar[], tf: string): UTCTimestamp[] {
  if (isDaily(tf)) return [];
  const out: UTCTimestamp[] = [];
  let prevDate = '';
  for (const b of bars) {
    const d = nyDate(b.start);
    if (d !== prevDate) out.push(toChartTime(b.start));
    prevDate = d;
  }
  return out;
}

/** What the sink reads from ChartView's props at the moment a message arrives. */
export interface SinkProps {
  fills?: readonly ChartFill[];
  onHealth(key: SeriesKey, health: SeriesHealth): void;
}

export interface SeriesView {
  phase: 'loading' | 'ready' | 'empty';
  /** After a switch the old series stays drawn until the new snapshot arrives. */
  awaitingSnapshot: boolean;
  /** The sentence naming the sessions without data in the history window, if any. */
  gapText: string | null;
  /** The series health's own sentence (e.g. why there is nothing to show). */
  healthMessage: string | null;
  /** The fills drawn as markers (the legend lists those of its bar). */
  placedFills: PlacedFill[];
  /**
   * The series whose bars are on the canvas: after a switch the legend must not print the
   * old series' values under the new name.
   */
  shownKey(): SeriesKey | null;
}

export function useSeriesSink(
  chartRef: ChartHandle,
  rootRef: RefObject<HTMLDivElement | null>,
  propsRef: RefObject<SinkProps>,
  legend: LegendControl,
  /** The series to show, a token bumped to force a fresh snapshot, and the account's fills. */
  want: { key: SeriesKey; resyncToken: number; fills: readonly ChartFill[] | undefined },
): SeriesView {
  const feedRef = useRef<SeriesFeed | null>(null);
  const shownKeyRef = useRef<SeriesKey | null>(null);
  const syncMarkersRef = useRef<(() => void) | null>(null);
  const [placedFills, setPlacedFills] = useState<PlacedFill[]>([]);
  const [gapText, setGapText] = useState<string | null>(null);
  const [phase, setPhase] = useState<'loading' | 'ready' | 'empty'>('loading');
  const [healthMessage, setHealthMessage] = useState<string | null>(null);
  const [awaitingSnapshot, setAwaitingSnapshot] = useState(true);

  // ---- the feed and its sink, created once with the chart ----
  useEffect(() => {
    const { chart, candles, volume, markers, separators } = chartRef.current!;
    const marks = new SeriesMarkers(markers);
    // Chart time → index into the feed's bars, for the legend under the crosshair.
    const indexByTime = new Map<number, number>();
    let starts: UTCTimestamp[] = [];
    let coverage: SeriesCoverage | undefined;
    const barsNow = () => feedRef.current?.currentBars() ?? [];

    const syncMarkers = (bars: readonly WireBar[]) => {
      const placed = marks.sync(bars, shownKeyRef.current, propsRef.current.fills ?? []);
      if (!placed) return;
      setPlacedFills(placed);
      if (rootRef.current) rootRef.current.dataset.fillMarkers = JSON.stringify(marks.drawnFills());
    };
    syncMarkersRef.current = () => syncMarkers(barsNow());

    const writeAttrs = (key: SeriesKey, bars: readonly WireBar[]) => {
      const el = rootRef.current;
      if (!el) return;
      const last = bars[bars.length - 1];
      el.dataset.symbol = key.symbol;
      el.dataset.tf = key.tf;
      el.dataset.extended = String(key.extended);
      el.dataset.barCount = String(bars.length);
      el.dataset.firstStart = bars[0] ? String(bars[0].start) : '';
      el.dataset.lastStart = last ? String(last.start) : '';
      el.dataset.lastClose = last ? String(last.close) : '';
      el.dataset.lastVolume = last ? String(last.volume) : '';
      el.dataset.resyncs = String(feedRef.current?.resyncs ?? 0);
      el.dataset.badPrints = key.badPrints;
      el.dataset.badPrintBars = String(marks.badPrintBars());
      delete el.dataset.loading;
    };

    const sink: FeedSink = {
      loading: (key) => {
        if (rootRef.current) rootRef.current.dataset.loading = `${key.symbol}|${key.tf}|${key.extended}`;
        setPhase((p) => (p === 'ready' ? p : 'loading'));
        setAwaitingSnapshot(true);
      },
      reset: (key, bars, switched) => {
        shownKeyRef.current = key;
        setAwaitingSnapshot(false);
        const tick = tickSize(key.symbol);
        candles.applyOptions({ priceFormat: { type: 'price', precision: tickDecimals(tick), minMove: tick } });
        chart.applyOptions({ timeScale: { timeVisible: !isDaily(key.tf) } });
        candles.setData(bars.map(toCandle));
        volume.setData(bars.map(toVolume));
        indexByTime.clear();
        bars.forEach((b, i) => indexByTime.set(toChartTime(b.start), i));
        starts = sessionStarts(bars, key.tf);
        separators.setSessionStarts(starts);
        syncMarkers(bars);
        separators.setGaps(gapMarks(bars, coverage));
        if (switched) {
          const n = bars.length;
          const slots = Math.max(Math.min(VISIBLE_BARS, n), MIN_VISIBLE_SLOTS);
          chart.timeScale().setVisibleLogicalRange({ from: n - slots, to: n + 3 });
          candles.priceScale().applyOptions({ autoScale: true });
        }
        legend.follow(bars, indexByTime, switched);
        setPhase(bars.length ? 'ready' : 'empty');
        writeAttrs(key, bars);
      },
      apply: (key, bar, index, historical) => {
        candles.update(toCandle(bar), historical);
        volume.update(toVolume(bar), historical);
        const bars = barsNow();
        const t = toChartTime(bar.start);
        if (!indexByTime.has(t)) {
          indexByTime.set(t, index);
          const prev = bars[index - 1];
          if (!isDaily(key.tf) && (!prev || nyDate(prev.start) !== nyDate(bar.start))) {
            starts = [...starts, t];
            separators.setSessionStarts(starts);
            separators.setGaps(gapMarks(bars, coverage)); // a first bar after a gap
          }
        }
        if (marks.mayChange(bar, propsRef.current.fills ?? [])) syncMarkers(bars);
        legend.follow(bars, indexByTime, false);
        setPhase('ready');
        writeAttrs(key, bars);
      },
      coverage: (_key, next) => {
        coverage = next;
        setGapText(gapSentence(next));
      },
      health: (key, health) => {
        setHealthMessage(health.message ?? null);
        propsRef.current.onHealth(key, health);
      },
    };

    feedRef.current = new SeriesFeed(socket, sink);
    return () => {
      feedRef.current?.dispose();
      feedRef.current = null;
      shownKeyRef.current = null;
      syncMarkersRef.current = null;
    };
    // The refs and the legend control are stable: the feed really is created once.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // ---- series switch ----
  const { symbol, tf, extended, badPrints } = want.key;
  const { resyncToken, fills } = want;
  useEffect(() => {
    feedRef.current?.switchTo({ symbol, tf, extended, badPrints });
  }, [symbol, tf, extended, badPrints]);

  useEffect(() => {
    if (resyncToken > 0) feedRef.current?.resubscribe(true);
  }, [resyncToken]);

  // A new fill (or a snapshot of them) redraws the markers at once.
  useEffect(() => syncMarkersRef.current?.(), [fills]);

  return { phase, awaitingSnapshot, gapText, healthMessage, placedFills, shownKey: () => shownKeyRef.current };
}
