/**
 * Session-aware levels over 1-minute bars, on the NYSE calendar (src/calendar): which
 * session and segment (pre-market 04:00–09:30, regular 09:30–close, after-hours) a bar
 * belongs to decides what it counts toward. Early closes (13:00) end the regular segment
 * early, so "the prior day's close" is the 12:59 bar's close on those days.
 *
 * Each class keeps a small state object and a copy from before the last bar, so a revision
 * of the forming bar (same start) is undone and re-applied exactly instead of counted twice.
 */
import { type Session, sessionAt } from '../calendar/index.js';
import { MINUTE_MS } from '../core/types.js';
import { InputError } from '../core/errors.js';
import { BarOrder, type IndicatorBar, type StreamingIndicator } from './types.js';

export type SessionSegment = 'pre' | 'regular' | 'post';

/** The session and segment holding the minute that starts at `start`, or null (night, weekend, holiday). */
export function segmentOf(start: number): { session: Session; segment: SessionSegment } | null {
  const session = sessionAt(start);
  if (!session) return null;
  if (start >= session.open && start < session.close) return { session, segment: 'regular' };
  if (start >= session.preOpen && start < session.open) return { session, segment: 'pre' };
  if (start >= session.close && start < session.postClose) return { session, segment: 'post' };
  return null;
}

/** Shared plumbing: state, revision undo, session of each bar. */
abstract class SessionIndicator<S extends object, T> implements StreamingIndicator<T> {
  private readonly order = new BarOrder();
  private before: S;
  protected state: S;
  private v: T | null = null;

  constructor(initial: S) {
    this.state = initial;
    this.before = this.copy(initial);
  }

  /**
   * A copy of a state deep enough to undo a bar (each subclass writes its own: it runs for
   * every bar of every symbol, and generic deep copies cost more than the indicator).
   */
  protected abstract copy(s: S): S;

  update(bar: IndicatorBar): T | null {
    if (this.order.isRevision(bar.start)) this.state = this.copy(this.before);
    else this.before = this.copy(this.state);
    const place = segmentOf(bar.start);
    if (place) this.apply(bar, place.session, place.segment);
    this.v = this.read(place?.segment ?? null);
    return this.v;
  }

  value(): T | null {
    return this.v;
  }

  protected abstract apply(bar: IndicatorBar, session: Session, segment: SessionSegment): void;
  protected abstract read(segment: SessionSegment | null): T | null;
}

/** A bar's price for volume weighting: the provider's own VWAP when it sent one, else (H+L+C)/3. */
export function typicalPrice(bar: IndicatorBar): number {
  return bar.vwap !== undefined && Number.isFinite(bar.vwap) && bar.vwap > 0 ? bar.vwap : (bar.high + bar.low + bar.close) / 3;
}

interface VwapState { date: string; pv: number; v: number }

/**
 * Volume-weighted average price anchored at the regular open, reset every session. Null
 * outside the regular segment and until the session has traded volume.
 */
export class SessionVwap extends SessionIndicator<VwapState, number> {
  constructor() {
    super({ date: '', pv: 0, v: 0 });
  }

  protected copy(s: VwapState): VwapState {
    return { date: s.date, pv: s.pv, v: s.v };
  }

  protected apply(bar: IndicatorBar, session: Session, segment: SessionSegment): void {
    if (segment !== 'regular') return;
    if (this.state.date !== session.date) this.state = { date: session.date, pv: 0, v: 0 };
    this.state.pv += typicalPrice(bar) * bar.volume;
    this.state.v += bar.volume;
  }

  protected read(segment: SessionSegment | null): number | null {
    if (segment !== 'regular' || this.state.v <= 0) return null;
    return this.state.pv / this.state.v;
  }
}

export interface DayLevels {
  /** The session these levels belong to. */
  date: string;
  high: number;
  low: number;
  close: number;
}

interface PriorDayState { current: DayLevels | null; prior: DayLevels | null }

/**
 * The previous session's regular-hours high, low and close (from its minute bars), known
 * from the first bar of the next session on. `seed()` sets it from a vendor daily bar when
 * the minutes of that day are not at hand.
 */
export class PriorDayLevels extends SessionIndicator<PriorDayState, DayLevels> {
  constructor() {
    super({ current: null, prior: null });
  }

  protected copy(s: PriorDayState): PriorDayState {
    return { current: s.current && { ...s.current }, prior: s.prior && { ...s.prior } };
  }

  /** The prior day's levels from elsewhere (a vendor daily bar), for streams that start today. */
  seed(levels: DayLevels): this {
    this.state.prior = { ...levels };
    return this;
  }

  protected apply(bar: IndicatorBar, session: Session, segment: SessionSegment): void {
    const cur = this.state.current;
    if (cur && cur.date !== session.date) {
      this.state.prior = cur;
      this.state.current = null;
    }
    if (segment !== 'regular') return;
    const c = this.state.current;
    if (!c) this.state.current = { date: session.date, high: bar.high, low: bar.low, close: bar.close };
    else {
      c.high = Math.max(c.high, bar.high);
      c.low = Math.min(c.low, bar.low);
      c.close = bar.close;
    }
  }

  protected read(): DayLevels | null {
    return this.state.prior;
  }
}

export interface PremarketLevels {
  date: string;
  high: number;
  low: number;
  volume: number;
}

/** Today's pre-market (04:00–09:30) high, low and volume; held through the rest of the session. */
export class PremarketRange extends SessionIndicator<{ levels: PremarketLevels | null }, PremarketLevels> {
  constructor() {
    super({ levels: null });
  }

