import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from '../../test/helpers/fast-check.js';
import { DateTime } from 'luxon';
import { InputError } from '../core/errors.js';
import {
  CALENDAR_FIRST_YEAR,
  CALENDAR_LAST_YEAR,
  addDays,
  formatNyIso,
  isTradingDay,
  nextSession,
  nyDate,
  nyMidnight,
  nyTimeToMs,
  nyWallClock,
  previousSession,
  sessionAt,
  sessionOn,
  sessionsBetween,
  weekStartDate,
} from './index.js';

const utc = (iso: string): number => Date.parse(iso);

/** Weekdays of year `y` with no session, and the year's early-close dates. */
function yearSummary(y: number): { closedWeekdays: string[]; earlyCloses: string[]; sessions: number } {
  const closedWeekdays: string[] = [];
  for (let d = `${y}-01-01`; d <= `${y}-12-31`; d = addDays(d, 1)) {
    if (nyWallClock(nyTimeToMs(d, '12:00')).weekday <= 5 && !isTradingDay(d)) closedWeekdays.push(d);
  }
  const all = sessionsBetween(`${y}-01-01`, `${y}-12-31`);
  return { closedWeekdays, earlyCloses: all.filter((s) => s.earlyClose).map((s) => s.date), sessions: all.length };
}

