/**
 * The chart: one lightweight-charts instance for the life of the page, reused across
 * symbol / timeframe / extended-hours switches (recreating it per switch is what made the
 * prototype flicker and leak). Data arrives only through SeriesFeed, which decides what
 * may be drawn; this component turns its decisions into setData / update calls, keeps the
 * legend, session separators and horizontal lines, and mirrors the drawn state into
 * data-* attributes so tests can compare the chart with GET /api/bars.
 */
import { useEffect, useRef, useState } from 'react';
import {
  CandlestickSeries,
  CrosshairMode,
  HistogramSeries,
  LineStyle,
  TickMarkType,
  createChart,
  createSeriesMarkers,
  type ISeriesMarkersPluginApi,
  type SeriesMarker,
  type CandlestickData,
  type HistogramData,
  type IChartApi,
  type IPriceLine,
  type ISeriesApi,
  type ISeriesPrimitive,
  type MouseEventParams,
  type PrimitiveHoveredItem,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';
import type { SeriesCoverage, SeriesHealth, SeriesKey, WireBar } from '../../../src/wire/protocol.js';
import { api, type Drawing } from '../api.js';
import { direction, formatPrice, formatSigned, formatVolume, roundToTick, tickDecimals, tickSize } from '../format.js';
import { formatChartClock, formatChartDate, nyDate, toChartTime } from '../nyTime.js';
import { socket } from '../socket.js';
import { sentence } from '../messages.js';
import { SeriesFeed, sameSeries, type FeedSink } from './seriesFeed.js';
import { SessionSeparators } from './sessionSeparators.js';
import { gapMarks, gapSentence } from './gaps.js';
import { FillLegend } from './FillLegend.js';
import { fillMarkers, fillsForChart, mergeMarkers, placeFills, placedKey, type ChartFill, type PlacedFill } from './fillMarkers.js';

export type Tool = 'none' | 'hline';

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

const COLORS = {
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

/** Bars shown after a switch: enough context for a day trader without squashing candles. */
const VISIBLE_BARS = 120;
const MIN_VISIBLE_SLOTS = 40;
const LINE_HIT_PX = 6;

const isDaily = (tf: string) => tf === '1D' || tf === '1W';

function toCandle(b: WireBar): CandlestickData<UTCTimestamp> {
  return { time: toChartTime(b.start), open: b.open, high: b.high, low: b.low, close: b.close };
}

function toVolume(b: WireBar): HistogramData<UTCTimestamp> {
  return { time: toChartTime(b.start), value: b.volume, color: b.close >= b.open ? COLORS.upVol : COLORS.downVol };
}

/** A small marker over every bar that holds a flagged bad print. */
function badPrintMarkers(bars: readonly WireBar[]): SeriesMarker<UTCTimestamp>[] {
  return bars
    .filter((b) => b.badPrint)
    .map((b) => ({
      time: toChartTime(b.start),
      position: 'aboveBar' as const,
      shape: 'circle' as const,
      size: 0.6,
      color: COLORS.badPrint,
      // One sign, like the toolbar's "⚠ Prints" toggle: two flagged bars a few candles apart
      // must not print words over each other. The bar's legend says what was printed.
      text: '⚠',
    }));
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

function newId(): string {
  // crypto.randomUUID needs a secure context; a self-hosted desk is often plain http on a LAN.
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

interface LegendState {
  bar: WireBar;
  prevClose: number | null;
  hovered: boolean;
}

/** Lets the library show a resize cursor over a horizontal line (it owns the canvas cursor). */
class LineHitTester implements ISeriesPrimitive<Time> {
  constructor(private readonly hit: (y: number) => string | null) {}
  hitTest(_x: number, y: number): PrimitiveHoveredItem | null {
    const id = this.hit(y);
    return id ? { cursorStyle: 'ns-resize', externalId: `hline:${id}`, zOrder: 'top' } : null;
  }
}

export function ChartView(props: ChartViewProps) {
  const { symbol, tf, extended, badPrints, tool, resyncToken, noDataMessage } = props;
  const rootRef = useRef<HTMLDivElement>(null);
  const containerRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<IChartApi | null>(null);
  const candleRef = useRef<ISeriesApi<'Candlestick'> | null>(null);
  const volumeRef = useRef<ISeriesApi<'Histogram'> | null>(null);
  const markersRef = useRef<ISeriesMarkersPluginApi<UTCTimestamp> | null>(null);
  // Start times of the bars marked as holding a bad print, to re-set markers only on a change.
  const markedRef = useRef('');
  // The fills drawn as markers (same bad-print markers primitive), and a key to re-set on change.
  const fillKeyRef = useRef('');
  const [placedFills, setPlacedFills] = useState<PlacedFill[]>([]);
  const syncMarkersRef = useRef<(() => void) | null>(null);
  const sepRef = useRef<SessionSeparators | null>(null);
  const feedRef = useRef<SeriesFeed | null>(null);
  // Chart time → index into the feed's bars, for the legend under the crosshair.
  const indexByTime = useRef(new Map<number, number>());
  const sessionStartsRef = useRef<UTCTimestamp[]>([]);
  const coverageRef = useRef<SeriesCoverage | undefined>(undefined);
  const [gapText, setGapText] = useState<string | null>(null);
  const hoveredRef = useRef(false);
  const tfRef = useRef(tf);
  tfRef.current = tf;
  const propsRef = useRef(props);
  propsRef.current = props;

  const [legend, setLegend] = useState<LegendState | null>(null);
  const [phase, setPhase] = useState<'loading' | 'ready' | 'empty'>('loading');
  const [healthMessage, setHealthMessage] = useState<string | null>(null);
  // The series whose bars are on the canvas. After a switch the old series stays drawn until
  // the new snapshot arrives: the legend must not print its values under the new name.
  const shownKeyRef = useRef<SeriesKey | null>(null);
  const [awaitingSnapshot, setAwaitingSnapshot] = useState(true);

  // Horizontal lines of the current symbol.
  const [drawings, setDrawings] = useState<Drawing[]>([]);
  const drawingsRef = useRef<Drawing[]>([]);
  drawingsRef.current = drawings;
  const drawingsSymbolRef = useRef(symbol);
  // The symbol whose saved lines have been loaded: until then an edit would PUT a list
  // without them and erase them on the server.
  const drawingsLoadedRef = useRef<string | null>(null);
  const linesRef = useRef(new Map<string, IPriceLine>());
  const [selectedLine, setSelectedLine] = useState<string | null>(null);
  const selectedRef = useRef<string | null>(null);
  selectedRef.current = selectedLine;
  const dragRef = useRef<{ id: string; price: number } | null>(null);

  // ---- chart + feed, created once ----
  useEffect(() => {
    const container = containerRef.current!;
    const chart = createChart(container, {
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
            ? isDaily(tfRef.current)
              ? formatChartDate(t)
              : `${formatChartDate(t)}  ${formatChartClock(t)} ET`
            : String(t),
      },
    });
    const candles = chart.addSeries(CandlestickSeries, {
      upColor: COLORS.up,
      downColor: COLORS.down,
      borderUpColor: COLORS.up,
      borderDownColor: COLORS.down,
      wickUpColor: COLORS.up,
      wickDownColor: COLORS.down,
      priceFormat: { type: 'price', precision: 2, minMove: 0.01 },
    });
    const volume = chart.addSeries(HistogramSeries, {
      priceScaleId: 'vol',
      priceFormat: { type: 'custom', formatter: (v: number) => formatVolume(v), minMove: 1 },
      lastValueVisible: false,
      priceLineVisible: false,
    });
    // Volume lives in the bottom fifth on its own (hidden) scale so it never squashes candles.
    chart.priceScale('vol').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    const markers = createSeriesMarkers<UTCTimestamp>(candles as ISeriesApi<'Candlestick', UTCTimestamp>, []);
    markersRef.current = markers;
    const syncMarkers = (bars: readonly WireBar[]) => {
      const marked = bars.filter((b) => b.badPrint).map((b) => `${b.start}:${b.badPrint!.high}`).join(',');
      const shown = shownKeyRef.current;
      const placed = shown ? placeFills(fillsForChart(propsRef.current.fills ?? [], shown.symbol), bars, shown.tf) : [];
      const fillKey = placedKey(placed);
      if (marked === markedRef.current && fillKey === fillKeyRef.current) return;
      markedRef.current = marked;
      fillKeyRef.current = fillKey;
      markers.setMarkers(mergeMarkers(badPrintMarkers(bars), fillMarkers(placed)));
      setPlacedFills(placed);
      // What the markers primitive really holds, for tests (markers are canvas pixels otherwise).
      if (rootRef.current) {
        rootRef.current.dataset.fillMarkers = JSON.stringify(
          markers.markers().filter((m) => String(m.id).startsWith('fill:')).map((m) => ({ id: m.id, time: m.time, position: m.position, text: m.text })),
        );
      }
    };
    syncMarkersRef.current = () => syncMarkers(feedRef.current?.currentBars() ?? []);
    const separators = new SessionSeparators();
    candles.attachPrimitive(separators);
    candles.attachPrimitive(new LineHitTester((y) => hitLine(y)));
    chartRef.current = chart;
    propsRef.current.onChart?.(chart);
    candleRef.current = candles;
    volumeRef.current = volume;
    sepRef.current = separators;

    const legendFor = (i: number, hovered: boolean): LegendState | null => {
      const bars = feedRef.current?.currentBars() ?? [];
      const bar = bars[i];
      return bar ? { bar, prevClose: bars[i - 1]?.close ?? null, hovered } : null;
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
        const idx = indexByTime.current;
        idx.clear();
        bars.forEach((b, i) => idx.set(toChartTime(b.start), i));
        sessionStartsRef.current = sessionStarts(bars, key.tf);
        separators.setSessionStarts(sessionStartsRef.current);
        syncMarkers(bars);
        separators.setGaps(gapMarks(bars, coverageRef.current));
        if (switched) {
          const n = bars.length;
          const slots = Math.max(Math.min(VISIBLE_BARS, n), MIN_VISIBLE_SLOTS);
          chart.timeScale().setVisibleLogicalRange({ from: n - slots, to: n + 3 });
          candles.priceScale().applyOptions({ autoScale: true });
          hoveredRef.current = false;
        }
        if (!hoveredRef.current) setLegend(legendFor(bars.length - 1, false));
        setPhase(bars.length ? 'ready' : 'empty');
        writeAttrs(key, bars);
      },
      apply: (key, bar, index, historical) => {
        candles.update(toCandle(bar), historical);
        volume.update(toVolume(bar), historical);
        const bars = feedRef.current?.currentBars() ?? [];
        const t = toChartTime(bar.start);
        if (!indexByTime.current.has(t)) {
          indexByTime.current.set(t, index);
          const prev = bars[index - 1];
          if (!isDaily(key.tf) && (!prev || nyDate(prev.start) !== nyDate(bar.start))) {
            sessionStartsRef.current = [...sessionStartsRef.current, t];
            separators.setSessionStarts(sessionStartsRef.current);
            separators.setGaps(gapMarks(bars, coverageRef.current)); // a first bar after a gap
          }
        }
        if (bar.badPrint || markedRef.current.includes(`${bar.start}:`) || propsRef.current.fills?.length) syncMarkers(bars);
        if (!hoveredRef.current) setLegend(legendFor(bars.length - 1, false));
        setPhase('ready');
        writeAttrs(key, bars);
      },
      coverage: (_key, coverage) => {
        coverageRef.current = coverage;
        setGapText(gapSentence(coverage));
      },
      health: (key, health) => {
        setHealthMessage(health.message ?? null);
        propsRef.current.onHealth(key, health);
      },
    };

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
      el.dataset.badPrintBars = String(markedRef.current ? markedRef.current.split(',').length : 0);
      delete el.dataset.loading;
    };

    feedRef.current = new SeriesFeed(socket, sink);

    const onCrosshair = (param: MouseEventParams<Time>) => {
      const i = typeof param.time === 'number' && param.point ? indexByTime.current.get(param.time) : undefined;
      if (i === undefined) {
        hoveredRef.current = false;
        const n = feedRef.current?.currentBars().length ?? 0;
        setLegend(legendFor(n - 1, false));
      } else {
        hoveredRef.current = true;
        setLegend(legendFor(i, true));
      }
    };
    chart.subscribeCrosshairMove(onCrosshair);

    return () => {
      chart.unsubscribeCrosshairMove(onCrosshair);
      feedRef.current?.dispose();
      feedRef.current = null;
      shownKeyRef.current = null;
      linesRef.current.clear();
      propsRef.current.onChart?.(null);
      chart.remove();
      chartRef.current = null;
      candleRef.current = null;
      volumeRef.current = null;
      markersRef.current = null;
      markedRef.current = '';
      fillKeyRef.current = '';
      syncMarkersRef.current = null;
      sepRef.current = null;
    };
    // hitLine only reads refs, so the chart really is created once.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // ---- series switch ----
  useEffect(() => {
    feedRef.current?.switchTo({ symbol, tf, extended, badPrints });
  }, [symbol, tf, extended, badPrints]);

  useEffect(() => {
    if (resyncToken > 0) feedRef.current?.resubscribe(true);
  }, [resyncToken]);

  // A new fill (or a snapshot of them) redraws the markers at once.
  useEffect(() => syncMarkersRef.current?.(), [props.fills]);

  // ---- horizontal lines: load per symbol, ignore a late answer for a symbol we left ----
  useEffect(() => {
    drawingsSymbolRef.current = symbol;
    drawingsLoadedRef.current = null;
    setDrawings([]);
    setSelectedLine(null);
    let cancelled = false;
    api
      .drawings(symbol)
      .then((d) => {
        if (cancelled) return;
        drawingsLoadedRef.current = symbol;
        setDrawings(d.filter((x) => x.kind === 'hline' && Number.isFinite(x.price)));
      })
      .catch((e: Error) => !cancelled && propsRef.current.onNotice(`Could not load lines for ${symbol}: ${sentence(e.message)}`));
    return () => {
      cancelled = true;
    };
  }, [symbol]);

  // Keep the price lines on the candle series in step with `drawings`.
  useEffect(() => {
    const candles = candleRef.current;
    if (!candles) return;
    const lines = linesRef.current;
    for (const [id, line] of lines) {
      if (!drawings.some((d) => d.id === id)) {
        candles.removePriceLine(line);
        lines.delete(id);
      }
    }
    const tick = tickSize(symbol);
    for (const d of drawings) {
      const opts = {
        price: d.price,
        color: d.color ?? COLORS.line,
        lineWidth: (d.id === selectedLine ? 2 : 1) as 1 | 2,
        lineStyle: d.id === selectedLine ? LineStyle.Solid : LineStyle.Dashed,
        axisLabelVisible: true,
        title: d.label ?? formatPrice(d.price, tick),
      };
      const existing = lines.get(d.id);
      if (existing) existing.applyOptions(opts);
      else lines.set(d.id, candles.createPriceLine(opts));
    }
  }, [drawings, selectedLine, symbol]);

  /** Save the lines of the current symbol; false (with a notice) while its saved lines are not loaded. */
  function persist(next: Drawing[]): boolean {
    const forSymbol = drawingsSymbolRef.current;
    if (drawingsLoadedRef.current !== forSymbol) {
      propsRef.current.onNotice(`Lines for ${forSymbol} are not loaded yet — try again in a moment.`);
      return false;
    }
    setDrawings(next);
    api.saveDrawings(forSymbol, next).catch((e: Error) => propsRef.current.onNotice(`Could not save lines for ${forSymbol}: ${sentence(e.message)}`));
    return true;
  }

  function hitLine(y: number): string | null {
    const candles = candleRef.current;
    if (!candles) return null;
    let best: string | null = null;
    let bestDist = LINE_HIT_PX + 1;
    for (const d of drawingsRef.current) {
      const cy = candles.priceToCoordinate(dragRef.current?.id === d.id ? dragRef.current.price : d.price);
      if (cy === null) continue;
      const dist = Math.abs(cy - y);
      if (dist < bestDist) {
        best = d.id;
        bestDist = dist;
      }
    }
    return best;
  }

  // Place a line with the tool; otherwise a click selects the line under the cursor.
  useEffect(() => {
    const chart = chartRef.current;
    if (!chart) return;
    const onClick = (param: MouseEventParams<Time>) => {
      if (!param.point) return;
      const candles = candleRef.current!;
      if (propsRef.current.tool === 'hline') {
        const raw = candles.coordinateToPrice(param.point.y);
        if (raw === null) return;
        const d: Drawing = { id: newId(), kind: 'hline', price: roundToTick(raw, tickSize(drawingsSymbolRef.current)), color: COLORS.line };
        if (!persist([...drawingsRef.current, d])) return;
        setSelectedLine(d.id);
        propsRef.current.onToolDone();
        return;
      }
      setSelectedLine(hitLine(param.point.y));
    };
    chart.subscribeClick(onClick);
    return () => chart.unsubscribeClick(onClick);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // Drag a line: intercept mousedown before the chart's own pan handler sees it.
  useEffect(() => {
    const container = containerRef.current!;
    const onDown = (e: MouseEvent) => {
      if (e.button !== 0 || propsRef.current.tool !== 'none') return;
      const rect = container.getBoundingClientRect();
      const axisWidth = chartRef.current?.priceScale('right').width() ?? 0;
      if (e.clientX - rect.left > rect.width - axisWidth) return;
      const id = hitLine(e.clientY - rect.top);
      if (!id) return;
      const d = drawingsRef.current.find((x) => x.id === id)!;
      e.stopPropagation();
      e.preventDefault();
      const dragSymbol = drawingsSymbolRef.current;
      dragRef.current = { id, price: d.price };
      setSelectedLine(id);
      const onMove = (ev: MouseEvent) => {
        const drag = dragRef.current;
        const candles = candleRef.current;
        if (!drag || !candles) return;
        const raw = candles.coordinateToPrice(ev.clientY - container.getBoundingClientRect().top);
        if (raw === null) return;
        drag.price = roundToTick(raw, tickSize(drawingsSymbolRef.current));
        linesRef.current.get(id)?.applyOptions({ price: drag.price, title: formatPrice(drag.price, tickSize(drawingsSymbolRef.current)) });
      };
      const onUp = () => {
        window.removeEventListener('mousemove', onMove, true);
        window.removeEventListener('mouseup', onUp, true);
        const drag = dragRef.current;
        dragRef.current = null;
        // A symbol switch mid-drag removed the line: nothing of the new symbol's to save.
        if (drag && drag.price !== d.price && drawingsSymbolRef.current === dragSymbol) {
          persist(drawingsRef.current.map((x) => (x.id === drag.id ? { ...x, price: drag.price } : x)));
        }
      };
      window.addEventListener('mousemove', onMove, true);
      window.addEventListener('mouseup', onUp, true);
    };
    container.addEventListener('mousedown', onDown, true);
    return () => container.removeEventListener('mousedown', onDown, true);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // Delete / Backspace removes the selected line; Esc deselects.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (target && (target.tagName === 'INPUT' || target.tagName === 'SELECT' || target.isContentEditable)) return;
      const sel = selectedRef.current;
      if (sel && (e.key === 'Delete' || e.key === 'Backspace')) {
        e.preventDefault();
        persist(drawingsRef.current.filter((d) => d.id !== sel));
        setSelectedLine(null);
      } else if (e.key === 'Escape') {
        setSelectedLine(null);
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const tick = tickSize(symbol);
  const shownKeyMatches = legend && sameSeries(shownKeyRef.current, { symbol, tf, extended, badPrints });
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

function LegendValues({ legend, tick, daily }: { legend: LegendState; tick: number; daily: boolean }) {
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
