/**
 * NYSE trading sessions in America/New_York for 1998–2035 (see README.md).
 *
 * Layout, top-down:
 *   1. the exchange's rules and one-off tables (what trades when),
 *   2. New York time conversion (luxon behind a per-UTC-hour offset cache),
 *   3. the public API.
 *
 * Speed: the bar engine calls `sessionAt` / `sessionOn` / `nyDate` once per bar update.
 * After warm-up those are a few array/Map look-ups: the NY UTC offset is cached per UTC
 * hour (DST changes happen on the hour, so hour granularity is exact), the day table is
 * computed once at load, and each Session is built once and shared (hence frozen).
 */
import { IANAZone } from 'luxon';
import { InputError } from '../core/errors.js';
import { ISO_DATE_RE, MINUTE_MS, type IsoDate } from '../core/types.js';

export const CALENDAR_FIRST_YEAR = 1998;
export const CALENDAR_LAST_YEAR = 2035;

export interface Session {
  /** 'YYYY-MM-DD' New York trading day. */
  readonly date: IsoDate;
  /** 00:00 America/New_York of `date`, epoch ms (daily bars start here). */
  readonly midnight: number;
  /** 04:00 New York: pre-market opens. */
  readonly preOpen: number;
  /** 09:30 New York: regular session opens. */
  readonly open: number;
  /** 16:00 New York, or 13:00 on early-close days. */
  readonly close: number;
  /** 20:00 New York, or 17:00 on early-close days (after-hours stays four hours long). */
  readonly postClose: number;
  readonly earlyClose: boolean;
}

const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const NY = IANAZone.create('America/New_York');

// ───────────────────────────── 1. Exchange rules ─────────────────────────────

/**
 * Full-day closures that no holiday rule produces. Sources: NYSE closings history
 * (as collected by pandas_market_calendars / exchange_calendars / python-holidays) and
 * the exchange's notices for the recent ones.
 */
const ONE_OFF_CLOSURES: ReadonlyArray<readonly [IsoDate, string]> = [
  ['2001-09-11', 'September 11 attacks'],
  ['2001-09-12', 'September 11 attacks'],
  ['2001-09-13', 'September 11 attacks'],
  ['2001-09-14', 'September 11 attacks'],
  ['2004-06-11', 'National day of mourning, President Reagan'],
  ['2007-01-02', 'National day of mourning, President Ford'],
  ['2012-10-29', 'Hurricane Sandy'],
  ['2012-10-30', 'Hurricane Sandy'],
  ['2018-12-05', 'National day of mourning, President G.H.W. Bush'],
  ['2025-01-09', 'National day of mourning, President Carter'],
];

/**
 * 13:00 closes that the early-close rules below do not produce. Both are in the NYSE
 * closings history; 1999-12-31 was approved by the NYSE board in April 1999 (Y2K).
 * Deliberately absent: 2008-12-26 and 2014-12-26 traded full days.
 */
const ONE_OFF_EARLY_CLOSES: ReadonlyArray<readonly [IsoDate, string]> = [
  ['1999-12-31', 'New Year\'s Eve 1999 (Y2K preparation)'],
  ['2003-12-26', 'Day after Christmas 2003'],
];

/** Day kinds in the precomputed table. */
const REGULAR = 0;
const EARLY = 1;
const CLOSED = 2;

const FIRST_DAY = epochDay(CALENDAR_FIRST_YEAR, 1, 1);
const LAST_DAY = epochDay(CALENDAR_LAST_YEAR, 12, 31);
/** Kind of every calendar day in range, indexed by `day - FIRST_DAY`. Built once at load (pure arithmetic). */
const DAY_KINDS = buildDayKinds();

function buildDayKinds(): Uint8Array {
  const kinds = new Uint8Array(LAST_DAY - FIRST_DAY + 1);
  for (let day = FIRST_DAY; day <= LAST_DAY; day++) {
    const wd = isoWeekday(day);
    if (wd >= 6) kinds[day - FIRST_DAY] = CLOSED;
  }
  const mark = (day: number, kind: number): void => {
    if (day < FIRST_DAY || day > LAST_DAY) return;
    // A half day never turns a closed day back into a trading day.
    if (kind === EARLY && kinds[day - FIRST_DAY] === CLOSED) return;
    kinds[day - FIRST_DAY] = kind;
  };
  for (let y = CALENDAR_FIRST_YEAR; y <= CALENDAR_LAST_YEAR; y++) {
    for (const day of holidaysOf(y)) mark(day, CLOSED);
  }
  for (const [date] of ONE_OFF_CLOSURES) mark(parseDay('ONE_OFF_CLOSURES', date), CLOSED);
  for (let y = CALENDAR_FIRST_YEAR; y <= CALENDAR_LAST_YEAR; y++) {
    for (const day of earlyClosesOf(y)) mark(day, EARLY);
  }
  for (const [date] of ONE_OFF_EARLY_CLOSES) mark(parseDay('ONE_OFF_EARLY_CLOSES', date), EARLY);
  return kinds;
}