describe('published NYSE calendars', () => {
  // Holidays and 13:00 closes as published by the exchange (nyse.com hours & calendars).
  const published: Record<number, { closed: string[]; early: string[] }> = {
    2015: {
      closed: ['01-01', '01-19', '02-16', '04-03', '05-25', '07-03', '09-07', '11-26', '12-25'],
      early: ['11-27', '12-24'], // July 3 was the observed holiday: no July half day
    },
    2019: {
      closed: ['01-01', '01-21', '02-18', '04-19', '05-27', '07-04', '09-02', '11-28', '12-25'],
      early: ['07-03', '11-29', '12-24'],
    },
    2020: {
      closed: ['01-01', '01-20', '02-17', '04-10', '05-25', '07-03', '09-07', '11-26', '12-25'],
      early: ['11-27', '12-24'],
    },
    2021: {
      closed: ['01-01', '01-18', '02-15', '04-02', '05-31', '07-05', '09-06', '11-25', '12-24'],
      early: ['11-26'],
    },
    2022: {
      // New Year's Day 2022 was a Saturday: not moved back onto 2021-12-31.
      closed: ['01-17', '02-21', '04-15', '05-30', '06-20', '07-04', '09-05', '11-24', '12-26'],
      early: ['11-25'],
    },
    2024: {
      closed: ['01-01', '01-15', '02-19', '03-29', '05-27', '06-19', '07-04', '09-02', '11-28', '12-25'],
      early: ['07-03', '11-29', '12-24'],
    },
    2025: {
      closed: ['01-01', '01-09', '01-20', '02-17', '04-18', '05-26', '06-19', '07-04', '09-01', '11-27', '12-25'],
      early: ['07-03', '11-28', '12-24'],
    },
    2026: {
      closed: ['01-01', '01-19', '02-16', '04-03', '05-25', '06-19', '07-03', '09-07', '11-26', '12-25'],
      early: ['11-27', '12-24'],
    },
    2027: {
      closed: ['01-01', '01-18', '02-15', '03-26', '05-31', '06-18', '07-05', '09-06', '11-25', '12-24'],
      early: ['11-26'],
    },
  };
  for (const [year, expected] of Object.entries(published)) {
    test(`${year}: holidays and early closes`, () => {
      const summary = yearSummary(Number(year));
      assert.deepEqual(summary.closedWeekdays, expected.closed.map((md) => `${year}-${md}`));
      assert.deepEqual(summary.earlyCloses, expected.early.map((md) => `${year}-${md}`));
    });
  }

  test('trading days per year', () => {
    const counts: Record<number, number> = { 1998: 252, 2001: 248, 2012: 250, 2019: 252, 2020: 253, 2023: 250, 2024: 252, 2025: 250 };
    for (const [year, n] of Object.entries(counts)) assert.equal(yearSummary(Number(year)).sessions, n, year);
  });

  test('historical early-close variations', () => {
    // July 4 on a Thursday: the half day was Friday July 5 up to 2012, Wednesday July 3 since 2013.
    assert.equal(sessionOn('2002-07-05')?.earlyClose, true);
    assert.equal(sessionOn('2002-07-03')?.earlyClose, false);
    assert.equal(sessionOn('2013-07-03')?.earlyClose, true);
    assert.equal(sessionOn('2013-07-05')?.earlyClose, false);
    assert.equal(sessionOn('2019-07-05')?.earlyClose, false);
    // One-off 13:00 closes; the day after Christmas is otherwise a full day.
    assert.equal(sessionOn('1999-12-31')?.earlyClose, true);
    assert.equal(sessionOn('2003-12-26')?.earlyClose, true);
    assert.equal(sessionOn('2008-12-26')?.earlyClose, false);
    assert.equal(sessionOn('2014-12-26')?.earlyClose, false);
    // Dec 24 on a Friday is the observed Christmas holiday, not a half day.
    for (const d of ['1999-12-24', '2004-12-24', '2010-12-24', '2021-12-24']) assert.equal(sessionOn(d), null, d);
    // New Year's Day on a Saturday: Dec 31 trades a full day.
    for (const d of ['1999-12-31', '2004-12-31', '2010-12-31', '2021-12-31']) assert.notEqual(sessionOn(d), null, d);
    assert.equal(sessionOn('2010-12-31')?.earlyClose, false);
  });

  test('Good Friday', () => {
    const goodFridays = ['1998-04-10', '2000-04-21', '2008-03-21', '2011-04-22', '2015-04-03', '2016-03-25',
      '2019-04-19', '2024-03-29', '2025-04-18', '2035-03-23'];
    for (const d of goodFridays) {
      assert.equal(sessionOn(d), null, d);
      assert.notEqual(sessionOn(addDays(d, -1)), null, `Thursday before ${d}`);
    }
  });

  test('MLK Day from 1998, Juneteenth from 2022', () => {
    assert.equal(sessionOn('1998-01-19'), null);
    assert.notEqual(sessionOn('2021-06-18'), null); // Juneteenth 2021 (Saturday) was not observed
    assert.equal(sessionOn('2022-06-20'), null); // Sunday → Monday
    assert.equal(sessionOn('2023-06-19'), null);
    assert.equal(sessionOn('2027-06-18'), null); // Saturday → Friday
    assert.notEqual(sessionOn('2019-06-19'), null);
  });

  test('one-off closures', () => {
    for (const d of ['2001-09-11', '2001-09-12', '2001-09-13', '2001-09-14', '2004-06-11', '2007-01-02',
      '2012-10-29', '2012-10-30', '2018-12-05', '2025-01-09']) {
      assert.equal(sessionOn(d), null, d);
    }
    assert.equal(nextSession('2001-09-10').date, '2001-09-17');
    assert.equal(previousSession('2012-10-31').date, '2012-10-26');
  });

  test('every early close is a weekday session closing at 13:00 / 17:00', () => {
    for (const s of sessionsBetween(`${CALENDAR_FIRST_YEAR}-01-01`, `${CALENDAR_LAST_YEAR}-12-31`)) {
      const close = nyWallClock(s.close);
      const post = nyWallClock(s.postClose);
      assert.ok(close.weekday <= 5, s.date);
      assert.equal(close.date, s.date);
      assert.deepEqual([close.hour, close.minute, post.hour], s.earlyClose ? [13, 0, 17] : [16, 0, 20], s.date);
    }
  });
});

