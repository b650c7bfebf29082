/**
 * calendar/ — NYSE sessions in America/New_York (see README.md).
 *
 * CONTRACT (implemented in ./nyse.ts; callers import from here only):
 */
export {
  type Session,
  sessionOn,
  sessionAt,
  isTradingDay,
  nextSession,
  previousSession,
  sessionsBetween,
  nyDate,
  nyWallClock,
  nyTimeToMs,
  nyMidnight,
  formatNyIso,
  weekStartDate,
  addDays,
  CALENDAR_FIRST_YEAR,
  CALENDAR_LAST_YEAR,
} from './nyse.js';
