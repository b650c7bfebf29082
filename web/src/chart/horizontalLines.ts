/**
 * The drawing tool: horizontal price lines of the charted symbol. They are loaded per symbol
 * and saved on every change (api.drawings / api.saveDrawings); the `hline` tool places one
 * with a click; a click selects the line under the pointer, a drag moves it, Delete removes
 * it and Esc deselects. The lines are price lines of the candle series.
 */
import { useEffect, useRef, useState, type RefObject } from 'react';
import { LineStyle, type IPriceLine, type ISeriesPrimitive, type MouseEventParams, type PrimitiveHoveredItem, type Time } from 'lightweight-charts';
import { api, type Drawing } from '../api.js';
import { formatPrice, roundToTick, tickSize } from '../format.js';
import { sentence } from '../messages.js';
import { COLORS } from './theme.js';
import { alive, type ChartHandle } from './useChart.js';

export type Tool = 'none' | 'hline';

/** How close (px) the pointer must be to a line to select or drag it. */
const LINE_HIT_PX = 6;

/** What the lines read from ChartView's props at the moment of a click or key. */
export interface LineToolProps {
  tool: Tool;
  onToolDone(): void;
  onNotice(message: string): void;
}

function newId(): string {
  // crypto.randomUUID needs a secure context; a self-hosted desk is often plain http on a LAN.
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Lets the library show a resize cursor over a horizontal line (it owns the canvas cursor). */
class LineHitTester implements ISeriesPrimitive<Time> {
  constructor(private readonly hit: (y: number) => string | null) {}
  hitTest(_x: number, y: number): PrimitiveHoveredItem | null {
    const id = this.hit(y);
    return id ? { cursorStyle: 'ns-resize', externalId: `hline:${id}`, zOrder: 'top' } : null;
  }
}

/** The lines of `symbol` on the chart; returns the selected line's id (for the hint). */
export function useHorizontalLines(
  chartRef: ChartHandle,
  containerRef: RefObject<HTMLDivElement | null>,
  symbol: string,
  propsRef: RefObject<LineToolProps>,
): string | null {
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
    const candles = chartRef.current?.candles;
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

  // The resize cursor over a line; the price lines go with the chart.
  useEffect(() => {
    const parts = chartRef.current!;
    const tester = new LineHitTester((y) => hitLine(y));
    parts.candles.attachPrimitive(tester);
    const lines = linesRef.current;
    return () => {
      if (alive(chartRef, parts)) parts.candles.detachPrimitive(tester);
      lines.clear();
    };
    // hitLine only reads refs.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // ---- load per symbol, ignore a late answer for a symbol we left ----
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
  }, [symbol]); // eslint-disable-line react-hooks/exhaustive-deps

  // Keep the price lines on the candle series in step with `drawings`.
  useEffect(() => {
    const candles = chartRef.current?.candles;
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
  }, [drawings, selectedLine, symbol]); // eslint-disable-line react-hooks/exhaustive-deps

  // Place a line with the tool; otherwise a click selects the line under the cursor.
  useEffect(() => {
    const parts = chartRef.current;
    if (!parts) return;
    const onClick = (param: MouseEventParams<Time>) => {
      if (!param.point) return;
      const candles = parts.candles;
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
    parts.chart.subscribeClick(onClick);
    return () => {
      if (alive(chartRef, parts)) parts.chart.unsubscribeClick(onClick);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // Drag a line: intercept mousedown before the chart's own pan handler sees it.
  useEffect(() => {
    const container = containerRef.current!;
    const onDown = (e: MouseEvent) => {
      if (e.button !== 0 || propsRef.current.tool !== 'none') return;
      const rect = container.getBoundingClientRect();
      const axisWidth = chartRef.current?.chart.priceScale('right').width() ?? 0;
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
        const candles = chartRef.current?.candles;
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

  return selectedLine;
}