describe('session times', () => {
  test('2013-10-07 09:30 New York is 13:30Z', () => {
    const s = sessionOn('2013-10-07')!;
    assert.equal(s.open, utc('2013-10-07T13:30:00Z'));
    assert.equal(s.midnight, utc('2013-10-07T04:00:00Z'));
    assert.equal(s.preOpen, utc('2013-10-07T08:00:00Z'));
    assert.equal(s.close, utc('2013-10-07T20:00:00Z'));
    assert.equal(s.postClose, utc('2013-10-08T00:00:00Z'));
    assert.equal(s.earlyClose, false);
    assert.equal(formatNyIso(s.open), '2013-10-07T09:30:00-04:00');
  });

  test('2015-12-24 closes at 13:00', () => {
    const s = sessionOn('2015-12-24')!;
    assert.equal(s.earlyClose, true);
    assert.equal(s.close, utc('2015-12-24T18:00:00Z'));
    assert.equal(s.postClose, utc('2015-12-24T22:00:00Z'));
    assert.equal(formatNyIso(s.close), '2015-12-24T13:00:00-05:00');
  });

  test('DST: fall back on Sunday 2013-11-03, spring forward on Sunday 2013-03-10', () => {
    assert.equal(sessionOn('2013-11-01')!.open, utc('2013-11-01T13:30:00Z'));
    assert.equal(sessionOn('2013-11-03'), null);
    assert.equal(sessionOn('2013-11-04')!.open, utc('2013-11-04T14:30:00Z'));
    assert.equal(sessionOn('2013-03-08')!.open, utc('2013-03-08T14:30:00Z'));
    assert.equal(sessionOn('2013-03-11')!.open, utc('2013-03-11T13:30:00Z'));
    // The Monday after a change keeps whole-day arithmetic: midnight to close is 16 h.
    for (const d of ['2013-03-11', '2013-11-04', '2006-04-03', '2006-10-30']) {
      const s = sessionOn(d)!;
      assert.equal(s.close - s.midnight, 16 * 3_600_000, d);
    }
    // Pre-2007 rules: DST began on the first Sunday of April.
    assert.equal(sessionOn('2006-03-31')!.open, utc('2006-03-31T14:30:00Z'));
    assert.equal(sessionOn('2006-04-03')!.open, utc('2006-04-03T13:30:00Z'));
  });

  test('nyTimeToMs at DST edges: overlap → earlier instant, gap → shifted forward', () => {
    assert.equal(nyTimeToMs('2013-11-03', '01:30'), utc('2013-11-03T05:30:00Z'));
    assert.equal(nyTimeToMs('2013-11-03', '02:30'), utc('2013-11-03T07:30:00Z'));
    assert.equal(nyTimeToMs('2013-03-10', '02:30'), utc('2013-03-10T07:30:00Z'));
    assert.equal(formatNyIso(nyTimeToMs('2013-03-10', '02:30')), '2013-03-10T03:30:00-04:00');
    assert.equal(nyMidnight('2013-03-10'), utc('2013-03-10T05:00:00Z'));
    assert.equal(nyMidnight('2013-11-04') - nyMidnight('2013-11-03'), 25 * 3_600_000);
  });

  test('formatNyIso offsets', () => {
    assert.equal(formatNyIso(utc('2013-07-01T12:00:00Z')), '2013-07-01T08:00:00-04:00');
    assert.equal(formatNyIso(utc('2013-01-15T12:00:00Z')), '2013-01-15T07:00:00-05:00');
    assert.equal(formatNyIso(utc('2013-01-15T12:00:00.250Z')), '2013-01-15T07:00:00.250-05:00');
    assert.equal(formatNyIso(utc('2013-11-03T05:59:59Z')), '2013-11-03T01:59:59-04:00');
    assert.equal(formatNyIso(utc('2013-11-03T06:00:00Z')), '2013-11-03T01:00:00-05:00');
  });

  test('sessionAt uses the New York date, whatever the time of day', () => {
    assert.equal(sessionAt(utc('2013-10-07T03:00:00Z')), null); // Sunday 23:00 New York
    assert.equal(sessionAt(utc('2013-10-07T04:00:00Z'))!.date, '2013-10-07'); // midnight
    assert.equal(sessionAt(utc('2013-10-08T03:59:59Z'))!.date, '2013-10-07'); // 23:59:59
    assert.equal(sessionAt(utc('2013-10-08T04:00:00Z'))!.date, '2013-10-08');
    assert.equal(nyDate(utc('2013-10-08T03:59:59Z')), '2013-10-07');
  });

  test('sessions are frozen and shared', () => {
    const s = sessionOn('2019-07-03')!;
    assert.ok(Object.isFrozen(s));
    assert.equal(sessionOn('2019-07-03'), s);
    assert.equal(sessionAt(s.open), s);
    assert.equal(sessionsBetween('2019-07-01', '2019-07-05')[2], s);
    assert.throws(() => {
      (s as { close: number }).close = 0;
    }, TypeError);
  });
});

