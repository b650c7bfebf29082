/**
 * Sessions are never spliced: a replay session's history is the NYSE calendar's previous
 * sessions, sessions without data stay empty and are listed as missing, and "change" is
 * only measured against the previous session's close.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TIMEFRAMES, type Timeframe } from '../src/core/types.js';
import { nextSession, nyDate, nyMidnight, nyTimeToMs, previousSession, sessionOn, weekStartDate, addDays } from '../src/calendar/index.js';
import { ManualTicker, ReplayFeed } from '../src/feeds/replay/index.js';
import { ChartHub } from '../src/hub/hub.js';
import type { SeriesCoverage, WatchlistRow, WireBar } from '../src/wire/protocol.js';
import { readAggregates, stockDailyFile, stockMinuteFile } from './helpers/data.js';
import { recordedStore } from './helpers/store.js';
import { startTestServer } from './helpers/server.js';
import { connect } from './helpers/socket.js';

const store = await recordedStore();
const recorded = store.minuteSessions().map((s) => s.date);
const symbols = [...new Set(store.minuteSessions().flatMap((s) => s.symbols))];

/** Every session of the missing ranges, one by one. */
function missingSet(coverage: SeriesCoverage): Set<string> {
  const out = new Set<string>();
  for (const r of coverage.missing) {
    for (let d = r.from; d <= r.to; d = nextSession(d).date) out.add(d);
  }
  return out;
}

/** Sessions strictly between two dates (ascending). */
function sessionsStrictlyBetween(a: string, b: string): string[] {
  const out: string[] = [];
  for (let d = nextSession(a).date; d < b; d = nextSession(d).date) out.push(d);
  return out;
}

function drawnDays(bars: readonly { start: number }[]): string[] {
  return [...new Set(bars.map((b) => nyDate(b.start)))].sort();
}

test('property: for any recorded session, time and timeframe, no bar comes from outside the window and every drawn day follows the previous one in the calendar or the sessions between are marked missing', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...recorded),
      fc.integer({ min: 0, max: 16 * 60 }), // minutes after 04:00
      fc.constantFrom(...TIMEFRAMES),
      fc.boolean(),
      fc.constantFrom(...symbols),
      async (session, minutesIn, tf: Timeframe, extended, symbol) => {
        const time = nyTimeToMs(session, '04:00') + minutesIn * 60_000;
        const wall = new Date(time).toLocaleTimeString('en-GB', { timeZone: 'America/New_York', hour: '2-digit', minute: '2-digit' });
        const feed = new ReplayFeed({ store, ticker: new ManualTicker(), session, time: wall, state: 'pause' });
        const hub = new ChartHub({ feed });
        await hub.start();
        try {
          const clock = feed.now();
          const bars = await hub.bars({ symbol, tf, extended, badPrints: 'hide' });
          const coverage = hub.coverage({ symbol, tf })!;
          assert.equal(coverage.to, session, 'the window ends with the replay session');
          const missing = missingSet(coverage);
          const first = sessionOn(coverage.from)!;
          const daily = tf === '1D' || tf === '1W';
          // The window is the calendar's sessions, recorded or not.
          assert.equal(coverage.from, previousSessionsBack(session, daily ? 500 : 5));

          for (const b of bars) {
            assert.ok(b.start < clock, `no bar of the future: ${new Date(b.start).toISOString()} ≥ clock`);
            if (tf === '1W') assert.ok(b.start >= nyMidnight(weekStartDate(coverage.from)), 'weekly bar inside the window');
            else if (tf === '1D') assert.ok(b.start >= first.midnight, `daily bar ${nyDate(b.start)} before the window ${coverage.from}`);
            else assert.ok(b.start >= first.preOpen, `bar ${new Date(b.start).toISOString()} before the window ${coverage.from}`);
          }
          if (tf === '1D') {
            // The replay day's daily bar is built from its minutes so far — never the vendor's bar of that day (the future).
            const today = bars.find((b) => nyDate(b.start) === session);
            const day = sessionOn(session)!;
            const soFar = store.minuteBars(symbol, day.open, day.close).filter((m) => m.start + 60_000 <= clock);
            if (soFar.length === 0) assert.equal(today, undefined);
            else assert.equal(today?.volume, soFar.reduce((v, m) => v + m.volume, 0), 'the replay day from its minutes up to the clock');
          }
          if (tf === '1W') {
            const weeks = [...new Set(bars.map((b) => nyDate(b.start)))].sort();
            for (let i = 1; i < weeks.length; i++) {
              // Sessions of the weeks strictly between two drawn weeks hold no data.
              for (const d of sessionsStrictlyBetween(addDays(weeks[i - 1]!, 4), weeks[i]!)) {
                if (d >= coverage.from) assert.ok(missing.has(d), `${d} lies between weekly bars ${weeks[i - 1]} and ${weeks[i]} but is not marked missing`);
              }
            }
            return;
          }
          const days = drawnDays(bars);
          for (const d of days) assert.ok(!missing.has(d), `${d} is drawn but marked missing`);
          if (days.length > 0) {
            for (const d of sessionsStrictlyBetween(previousSession(coverage.from).date, days[0]!)) {
              assert.ok(missing.has(d), `${d} precedes the first drawn day ${days[0]} but is not marked missing`);
            }
          }
          for (let i = 1; i < days.length; i++) {
            for (const d of sessionsStrictlyBetween(days[i - 1]!, days[i]!)) {
              assert.ok(missing.has(d), `${days[i - 1]} is drawn next to ${days[i]}, but ${d} between them is not marked missing`);
            }
          }
        } finally {
          await hub.stop();
        }
      },
    ),
    { numRuns: 60 },
  );
});