/**
 * Observed full-day holidays of year `y` (epoch days). NYSE Rule 7.2: a Saturday holiday
 * closes the Friday before, a Sunday holiday the Monday after — except New Year's Day,
 * which is not moved back onto Dec 31 (the end of a yearly accounting period).
 */
function holidaysOf(y: number): number[] {
  const days: number[] = [];
  const jan1 = epochDay(y, 1, 1);
  const jan1Weekday = isoWeekday(jan1);
  if (jan1Weekday <= 5) days.push(jan1);
  else if (jan1Weekday === 7) days.push(jan1 + 1);
  // MLK Day: NYSE first closed for it in 1998, the calendar's first year.
  days.push(nthWeekdayOfMonth(y, 1, 1, 3));
  days.push(nthWeekdayOfMonth(y, 2, 1, 3)); // Washington's Birthday
  days.push(easterSunday(y) - 2); // Good Friday
  days.push(lastWeekdayOfMonth(y, 5, 1)); // Memorial Day
  if (y >= 2022) days.push(observed(epochDay(y, 6, 19))); // Juneteenth, closed since 2022
  days.push(observed(epochDay(y, 7, 4)));
  days.push(nthWeekdayOfMonth(y, 9, 1, 1)); // Labor Day
  days.push(nthWeekdayOfMonth(y, 11, 4, 4)); // Thanksgiving
  days.push(observed(epochDay(y, 12, 25)));
  return days;
}

/**
 * 13:00 closes by rule for year `y`:
 * - July 3 on a Monday, Tuesday or Thursday (a Friday July 3 is the observed holiday).
 *   When July 4 is a Thursday, the half day was Friday July 5 up to 2012 (e.g.
 *   2002-07-05) and has been Wednesday July 3 since 2013 (2013, 2019, 2024).
 * - The day after Thanksgiving.
 * - Christmas Eve Monday–Thursday (a Friday Dec 24 is the observed Christmas holiday).
 */
function earlyClosesOf(y: number): number[] {
  const days: number[] = [];
  const july3 = epochDay(y, 7, 3);
  const july3Weekday = isoWeekday(july3);
  if (july3Weekday === 1 || july3Weekday === 2 || july3Weekday === 4) days.push(july3);
  else if (july3Weekday === 3) days.push(y >= 2013 ? july3 : july3 + 2);
  days.push(nthWeekdayOfMonth(y, 11, 4, 4) + 1);
  const dec24 = epochDay(y, 12, 24);
  if (isoWeekday(dec24) <= 4) days.push(dec24);
  return days;
}

function observed(day: number): number {
  const wd = isoWeekday(day);
  return wd === 6 ? day - 1 : wd === 7 ? day + 1 : day;
}

/** The n-th (1-based) ISO weekday `wd` (1=Mon..7=Sun) of a month, as an epoch day. */
function nthWeekdayOfMonth(y: number, month: number, wd: number, n: number): number {
  const first = epochDay(y, month, 1);
  return first + ((wd - isoWeekday(first) + 7) % 7) + 7 * (n - 1);
}

function lastWeekdayOfMonth(y: number, month: number, wd: number): number {
  const last = epochDay(y, month + 1, 1) - 1; // Date.UTC rolls month 13 into January
  return last - ((isoWeekday(last) - wd + 7) % 7);
}

/** Gregorian Easter Sunday (anonymous Gregorian / Meeus–Jones–Butcher algorithm). */
function easterSunday(y: number): number {
  const a = y % 19;
  const b = Math.floor(y / 100);
  const c = y % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const dayOfMonth = ((h + l - 7 * m + 114) % 31) + 1;
  return epochDay(y, month, dayOfMonth);
}

