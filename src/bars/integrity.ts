/**
 * Data-integrity checks over stored history (`optdesk check`): missing minutes, bad ticks,
 * suspected splits and the per-day differences between the vendor's daily bar and the one
 * derived from minutes. Real data has all of these (see shared/data README "Known quirks");
 * the report shows them so nobody trusts a chart or a backtest built on a bad print.
 */
import type { Bar, DailyAggregate, MinuteAggregate } from '../core/types.js';
import { MINUTE_MS } from '../core/types.js';
import { type Session, nyDate, nyWallClock } from '../calendar/index.js';

export interface MissingMinutes {
  date: string;
  expected: number;
  present: number;
  /** The longest runs of missing minutes, New York wall time "HH:MM–HH:MM" (end exclusive). */
  longestGaps: string[];
}

export interface BadTick {
  date: string;
  /** New York wall time for minute bars, absent for daily bars. */
  time?: string;
  kind: 'volume' | 'price-jump';
  detail: string;
}

export interface SuspectedSplit {
  date: string;
  previousClose: number;
  open: number;
  /** "2:1", "7:1", "1:10" (reverse) … */
  ratio: string;
}

export interface DailyDifference {
  date: string;
  /** field → [vendor, derived] for each field that differs. */
  fields: Partial<Record<'open' | 'high' | 'low' | 'close' | 'volume', [number, number]>>;
}

export interface IntegrityOptions {
  /** A daily volume above this multiple of the trailing median volume is a bad tick. Default 20. */
  volumeMultiple?: number;
  /** A move above this multiple of the trailing median range is a bad tick. Default 12. */
  rangeMultiple?: number;
  /** Trailing window (bars) for the medians. Default 20. */
  window?: number;
}

/** Regular-session minutes missing per session (only sessions that have some minutes). */
export function findMissingMinutes(sessions: Session[], minutes: MinuteAggregate[]): MissingMinutes[] {
  const present = new Set(minutes.map((m) => m.start));
  const out: MissingMinutes[] = [];
  for (const s of sessions) {
    const gaps: { from: number; to: number }[] = [];
    let count = 0;
    let runStart: number | null = null;
    for (let t = s.open; t <= s.close; t += MINUTE_MS) {
      const has = t === s.close || present.has(t);
      if (t < s.close && has) count++;
      if (!has && runStart === null) runStart = t;
      if (has && runStart !== null) {
        gaps.push({ from: runStart, to: t });
        runStart = null;
      }
    }
    if (count === 0) continue; // no data at all for the session is reported elsewhere, not as 390 gaps
    const expected = (s.close - s.open) / MINUTE_MS;
    gaps.sort((a, b) => b.to - b.from - (a.to - a.from) || a.from - b.from);
    out.push({
      date: s.date,
      expected,
      present: count,
      longestGaps: gaps.slice(0, 5).map((g) => `${hhmm(g.from)}–${hhmm(g.to)}`),
    });
  }
  return out;
}

/** Bad ticks in daily bars: implausible volume, a move far beyond the recent range that is not a split. */
export function findDailyBadTicks(daily: DailyAggregate[], options: IntegrityOptions = {}): BadTick[] {
  const volumeMultiple = options.volumeMultiple ?? 20;
  const rangeMultiple = options.rangeMultiple ?? 12;
  const window = options.window ?? 20;
  const out: BadTick[] = [];
  for (let i = 1; i < daily.length; i++) {
    const bar = daily[i]!;
    const trailing = daily.slice(Math.max(0, i - window), i);
    const medianVolume = median(trailing.map((b) => b.volume));
    if (medianVolume > 0 && bar.volume > volumeMultiple * medianVolume) {
      out.push({
        date: nyDate(bar.start),
        kind: 'volume',
        detail: `volume ${bar.volume.toLocaleString('en-US')} is ${(bar.volume / medianVolume).toFixed(0)}× the ${trailing.length}-day median ${Math.round(medianVolume).toLocaleString('en-US')}`,
      });
    }
    const prev = daily[i - 1]!;
    const medianRange = median(trailing.map((b) => b.high - b.low));
    const move = Math.abs(bar.open - prev.close);
    if (medianRange > 0 && move > rangeMultiple * medianRange && !splitRatio(prev.close, bar.open)) {
      out.push({
        date: nyDate(bar.start),
        kind: 'price-jump',
        detail: `open ${bar.open} is ${move.toFixed(2)} from the previous close ${prev.close}, ${(move / medianRange).toFixed(1)}× the median daily range`,
      });
    }
  }
  return out;
}