describe('navigation and date helpers', () => {
  test('next/previous session pass over weekends and holidays', () => {
    assert.equal(nextSession('2019-12-24').date, '2019-12-26');
    assert.equal(nextSession('2019-12-27').date, '2019-12-30');
    assert.equal(previousSession('2020-01-02').date, '2019-12-31');
    assert.equal(previousSession('2019-04-22').date, '2019-04-18'); // over Good Friday
    assert.equal(previousSession('1998-01-05').date, '1998-01-02');
    assert.equal(nextSession('2035-12-28').date, '2035-12-31');
    assert.throws(() => previousSession('1998-01-02'), InputError);
    assert.throws(() => nextSession('2035-12-31'), InputError);
  });

  test('sessionsBetween is inclusive, ascending, clipped to the calendar', () => {
    assert.deepEqual(sessionsBetween('2019-12-23', '2019-12-27').map((s) => s.date),
      ['2019-12-23', '2019-12-24', '2019-12-26', '2019-12-27']);
    assert.deepEqual(sessionsBetween('2019-12-28', '2019-12-29'), []);
    assert.deepEqual(sessionsBetween('2019-12-27', '2019-12-23'), []);
    assert.deepEqual(sessionsBetween('1997-12-29', '1998-01-04').map((s) => s.date), ['1998-01-02']);
    assert.throws(() => sessionsBetween('2036-01-01', '2036-01-31'), InputError);
  });

  test('weekStartDate and addDays', () => {
    assert.equal(weekStartDate('2013-10-07'), '2013-10-07');
    assert.equal(weekStartDate('2013-10-13'), '2013-10-07');
    assert.equal(weekStartDate('1998-01-02'), '1997-12-29');
    assert.equal(addDays('2020-02-28', 1), '2020-02-29');
    assert.equal(addDays('2020-03-01', -1), '2020-02-29');
    assert.equal(addDays('2013-12-31', 1), '2014-01-01');
    assert.throws(() => addDays('2013-12-31', 1.5), InputError);
  });

  test('nyWallClock', () => {
    assert.deepEqual(nyWallClock(utc('2013-10-07T13:30:05Z')), { date: '2013-10-07', hour: 9, minute: 30, second: 5, weekday: 1 });
    assert.deepEqual(nyWallClock(utc('2013-10-07T03:00:00Z')), { date: '2013-10-06', hour: 23, minute: 0, second: 0, weekday: 7 });
  });
});

describe('bad input', () => {
  test('malformed or impossible dates throw InputError naming the field', () => {
    for (const bad of ['2013-13-01', '2013-02-30', '2013-00-10', '20131007', '2013-10-7', '', ' 2013-10-07', '2013/10/07']) {
      assert.throws(() => sessionOn(bad), (e: unknown) => e instanceof InputError && e.field === 'date', bad);
    }
    assert.throws(() => sessionOn(undefined as unknown as string), InputError);
  });

  test('years outside 1998–2035 throw', () => {
    assert.throws(() => sessionOn('1997-12-31'), /1998–2035/);
    assert.throws(() => sessionOn('2036-01-02'), InputError);
    assert.throws(() => isTradingDay('1990-01-02'), InputError);
    assert.throws(() => sessionAt(utc('2036-01-02T15:00:00Z')), InputError);
    assert.throws(() => nextSession('2040-01-01'), InputError);
  });

  test('non-finite timestamps and bad times throw', () => {
    assert.throws(() => sessionAt(Number.NaN), (e: unknown) => e instanceof InputError && e.field === 'ms');
    assert.throws(() => nyDate(Number.POSITIVE_INFINITY), InputError);
    assert.throws(() => formatNyIso(Number.NaN), InputError);
    for (const bad of ['9:30', '24:00', '09:60', '0930', '']) {
      assert.throws(() => nyTimeToMs('2013-10-07', bad), (e: unknown) => e instanceof InputError && e.field === 'hhmm', bad);
    }
  });
});