// ─────────────────────── 2. Dates and New York time ───────────────────────

/** Days since 1970-01-01 (UTC calendar arithmetic; no time zone involved). */
function epochDay(y: number, month: number, dayOfMonth: number): number {
  return Date.UTC(y, month - 1, dayOfMonth) / DAY_MS;
}

/** ISO weekday, 1=Mon..7=Sun. 1970-01-01 was a Thursday. */
function isoWeekday(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

function formatDay(day: number): IsoDate {
  const d = new Date(day * DAY_MS);
  const y = d.getUTCFullYear();
  if (y < 0 || y > 9999) throw new InputError('date', `result ${d.toISOString()} is outside years 0000–9999`);
  return `${String(y).padStart(4, '0')}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Validates a 'YYYY-MM-DD' string (a real calendar date) and returns its epoch day. */
function parseDay(field: string, date: unknown): number {
  if (typeof date !== 'string' || !ISO_DATE_RE.test(date)) {
    throw new InputError(field, `must be a date like 2013-10-07, got ${JSON.stringify(date)}`);
  }
  const y = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  const dayOfMonth = Number(date.slice(8, 10));
  const day = epochDay(y, month, dayOfMonth);
  // Date.UTC silently rolls 2013-02-30 into March; a round trip catches that. Years
  // 0000–0099 are mapped by Date.UTC to 1900s, which the round trip also rejects.
  if (month < 1 || month > 12 || formatDay(day) !== date) {
    throw new InputError(field, `is not a calendar date: ${date}`);
  }
  return day;
}

/** Like parseDay, but the date must lie inside the calendar's years. */
function parseCalendarDay(field: string, date: unknown): number {
  const day = parseDay(field, date);
  if (day < FIRST_DAY || day > LAST_DAY) {
    throw new InputError(field, `must be within ${CALENDAR_FIRST_YEAR}–${CALENDAR_LAST_YEAR} (the NYSE calendar's range), got ${date as string}`);
  }
  return day;
}

function checkMs(field: string, ms: unknown): asserts ms is number {
  // ±8.64e15 is the range of a JS Date; anything else cannot be a timestamp.
  if (typeof ms !== 'number' || !Number.isFinite(ms) || Math.abs(ms) > 8.64e15) {
    throw new InputError(field, `must be an epoch-millisecond timestamp, got ${String(ms)}`);
  }
}

/*
 * UTC-offset cache. One Int16 (offset in minutes) per UTC hour over the calendar's
 * years plus a month either side, ~336k entries (~670 KB), filled lazily one UTC day at
 * a time. 0 means "not looked up yet": New York is never at UTC+0.
 */
const CACHE_FIRST_DAY = epochDay(CALENDAR_FIRST_YEAR - 1, 12, 1);
const CACHE_LAST_DAY = epochDay(CALENDAR_LAST_YEAR + 1, 1, 31);
const CACHE_START_MS = CACHE_FIRST_DAY * DAY_MS;
const hourOffsets = new Int16Array((CACHE_LAST_DAY - CACHE_FIRST_DAY + 1) * 24);

/** New York's UTC offset in minutes at instant `ms` (-240 in EDT, -300 in EST). */
function offsetMinutes(ms: number): number {
  const idx = Math.floor((ms - CACHE_START_MS) / HOUR_MS);
  if (idx >= 0 && idx < hourOffsets.length) {
    const cached = hourOffsets[idx]!;
    return cached !== 0 ? cached : fillOffsetDay(idx);
  }
  checkMs('ms', ms);
  return NY.offset(ms);
}

/** Fills the cache for the UTC day holding hour `idx`; returns the offset at `idx`. */
function fillOffsetDay(idx: number): number {
  const first = idx - (idx % 24);
  const startOffset = NY.offset(CACHE_START_MS + first * HOUR_MS);
  const endOffset = NY.offset(CACHE_START_MS + (first + 23) * HOUR_MS);
  for (let h = first; h < first + 24; h++) {
    // Transitions are months apart, so equal offsets at both ends mean none in between.
    hourOffsets[h] = startOffset === endOffset ? startOffset : NY.offset(CACHE_START_MS + h * HOUR_MS);
  }
  return hourOffsets[idx]!;
}

/**
 * New York wall time (as epoch ms of that wall time read as UTC) → instant. Deterministic
 * at DST edges: an ambiguous fall-back time (01:00–01:59) is the earlier instant (EDT);
 * a skipped spring-forward time (02:00–02:59) is read with the pre-change offset, so it
 * lands one hour later on the wall clock (02:30 → 03:30 EDT), as java.time and Temporal do.
 */
function wallToMs(wall: number): number {
  const before = offsetMinutes(wall - DAY_MS) * MINUTE_MS;
  const after = offsetMinutes(wall + DAY_MS) * MINUTE_MS;
  const withBefore = wall - before;
  if (before === after) return withBefore;
  const withAfter = wall - after;
  const beforeFits = offsetMinutes(withBefore) * MINUTE_MS === before;
  const afterFits = offsetMinutes(withAfter) * MINUTE_MS === after;
  if (beforeFits && afterFits) return Math.min(withBefore, withAfter);
  if (afterFits) return withAfter;
  return withBefore; // either only it fits, or the time is in the gap
}

/** Date strings for the cached window, indexed by `day - CACHE_FIRST_DAY`, built on first use. */
const dayStrings: (IsoDate | undefined)[] = new Array<IsoDate | undefined>(CACHE_LAST_DAY - CACHE_FIRST_DAY + 1);

function dayString(day: number): IsoDate {
  const i = day - CACHE_FIRST_DAY;
  if (i >= 0 && i < dayStrings.length) return (dayStrings[i] ??= formatDay(day));
  return formatDay(day);
}

/** New York calendar day (epoch day) of instant `ms`. */
function nyDay(ms: number): number {
  return Math.floor((ms + offsetMinutes(ms) * MINUTE_MS) / DAY_MS);
}

// ─────────────────────────────── 3. Sessions ───────────────────────────────

/** Built sessions by calendar day index; undefined = not built yet, null = no session. */
const sessionsByDay: (Session | null | undefined)[] = new Array<Session | null | undefined>(LAST_DAY - FIRST_DAY + 1);
/** Validated date strings only, so it is bounded by the calendar's ~13,900 days. */
const sessionsByDate = new Map<string, Session | null>();

function sessionOfDay(day: number): Session | null {
  const i = day - FIRST_DAY;
  const cached = sessionsByDay[i];
  if (cached !== undefined) return cached;
  const kind = DAY_KINDS[i]!;
  let session: Session | null = null;
  if (kind !== CLOSED) {
    const early = kind === EARLY;
    const wall = day * DAY_MS;
    // Each time is converted on its own rather than as midnight + n hours, so a future
    // tz-database change that moved a transition onto a weekday would still be right.
    session = Object.freeze({
      date: dayString(day),
      midnight: wallToMs(wall),
      preOpen: wallToMs(wall + 4 * HOUR_MS),
      open: wallToMs(wall + 9.5 * HOUR_MS),
      close: wallToMs(wall + (early ? 13 : 16) * HOUR_MS),
      postClose: wallToMs(wall + (early ? 17 : 20) * HOUR_MS),
      earlyClose: early,
    });
  }
  sessionsByDay[i] = session;
  return session;
}

/** The session on `date`; null on weekends, holidays and closures. Throws InputError for a bad date or a year outside 1998–2035. */
export function sessionOn(date: IsoDate): Session | null {
  const hit = sessionsByDate.get(date);
  if (hit !== undefined) return hit;
  const session = sessionOfDay(parseCalendarDay('date', date));
  sessionsByDate.set(date, session);
  return session;
}

/** The session whose New York calendar date is nyDate(ms), whatever the time of day (pre-market, after-hours, night). */
export function sessionAt(ms: number): Session | null {
  const day = nyDay(ms);
  if (day < FIRST_DAY || day > LAST_DAY) {
    checkMs('ms', ms);
    throw new InputError('ms', `${formatNyIso(ms)} is outside the NYSE calendar's range ${CALENDAR_FIRST_YEAR}–${CALENDAR_LAST_YEAR}`);
  }
  return sessionOfDay(day);
}

export function isTradingDay(date: IsoDate): boolean {
  return sessionOn(date) !== null;
}

/** First session strictly after `date`. Throws InputError past the calendar's last session. */
export function nextSession(date: IsoDate): Session {
  for (let day = parseCalendarDay('date', date) + 1; day <= LAST_DAY; day++) {
    const session = sessionOfDay(day);
    if (session) return session;
  }
  throw new InputError('date', `no session after ${date} within the calendar (it ends with ${CALENDAR_LAST_YEAR})`);
}

/** Last session strictly before `date`. Throws InputError before the calendar's first session. */
export function previousSession(date: IsoDate): Session {
  for (let day = parseCalendarDay('date', date) - 1; day >= FIRST_DAY; day--) {
    const session = sessionOfDay(day);
    if (session) return session;
  }
  throw new InputError('date', `no session before ${date} within the calendar (it starts with ${CALENDAR_FIRST_YEAR})`);
}

/**
 * Sessions from `from` to `to`, both inclusive, ascending; [] when from > to.
 * A range that only partly overlaps 1998–2035 is clipped to it (so the week holding
 * 1998-01-02, which starts on 1997-12-29, still works); one entirely outside throws.
 */
export function sessionsBetween(from: IsoDate, to: IsoDate): Session[] {
  const first = parseDay('from', from);
  const last = parseDay('to', to);
  if (first > last) return [];
  if (last < FIRST_DAY || first > LAST_DAY) {
    throw new InputError('from', `range ${from}..${to} is outside the NYSE calendar's range ${CALENDAR_FIRST_YEAR}–${CALENDAR_LAST_YEAR}`);
  }
  const sessions: Session[] = [];
  for (let day = Math.max(first, FIRST_DAY); day <= Math.min(last, LAST_DAY); day++) {
    const session = sessionOfDay(day);
    if (session) sessions.push(session);
  }
  return sessions;
}

/** New York calendar date of instant `ms`. */
export function nyDate(ms: number): IsoDate {
  return dayString(nyDay(ms));
}

export function nyWallClock(ms: number): { date: IsoDate; hour: number; minute: number; second: number; weekday: number } {
  const wall = ms + offsetMinutes(ms) * MINUTE_MS;
  const day = Math.floor(wall / DAY_MS);
  const msOfDay = wall - day * DAY_MS;
  return {
    date: dayString(day),
    hour: Math.floor(msOfDay / HOUR_MS),
    minute: Math.floor((msOfDay % HOUR_MS) / MINUTE_MS),
    second: Math.floor((msOfDay % MINUTE_MS) / 1000),
    weekday: isoWeekday(day),
  };
}

const HHMM_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** New York wall time 'HH:MM' on `date` → epoch ms, DST aware (see wallToMs for the DST-edge rule). Any valid date, not only 1998–2035. */
export function nyTimeToMs(date: IsoDate, hhmm: string): number {
  const day = parseDay('date', date);
  const match = typeof hhmm === 'string' ? HHMM_RE.exec(hhmm) : null;
  if (!match) throw new InputError('hhmm', `must be a time like 09:30 (00:00–23:59), got ${JSON.stringify(hhmm)}`);
  return wallToMs(day * DAY_MS + Number(match[1]) * HOUR_MS + Number(match[2]) * MINUTE_MS);
}

/** 00:00 New York on `date` (never inside a DST gap: US transitions happen at 02:00). */
export function nyMidnight(date: IsoDate): number {
  return wallToMs(parseDay('date', date) * DAY_MS);
}

/**
 * ISO-8601 with New York's offset: '2013-10-07T09:30:00-04:00'. Milliseconds are
 * appended ('.250') only when non-zero, so distinct instants never print the same.
 */
export function formatNyIso(ms: number): string {
  checkMs('ms', ms);
  const offset = offsetMinutes(ms);
  const { date, hour, minute, second } = nyWallClock(ms);
  const millis = ((ms % 1000) + 1000) % 1000;
  const fraction = millis === 0 ? '' : `.${String(Math.floor(millis)).padStart(3, '0')}`;
  const abs = Math.abs(offset);
  const sign = offset < 0 ? '-' : '+';
  return `${date}T${pad2(hour)}:${pad2(minute)}:${pad2(second)}${fraction}${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

/** Monday of the ISO week holding `date` (may fall outside 1998–2035). */
export function weekStartDate(date: IsoDate): IsoDate {
  const day = parseDay('date', date);
  return dayString(day - isoWeekday(day) + 1);
}

/** `date` plus `n` calendar days (n may be negative). */
export function addDays(date: IsoDate, n: number): IsoDate {
  if (!Number.isSafeInteger(n)) throw new InputError('n', `must be a whole number of days, got ${String(n)}`);
  return dayString(parseDay('date', date) + n);
}
