/**
 * Indicator overlays on the chart, chosen from a menu: VWAP, EMA 21/50, prior day
 * high/low/close, pre-market high/low, opening range. The numbers come from the server's
 * GET /api/indicators, which computes them from the same 1-minute bars as the scanner and
 * the checklist (src/indicators/overlays.ts), so levels are identical on every timeframe;
 * they refresh each clock minute as the bars stream. Levels are drawn across the latest
 * session shown, labelled on the price axis; they never stretch the price scale.
 */
import { useEffect, useRef, useState } from 'react';
import { LineSeries, LineStyle, type IChartApi, type ISeriesApi, type LineData, type UTCTimestamp } from 'lightweight-charts';
import type { IndicatorsResponse } from '../../../src/wire/scanner-protocol.js';
import { toChartTime } from '../nyTime.js';

export const OVERLAYS = [
  { key: 'vwap', label: 'VWAP' },
  { key: 'ema21', label: 'EMA 21' },
  { key: 'ema50', label: 'EMA 50' },
  { key: 'prior', label: 'Prior day H/L/C' },
  { key: 'premarket', label: 'Pre-market H/L' },
  { key: 'or', label: 'Opening range' },
] as const;
export type OverlayKey = (typeof OVERLAYS)[number]['key'];

const PREF = 'optdesk.overlays';

export function useOverlayPrefs(): [Set<OverlayKey>, (k: OverlayKey) => void] {
  const [on, setOn] = useState<Set<OverlayKey>>(() => {
    try {
      const saved = JSON.parse(localStorage.getItem(PREF) ?? 'null') as OverlayKey[] | null;
      return new Set(Array.isArray(saved) ? saved : ['vwap', 'or']);
    } catch {
      return new Set<OverlayKey>(['vwap', 'or']);
    }
  });
  const toggle = (k: OverlayKey) =>
    setOn((prev) => {
      const next = new Set(prev);
      if (next.has(k)) next.delete(k);
      else next.add(k);
      localStorage.setItem(PREF, JSON.stringify([...next]));
      return next;
    });
  return [on, toggle];
}

export function IndicatorMenu({ enabled, onToggle }: { enabled: Set<OverlayKey>; onToggle(k: OverlayKey): void }) {
  const [open, setOpen] = useState(false);
  return (
    <div className="indicator-menu" onMouseLeave={() => setOpen(false)}>
      <button type="button" className="grade-pill" data-testid="indicator-menu" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        Indicators {enabled.size ? `(${enabled.size})` : ''} ▾
      </button>
      {open ? (
        <div className="indicator-list" role="menu">
          {OVERLAYS.map((o) => (
            <label key={o.key} className="indicator-item">
              <input type="checkbox" checked={enabled.has(o.key)} onChange={() => onToggle(o.key)} data-testid={`overlay-${o.key}`} />
              <span className={`swatch sw-${o.key}`} /> {o.label}
            </label>
          ))}
        </div>
      ) : null}
    </div>
  );
}

const COLORS: Record<string, string> = {
  vwap: '#d2a8ff', ema21: '#58a6ff', ema50: '#f0883e',
  priorHigh: '#8b949e', priorLow: '#8b949e', priorClose: '#c9d1d9',
  premarketHigh: '#a371f7', premarketLow: '#a371f7', orHigh: '#f0b429', orLow: '#f0b429',
};
const TITLES: Record<string, string> = {
  priorHigh: 'PDH', priorLow: 'PDL', priorClose: 'PDC', premarketHigh: 'PMH', premarketLow: 'PML', orHigh: 'ORH', orLow: 'ORL',
};
const LEVELS: Record<'prior' | 'premarket' | 'or', Array<'priorHigh' | 'priorLow' | 'priorClose' | 'premarketHigh' | 'premarketLow' | 'orHigh' | 'orLow'>> = {
  prior: ['priorHigh', 'priorLow', 'priorClose'],
  premarket: ['premarketHigh', 'premarketLow'],
  or: ['orHigh', 'orLow'],
};

export interface IndicatorOverlaysProps {
  chart: IChartApi | null;
  symbol: string;
  tf: string;
  extended: boolean;
  clock: number | null;
  enabled: Set<OverlayKey>;
}