function previousSessionsBack(date: string, n: number): string {
  let d = date;
  for (let i = 0; i < n; i++) d = previousSession(d).date;
  return d;
}

let srv: Awaited<ReturnType<typeof startTestServer>>;
before(async () => {
  srv = await startTestServer({ session: '2023-08-03', time: '11:00', state: 'pause', ticker: new ManualTicker() });
});
after(async () => {
  await srv.close();
});

test('2023-08-03: the 5m chart holds only that day and its snapshot lists the five empty sessions before it', async () => {
  const socket = await connect(srv.url);
  try {
    const snapshot = await new Promise<{ bars: WireBar[]; coverage?: SeriesCoverage }>((resolve) => {
      socket.on('snapshot', resolve);
      socket.emit('subscribe', { symbol: 'SPY', tf: '5m' });
    });
    assert.ok(snapshot.bars.length > 0);
    assert.deepEqual(drawnDays(snapshot.bars), ['2023-08-03'], 'no 2013 minutes in front of 2023');
    // Price range of the day itself (the 2013 minutes were ~165; SPY traded ~450 in 2023).
    const minutes = readAggregates(stockMinuteFile('2023-08-03'), 'SPY');
    const low = Math.min(...minutes.map((m) => m.low));
    assert.ok(snapshot.bars.every((b) => b.low >= low), 'every bar within the day\'s own range');
    assert.deepEqual(snapshot.coverage, { from: '2023-07-27', to: '2023-08-03', missing: [{ from: '2023-07-27', to: '2023-08-02', sessions: 5 }] });
  } finally {
    socket.close();
  }
});

test('2023-08-03: 1D has no vendor daily from 2021 and no change against it; GOOG 2015-12-24 changes against 2015-12-23', async () => {
  const daily = await (await fetch(`${srv.url}/api/bars?symbol=SPY&tf=1D`)).json() as { bars: WireBar[]; coverage: SeriesCoverage };
  assert.deepEqual(daily.bars.map((b) => nyDate(b.start)), ['2023-08-03'], 'only the replay day (vendor dailies end 2021-03-31)');
  assert.equal(daily.coverage.missing.length, 1);
  assert.equal(daily.coverage.missing[0]!.to, '2023-08-02');

  const rows = (await (await fetch(`${srv.url}/api/symbols`)).json() as { symbols: WatchlistRow[] }).symbols;
  const spy = rows.find((r) => r.symbol === 'SPY')!;
  assert.ok(spy.last !== null && spy.last > 400, 'a 2023 price');
  assert.equal(spy.change, null, 'no previous-session close: no change');
  assert.equal(spy.changePct, null);

  const res = await fetch(`${srv.url}/api/replay`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ session: '2015-12-24', time: '11:00' }),
  });
  assert.equal(res.status, 200);
  const goog = (await (await fetch(`${srv.url}/api/symbols`)).json() as { symbols: WatchlistRow[] }).symbols.find((r) => r.symbol === 'GOOG')!;
  const prevClose = readAggregates(stockDailyFile('GOOG')).find((d) => d.start === nyMidnight('2015-12-23'))!.close;
  const last = readAggregates(stockMinuteFile('2015-12-24'), 'GOOG').filter((m) => m.start + 60_000 <= nyTimeToMs('2015-12-24', '11:00')).at(-1)!.close;
  assert.equal(goog.last, last);
  assert.ok(goog.changePct !== null && Math.abs(goog.changePct - ((last - prevClose) / prevClose) * 100) < 0.006);
});

test('1D on the replay: prior sessions are the vendor bars, the replay day is its own minutes even after the close (AIG 2013-10-11: the vendor counts late prints)', async () => {
  const feed = new ReplayFeed({ store, ticker: new ManualTicker(), session: '2013-10-11', time: '20:00', state: 'pause' });
  const hub = new ChartHub({ feed });
  await hub.start();
  try {
    const bars = await hub.bars({ symbol: 'AIG', tf: '1D', extended: false, badPrints: 'hide' });
    const vendor = (date: string) => readAggregates(stockDailyFile('AIG')).find((d) => d.start === nyMidnight(date))!;
    const regularVolume = (date: string) => {
      const s = sessionOn(date)!;
      return readAggregates(stockMinuteFile(date), 'AIG').filter((m) => m.start >= s.open && m.start < s.close).reduce((v, m) => v + m.volume, 0);
    };
    const byDate = new Map(bars.map((b) => [nyDate(b.start), b]));
    assert.equal(byDate.get('2013-10-09')!.volume, vendor('2013-10-09').volume, 'a closed prior session: the vendor bar');
    assert.notEqual(vendor('2013-10-11').volume, regularVolume('2013-10-11'), 'the data really differs that day');
    assert.equal(byDate.get('2013-10-11')!.volume, regularVolume('2013-10-11'), 'the replay day: never the vendor bar of that day');
    assert.equal(bars.at(-1)!.start, nyMidnight('2013-10-11'), 'nothing after the replay day');
  } finally {
    await hub.stop();
  }
});
