/**
 * Which bucket a minute belongs to, for every timeframe.
 *
 * Intraday buckets align to the start of the session segment the minute falls in
 * (TradingView's convention): regular bars to 09:30 (1h = 09:30–10:30 … 15:30–16:00,
 * 4h = 09:30–13:30 and 13:30–16:00), pre-market bars to 04:00, after-hours bars to the
 * close (16:00, or 13:00 on early-close days). A bucket never crosses a segment edge, so
 * regular-session bars are identical with and without extended hours, and the last bar
 * of a segment may be short (15:30–16:00 for 1h). Daily bars cover the regular session
 * and start at 00:00 New York; weekly bars start on the Monday of the week.
 */
import { MINUTE_MS, type IntradayTimeframe, timeframeMinutes } from '../core/types.js';
import { type Session, sessionAt, sessionsBetween, addDays, weekStartDate, nyMidnight } from '../calendar/index.js';
// Module-local copies of hot-path imports: tsx's transpiled ESM reads imported bindings through
// getters, which showed up in the bar-engine profile.
const MINUTE = MINUTE_MS;
const minutesOf = timeframeMinutes;

export type Segment = 'pre' | 'regular' | 'post';

export interface MinutePlace {
  session: Session;
  segment: Segment;
  segmentStart: number;
  segmentEnd: number;
}

/** Where a minute starting at `start` sits in the trading day, or null outside every segment. */
export function placeMinute(start: number): MinutePlace | null {
  const session = sessionAt(start);
  if (!session) return null;
  if (start >= session.open && start < session.close) {
    return { session, segment: 'regular', segmentStart: session.open, segmentEnd: session.close };
  }
  if (start >= session.preOpen && start < session.open) {
    return { session, segment: 'pre', segmentStart: session.preOpen, segmentEnd: session.open };
  }
  if (start >= session.close && start < session.postClose) {
    return { session, segment: 'post', segmentStart: session.close, segmentEnd: session.postClose };
  }
  return null;
}

export interface BucketSpan {
  start: number;
  /** Exclusive end; the bar is final once the clock reaches it. */
  end: number;
}

/** The intraday bucket of `tf` holding the minute at `place`. */
export function intradayBucket(minuteStart: number, place: MinutePlace, tf: IntradayTimeframe): BucketSpan {
  const width = minutesOf(tf) * MINUTE;
  const start = place.segmentStart + Math.floor((minuteStart - place.segmentStart) / width) * width;
  return { start, end: Math.min(start + width, place.segmentEnd) };
}

export function dailyBucket(session: Session): BucketSpan {
  return { start: session.midnight, end: session.close };
}

/** Weekly buckets start Monday 00:00 New York and end at the close of the week's last session. */
export class WeekBuckets {
  private readonly cache = new Map<string, BucketSpan & { sessionDates: string[] }>();
  /** By session midnight too: the engine asks once per regular minute, and date arithmetic on strings is slow. */
  private readonly bySession = new Map<number, BucketSpan & { sessionDates: string[] }>();

  forSession(session: Session): BucketSpan & { sessionDates: string[] } {
    const known = this.bySession.get(session.midnight);
    if (known) return known;
    const monday = weekStartDate(session.date);
    let span = this.cache.get(monday);
    if (!span) {
      const sessions = sessionsBetween(monday, addDays(monday, 6));
      const last = sessions[sessions.length - 1] ?? session;
      span = { start: nyMidnight(monday), end: last.close, sessionDates: sessions.map((s) => s.date) };
      this.cache.set(monday, span);
    }
    this.bySession.set(session.midnight, span);
    return span;
  }
}
