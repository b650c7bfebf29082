/**
 * Session separators as a series primitive: a dashed vertical line at the first bar of each
 * New York trading session (the time axis names the day, so the line carries no label),
 * and a solid labelled line where sessions without data were skipped (see gaps.ts). lightweight-charts has no built-in
 * option for session breaks (issue #1931), and drawing them as data (whitespace bars or
 * an extra series) breaks real-time update() (#1816) — a primitive draws without touching
 * the data.
 */
import type {
  IPrimitivePaneRenderer,
  IPrimitivePaneView,
  ISeriesPrimitive,
  PrimitivePaneViewZOrder,
  SeriesAttachedParameter,
  Time,
  UTCTimestamp,
} from 'lightweight-charts';
import type { CanvasRenderingTarget2D } from 'fancy-canvas';

interface Mark {
  x: number;
  /** Set for a gap (sessions without data): drawn solid and labelled. */
  label?: string;
}

class SeparatorRenderer implements IPrimitivePaneRenderer {
  constructor(
    private readonly marks: readonly Mark[],
    private readonly color: string,
  ) {}

  draw(): void {
    // Everything is drawn under the candles (drawBackground).
  }

  drawBackground(target: CanvasRenderingTarget2D): void {
    target.useBitmapCoordinateSpace(({ context: ctx, bitmapSize, horizontalPixelRatio: hpr, verticalPixelRatio: vpr }) => {
      ctx.fillStyle = this.color;
      const w = Math.max(1, Math.floor(hpr));
      const dash = Math.round(4 * vpr);
      const gap = Math.round(3 * vpr);
      for (const m of this.marks) {
        if (m.label !== undefined) continue;
        const x = Math.round(m.x * hpr) - Math.floor(w / 2);
        for (let y = 0; y < bitmapSize.height; y += dash + gap) ctx.fillRect(x, y, w, dash);
      }
      // Gaps: a solid amber line with its label, so distant days never look adjacent.
      ctx.fillStyle = GAP_COLOR;
      ctx.font = `${Math.round(10 * vpr)}px system-ui, sans-serif`;
      ctx.textBaseline = 'top';
      for (const m of this.marks) {
        if (m.label === undefined) continue;
        const x = Math.round(m.x * hpr) - Math.floor(w);
        ctx.fillRect(x, 0, w * 2, bitmapSize.height);
        // Under the legend and banner; on the left of the line when it is near the right edge.
        const textWidth = ctx.measureText(m.label).width;
        const pad = Math.round(4 * hpr);
        const tx = x + pad + textWidth > bitmapSize.width ? x - pad - textWidth : x + pad;
        ctx.fillText(m.label, tx, Math.round(64 * vpr));
      }
    });
  }
}

const GAP_COLOR = 'rgba(240, 180, 41, 0.75)';

class SeparatorView implements IPrimitivePaneView {
  marks: Mark[] = [];
  constructor(private readonly source: SessionSeparators) {}
  zOrder(): PrimitivePaneViewZOrder {
    return 'bottom';
  }
  renderer(): IPrimitivePaneRenderer {
    return new SeparatorRenderer(this.marks, this.source.color);
  }
}

export class SessionSeparators implements ISeriesPrimitive<Time> {
  color = 'rgba(120, 134, 156, 0.4)';
  private starts: UTCTimestamp[] = [];
  private gaps: { time: UTCTimestamp; label: string }[] = [];
  private param: SeriesAttachedParameter<Time> | null = null;
  private readonly view = new SeparatorView(this);
  // Same array every call: the library caches by reference.
  private readonly views: readonly IPrimitivePaneView[] = [this.view];

  attached(param: SeriesAttachedParameter<Time>): void {
    this.param = param;
  }

  detached(): void {
    this.param = null;
  }

  /** Chart times (NY-shifted) of each session's first bar. */
  setSessionStarts(starts: UTCTimestamp[]): void {
    this.starts = starts;
    this.param?.requestUpdate();
  }

  /** Chart times of the first bar after each run of sessions without data, with their labels. */
  setGaps(gaps: { time: UTCTimestamp; label: string }[]): void {
    this.gaps = gaps;
    this.param?.requestUpdate();
  }

  updateAllViews(): void {
    const ts = this.param?.chart.timeScale();
    if (!ts) return;
    const marks: Mark[] = [];
    for (const t of this.starts) {
      const x = ts.timeToCoordinate(t);
      if (x !== null) marks.push({ x });
    }
    // A gap line sits between the last bar before it and the first bar after it.
    const halfBar = ts.options().barSpacing / 2;
    for (const g of this.gaps) {
      const x = ts.timeToCoordinate(g.time);
      if (x !== null) marks.push({ x: x - halfBar, label: g.label });
    }
    this.view.marks = marks;
  }

  paneViews(): readonly IPrimitivePaneView[] {
    return this.views;
  }
}