describe('properties', () => {
  const firstDay = Date.UTC(CALENDAR_FIRST_YEAR, 0, 1);
  const lastDay = Date.UTC(CALENDAR_LAST_YEAR, 11, 31);
  const calendarDate = fc.integer({ min: firstDay / 86_400_000, max: lastDay / 86_400_000 })
    .map((d) => new Date(d * 86_400_000).toISOString().slice(0, 10));
  // Instants whose New York date is inside the calendar (EST, UTC-5, at both ends).
  const instant = fc.integer({ min: firstDay + 5 * 3_600_000, max: lastDay + 29 * 3_600_000 - 1 });

  test('nyWallClock and nyDate agree with luxon', () => {
    fc.assert(fc.property(instant, (ms) => {
      const ref = DateTime.fromMillis(ms, { zone: 'America/New_York' });
      const wc = nyWallClock(ms);
      assert.deepEqual(wc, { date: ref.toISODate(), hour: ref.hour, minute: ref.minute, second: ref.second, weekday: ref.weekday });
      assert.equal(nyDate(ms), ref.toISODate());
      assert.equal(formatNyIso(ms), ref.toISO({ suppressMilliseconds: true }));
    }), { numRuns: 2000 });
  });

  test('nyTimeToMs ∘ nyWallClock round-trips (outside the spring-forward gap)', () => {
    const hhmm = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }));
    fc.assert(fc.property(calendarDate, hhmm, (date, [h, m]) => {
      const text = `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
      const ms = nyTimeToMs(date, text);
      const wc = nyWallClock(ms);
      const inGap = wc.hour !== h; // 02:xx on a spring-forward Sunday does not exist
      if (inGap) {
        assert.equal(wc.weekday, 7);
        assert.equal(wc.hour, h + 1);
      } else {
        assert.deepEqual([wc.date, wc.hour, wc.minute, wc.second], [date, h, m, 0]);
      }
    }), { numRuns: 3000 });
  });

  test('sessionAt(ms) is sessionOn(nyDate(ms))', () => {
    fc.assert(fc.property(instant, (ms) => {
      assert.equal(sessionAt(ms), sessionOn(nyDate(ms)));
    }), { numRuns: 3000 });
  });

  test('next/previous session relationships', () => {
    const inner = calendarDate.filter((d) => d > '1998-01-02' && d < '2035-12-31');
    fc.assert(fc.property(inner, (d) => {
      const prev = previousSession(d);
      const next = nextSession(d);
      assert.ok(prev.date < d && next.date > d);
      // Nothing trades strictly between prev and d, or between d and next.
      assert.deepEqual(sessionsBetween(addDays(prev.date, 1), addDays(d, -1)), []);
      assert.deepEqual(sessionsBetween(addDays(d, 1), addDays(next.date, -1)), []);
      // The session after prev is d itself when d trades, otherwise next.
      assert.equal(nextSession(prev.date), isTradingDay(d) ? sessionOn(d) : next);
      assert.equal(previousSession(next.date), isTradingDay(d) ? sessionOn(d) : prev);
      // Every session opens 09:30 New York on its own date.
      const wc = nyWallClock(next.open);
      assert.deepEqual([wc.date, wc.hour, wc.minute], [next.date, 9, 30]);
    }), { numRuns: 1000 });
  });
});