/** Bad ticks in minute bars: a bar whose move or range is far beyond the recent minutes' ranges. */
export function findMinuteBadTicks(minutes: MinuteAggregate[], options: IntegrityOptions = {}): BadTick[] {
  return flagMinuteBadTicks(minutes, 0, options).map(({ index, move, medianRange }) => {
    const bar = minutes[index]!;
    const prev = minutes[index - 1]!;
    return {
      date: nyDate(bar.start),
      time: hhmm(bar.start),
      kind: 'price-jump' as const,
      detail: `moved ${move.toFixed(2)} (${((move / prev.close) * 100).toFixed(2)}%), ${(move / medianRange).toFixed(1)}× the median 1-minute range`,
    };
  });
}

export interface FlaggedMinute {
  /** Index into the minutes given. */
  index: number;
  move: number;
  medianRange: number;
}

type MinuteLike = Pick<MinuteAggregate, 'start' | 'open' | 'high' | 'low' | 'close'>;

/**
 * The minute bad ticks of `findMinuteBadTicks` (what `optdesk check` reports), as indices,
 * for minutes at index ≥ `from`. A minute's verdict depends only on itself and the minutes
 * before it in the same New York day, so a caller that appends minutes re-checks the tail only.
 */
export function flagMinuteBadTicks(minutes: readonly MinuteLike[], from = 0, options: IntegrityOptions = {}): FlaggedMinute[] {
  const rangeMultiple = options.rangeMultiple ?? 12;
  const window = options.window ?? 20;
  const out: FlaggedMinute[] = [];
  const ranges: number[] = [];
  // The trailing window of `from`: up to `window` ranges of the same day before it.
  let i = Math.max(0, from - window);
  const dayOf = minutes[from] ? nyDate(minutes[from]!.start) : '';
  while (i < from && nyDate(minutes[i]!.start) !== dayOf) i++;
  for (; i < minutes.length; i++) {
    const bar = minutes[i]!;
    const prev = minutes[i - 1];
    if (prev && nyDate(prev.start) !== nyDate(bar.start)) ranges.length = 0; // overnight gaps are not ticks
    if (i >= from && prev && ranges.length >= window / 2) {
      // A floor of a cent keeps penny-range quiet periods from flagging ordinary ticks.
      const medianRange = Math.max(median(ranges), 0.01);
      const move = Math.max(Math.abs(bar.open - prev.close), bar.high - bar.low);
      if (move > rangeMultiple * medianRange && move / prev.close > 0.005) out.push({ index: i, move, medianRange });
    }
    ranges.push(bar.high - bar.low);
    if (ranges.length > window) ranges.shift();
  }
  return out;
}

const SPLIT_RATIOS = [1.5, 2, 3, 4, 5, 7, 8, 10, 15, 20];

/** "N:1" when prevClose/open is close to a usual split ratio (or "1:N" for a reverse split), else null. */
export function splitRatio(previousClose: number, open: number): string | null {
  const r = previousClose / open;
  for (const ratio of SPLIT_RATIOS) {
    if (Math.abs(r / ratio - 1) < 0.06) return ratio === 1.5 ? '3:2' : `${ratio}:1`;
    if (Math.abs(r * ratio - 1) < 0.06) return ratio === 1.5 ? '2:3' : `1:${ratio}`;
  }
  return null;
}

export function findSuspectedSplits(daily: DailyAggregate[]): SuspectedSplit[] {
  const out: SuspectedSplit[] = [];
  for (let i = 1; i < daily.length; i++) {
    const prev = daily[i - 1]!;
    const bar = daily[i]!;
    const ratio = splitRatio(prev.close, bar.open);
    // A real split also moves the whole day: require the day's range to sit beyond the old close.
    const dayMoved = bar.high < prev.close * 0.8 || bar.low > prev.close * 1.25;
    if (ratio && dayMoved) out.push({ date: nyDate(bar.start), previousClose: prev.close, open: bar.open, ratio });
  }
  return out;
}

/** Per-day differences between the vendor daily bar and the regular-session minute-derived one. */
export function compareDaily(vendor: DailyAggregate[], derived: Map<string, Bar>): DailyDifference[] {
  const out: DailyDifference[] = [];
  for (const v of vendor) {
    const date = nyDate(v.start);
    const d = derived.get(date);
    if (!d) continue;
    const fields: DailyDifference['fields'] = {};
    for (const f of ['open', 'high', 'low', 'close', 'volume'] as const) {
      if (Math.abs(v[f] - d[f]) > 1e-9) fields[f] = [v[f], d[f]];
    }
    if (Object.keys(fields).length > 0) out.push({ date, fields });
  }
  return out;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function hhmm(ms: number): string {
  const w = nyWallClock(ms);
  return `${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')}`;
}
