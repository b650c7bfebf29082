/**
 * The candle series' markers: a sign over every bar holding a flagged bad print, and the
 * account's fills (fillMarkers.ts). lightweight-charts allows one markers primitive per
 * series, so both go through this one; it re-sets the markers only when the flagged bars
 * or the placed fills changed (setMarkers on every delta would be slow on long series, #1808).
 */
import type { ISeriesMarkersPluginApi, SeriesMarker, UTCTimestamp } from 'lightweight-charts';
import type { SeriesKey, WireBar } from '../../../src/wire/protocol.js';
import { toChartTime } from '../nyTime.js';
import { fillMarkers, fillsForChart, mergeMarkers, placeFills, placedKey, type ChartFill, type PlacedFill } from './fillMarkers.js';
import { COLORS } from './theme.js';

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

export class SeriesMarkers {
  /** Start times (and printed highs) of the bars marked as holding a bad print. */
  private marked = '';
  /** The fills drawn as markers, as a key to re-set only on a change. */
  private fillKey = '';

  constructor(private readonly primitive: ISeriesMarkersPluginApi<UTCTimestamp>) {}

  /**
   * Re-set the markers for `bars` of the series on screen (`shown`, null before its first
   * snapshot) if anything drawn changed; returns the placed fills then, else null.
   */
  sync(bars: readonly WireBar[], shown: SeriesKey | null, fills: readonly ChartFill[]): PlacedFill[] | null {
    const marked = bars.filter((b) => b.badPrint).map((b) => `${b.start}:${b.badPrint!.high}`).join(',');
    const placed = shown ? placeFills(fillsForChart(fills, shown.symbol), bars, shown.tf) : [];
    const fillKey = placedKey(placed);
    if (marked === this.marked && fillKey === this.fillKey) return null;
    this.marked = marked;
    this.fillKey = fillKey;
    this.primitive.setMarkers(mergeMarkers(badPrintMarkers(bars), fillMarkers(placed)));
    return placed;
  }

  /** Whether a delta of `bar` may change the markers (it carries or clears a bad print, or fills may land on it). */
  mayChange(bar: WireBar, fills: readonly ChartFill[]): boolean {
    return !!bar.badPrint || this.marked.includes(`${bar.start}:`) || fills.length > 0;
  }

  /** How many bars carry a bad-print marker (the data-bad-print-bars attribute). */
  badPrintBars(): number {
    return this.marked ? this.marked.split(',').length : 0;
  }

  /** The fill markers the primitive really holds, for tests (markers are canvas pixels otherwise). */
  drawnFills(): Array<Pick<SeriesMarker<UTCTimestamp>, 'id' | 'time' | 'position' | 'text'>> {
    return this.primitive
      .markers()
      .filter((m) => String(m.id).startsWith('fill:'))
      .map((m) => ({ id: m.id, time: m.time, position: m.position, text: m.text }));
  }
}