  protected copy(s: { levels: PremarketLevels | null }): { levels: PremarketLevels | null } {
    return { levels: s.levels && { ...s.levels } };
  }

  protected apply(bar: IndicatorBar, session: Session, segment: SessionSegment): void {
    if (this.state.levels && this.state.levels.date !== session.date) this.state.levels = null;
    if (segment !== 'pre') return;
    const l = this.state.levels;
    if (!l) this.state.levels = { date: session.date, high: bar.high, low: bar.low, volume: bar.volume };
    else {
      l.high = Math.max(l.high, bar.high);
      l.low = Math.min(l.low, bar.low);
      l.volume += bar.volume;
    }
  }

  protected read(): PremarketLevels | null {
    return this.state.levels;
  }
}

export type Breakout = 'up' | 'down';

export interface OpeningRangeState {
  date: string;
  high: number;
  low: number;
  /** Volume traded inside the range's minutes. */
  volume: number;
  /** Epoch ms when the range is complete (open + N minutes, capped at the close). */
  endsAt: number;
  /** A bar at or after `endsAt` has been seen: the range is final. Compare `endsAt` with your clock between bars. */
  set: boolean;
  /** The first close beyond the range after it was set, and when. */
  breakout: Breakout | null;
  breakoutAt: number | null;
  /** Where the latest regular-session close stands. */
  position: 'above' | 'inside' | 'below';
}

/**
 * The opening range: high and low of the first N regular minutes (default 5, the traders'
 * "first 5-minute candle"), then the first close above or below it.
 */
export class OpeningRange extends SessionIndicator<{ or: OpeningRangeState | null }, OpeningRangeState> {
  protected copy(s: { or: OpeningRangeState | null }): { or: OpeningRangeState | null } {
    return { or: s.or && { ...s.or } };
  }

  constructor(readonly minutes = 5) {
    super({ or: null });
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 390) throw new InputError('minutes', `must be a whole number of minutes from 1 to 390, got ${String(minutes)}`);
  }

  protected apply(bar: IndicatorBar, session: Session, segment: SessionSegment): void {
    if (this.state.or && this.state.or.date !== session.date) this.state.or = null;
    if (segment !== 'regular') return;
    const endsAt = Math.min(session.open + this.minutes * MINUTE_MS, session.close);
    let or = this.state.or;
    if (bar.start < endsAt) {
      if (!or) this.state.or = { date: session.date, high: bar.high, low: bar.low, volume: bar.volume, endsAt, set: false, breakout: null, breakoutAt: null, position: 'inside' };
      else {
        or.high = Math.max(or.high, bar.high);
        or.low = Math.min(or.low, bar.low);
        or.volume += bar.volume;
      }
      return;
    }
    if (!or) return; // the opening minutes never traded: no range today
    or.set = true;
    or.position = bar.close > or.high ? 'above' : bar.close < or.low ? 'below' : 'inside';
    if (or.breakout === null && or.position !== 'inside') {
      or.breakout = or.position === 'above' ? 'up' : 'down';
      or.breakoutAt = bar.start;
    }
  }

  protected read(): OpeningRangeState | null {
    return this.state.or;
  }
}

export interface BlockLevels {
  /** Start of the last completed block these levels come from. */
  blockStart: number;
  high: number;
  low: number;
}

/**
 * The previous time block's high and low: regular-session windows of `minutes` aligned to
 * the open (60 → 09:30–10:30, …), the "previous block" of the time-block strategy.
 */
export class TimeBlockLevels extends SessionIndicator<{ current: BlockLevels | null; previous: BlockLevels | null; date: string }, BlockLevels> {
  protected copy(s: { current: BlockLevels | null; previous: BlockLevels | null; date: string }): { current: BlockLevels | null; previous: BlockLevels | null; date: string } {
    return { current: s.current && { ...s.current }, previous: s.previous && { ...s.previous }, date: s.date };
  }

  constructor(readonly minutes = 60) {
    super({ current: null, previous: null, date: '' });
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 390) throw new InputError('minutes', `must be a whole number of minutes from 1 to 390, got ${String(minutes)}`);
  }

  protected apply(bar: IndicatorBar, session: Session, segment: SessionSegment): void {
    if (segment !== 'regular') return;
    if (this.state.date !== session.date) this.state = { current: null, previous: null, date: session.date };
    const width = this.minutes * MINUTE_MS;
    const blockStart = session.open + Math.floor((bar.start - session.open) / width) * width;
    const cur = this.state.current;
    if (cur && cur.blockStart !== blockStart) {
      this.state.previous = cur;
      this.state.current = null;
    }
    const c = this.state.current;
    if (!c) this.state.current = { blockStart, high: bar.high, low: bar.low };
    else {
      c.high = Math.max(c.high, bar.high);
      c.low = Math.min(c.low, bar.low);
    }
  }

  protected read(): BlockLevels | null {
    return this.state.previous;
  }

  /**
   * The last block complete by `at`: the current one once its window is over (no bar of
   * the next block needs to have traded yet), else the previous one.
   */
  completedBy(at: number): BlockLevels | null {
    const cur = this.state.current;
    if (cur) {
      const session = sessionAt(cur.blockStart);
      const end = Math.min(cur.blockStart + this.minutes * MINUTE_MS, session?.close ?? Infinity);
      if (at >= end) return cur;
    }
    return this.state.previous;
  }
}