/** Draws the enabled overlays on `chart` (renders nothing itself). */
export function IndicatorOverlays({ chart, symbol, tf, extended, clock, enabled }: IndicatorOverlaysProps) {
  const seriesRef = useRef(new Map<string, ISeriesApi<'Line'>>());
  const [data, setData] = useState<IndicatorsResponse | null>(null);
  const minute = clock === null ? Math.floor(Date.now() / 60_000) : Math.floor(clock / 60_000);
  const wanted = [...enabled].sort().join(',');

  useEffect(() => {
    if (!wanted) return;
    let live = true;
    const q = new URLSearchParams({ symbol, tf, extended: String(extended) });
    fetch(`/api/indicators?${q}`)
      .then((r) => (r.ok ? (r.json() as Promise<IndicatorsResponse>) : null))
      .then((d) => live && setData(d), () => undefined);
    return () => {
      live = false;
    };
  }, [symbol, tf, extended, minute, wanted]);

  // Series live with the chart: a new chart (remount) starts with none.
  useEffect(() => {
    const map = seriesRef.current;
    return () => {
      map.clear();
    };
  }, [chart]);

  useEffect(() => {
    if (!chart) return;
    const map = seriesRef.current;
    const current = data && data.symbol === symbol && data.tf === tf && data.extended === extended ? data : null;
    const lines = new Map<string, LineData<UTCTimestamp>[]>();
    if (current) {
      // Never a point after the replay clock: right after a jump back the fetched overlays are
      // still the later day's, and their future points would stretch the chart's time scale.
      const upTo = clock === null ? Infinity : Math.floor(clock / 60_000) * 60_000;
      const pts = (all: Array<{ time: number; value: number }>, breakAtSessions: boolean) => {
        const day = (ms: number) => new Date((toChartTime(ms) as number) * 1000).toISOString().slice(0, 10);
        const p = all.filter((x) => x.time < upTo);
        return p.map((x, i) => {
          const t = toChartTime(x.time);
          // VWAP restarts every session. lightweight-charts draws a segment in its start point's
          // color, so a transparent last point of a day hides the jump to the next day's VWAP.
          const lastOfDay = breakAtSessions && i + 1 < p.length && day(p[i + 1]!.time) !== day(x.time);
          return lastOfDay ? { time: t, value: x.value, color: 'rgba(0,0,0,0)' } : { time: t, value: x.value };
        });
      };
      if (enabled.has('vwap')) lines.set('vwap', pts(current.vwap, true));
      if (enabled.has('ema21')) lines.set('ema21', pts(current.ema21, false));
      if (enabled.has('ema50')) lines.set('ema50', pts(current.ema50, false));
      const last = current.sessions[current.sessions.length - 1];
      if (last && last.from !== last.to && last.from < upTo) {
        for (const group of ['prior', 'premarket', 'or'] as const) {
          if (!enabled.has(group)) continue;
          for (const k of LEVELS[group]) {
            const v = last[k];
            if (v !== null) lines.set(k, [{ time: toChartTime(last.from), value: v }, { time: toChartTime(last.to), value: v }]);
          }
        }
      }
    }
    for (const [k, s] of map) {
      if (!lines.has(k)) {
        chart.removeSeries(s);
        map.delete(k);
      }
    }
    for (const [k, points] of lines) {
      let s = map.get(k);
      if (!s) {
        const level = k in TITLES;
        s = chart.addSeries(LineSeries, {
          color: COLORS[k],
          lineWidth: level ? 1 : 2,
          lineStyle: level ? LineStyle.Dashed : LineStyle.Solid,
          priceLineVisible: false,
          lastValueVisible: level,
          title: TITLES[k] ?? '',
          crosshairMarkerVisible: false,
          // Levels far from the price must not squash the candles.
          ...(level ? { autoscaleInfoProvider: () => null } : {}),
        });
        map.set(k, s);
      }
      s.setData(points);
    }
    const root = document.querySelector<HTMLElement>('[data-testid="chart"]');
    if (root) root.dataset.overlays = [...lines.keys()].sort().join(',');
  }, [chart, data, wanted, symbol, tf, extended, Math.floor((clock ?? 0) / 60_000)]); // eslint-disable-line react-hooks/exhaustive-deps

  return null;
}
