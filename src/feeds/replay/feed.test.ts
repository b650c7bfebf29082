import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MinuteAggregate } from '../../core/types.js';
import { BarEngine } from '../../bars/index.js';
import { nyMidnight, nyTimeToMs } from '../../calendar/index.js';
import type { ReplayStatus } from './types.js';
import { readAggregates, stockMinuteFile } from '../../../test/helpers/data.js';
import { recordedStore } from '../../../test/helpers/store.js';
import { openStore } from '../../store/index.js';
import { ManualTicker, ReplayCatalog, ReplayFeed, piece, type ReplayListener } from './index.js';

// One store with all the recorded data for the file: importing it once keeps the tests fast.
const catalog = new ReplayCatalog(await recordedStore());

type Event =
  | { kind: 'partial'; agg: MinuteAggregate }
  | { kind: 'minute'; agg: MinuteAggregate; origin: string }
  | { kind: 'clock'; ms: number }
  | { kind: 'reset'; status: ReplayStatus };

function recorder(): { listener: ReplayListener; events: Event[] } {
  const events: Event[] = [];
  return {
    events,
    listener: {
      onMinute: (agg, origin) => events.push({ kind: 'minute', agg, origin }),
      onPartial: (agg) => events.push({ kind: 'partial', agg }),
      onClock: (ms) => events.push({ kind: 'clock', ms }),
      onReset: (status) => events.push({ kind: 'reset', status }),
    },
  };
}

async function startFeed(opts: { session?: string; time?: string; speed?: number; state?: 'play' | 'pause' } = {}) {
  const ticker = new ManualTicker();
  const feed = new ReplayFeed({ catalog, ticker, session: '2013-10-10', time: '10:30', speed: 60, state: 'pause', ...opts });
  const rec = recorder();
  await feed.start(rec.listener);
  return { feed, ticker, ...rec };
}

const spyFile = readAggregates(stockMinuteFile('2013-10-10'), 'SPY');

test('piece: partial pieces merge into a prefix inside the final bar', () => {
  for (const m of spyFile.slice(0, 300)) {
    const a = piece(m, 0, 1);
    const b = piece(m, 1, 2);
    const high = Math.max(a.high, b.high);
    const low = Math.min(a.low, b.low);
    assert.equal(a.open, m.open);
    assert.ok(high <= m.high && low >= m.low, 'prefix stays inside the final range');
    assert.ok(a.volume + b.volume <= m.volume);
    assert.equal(b.start, m.start + 20_000);
    const whole = piece(m, 0, 2);
    assert.equal(whole.open, m.open);
    assert.equal(whole.volume, a.volume + b.volume);
  }
});

test('history is clipped to minutes that ended on the replay clock; daily bars stop before the session', async () => {
  const { feed } = await startFeed({ time: '10:30' });
  const clock = nyTimeToMs('2013-10-10', '10:30');
  assert.equal(feed.now(), clock);
  const history = await feed.fetchMinuteHistory('SPY', feed.historyStart(), Number.MAX_SAFE_INTEGER);
  const prior = ['2013-10-04', '2013-10-07', '2013-10-08', '2013-10-09'].flatMap((d) => readAggregates(stockMinuteFile(d), 'SPY'));
  const morning = spyFile.filter((m) => m.start + 60_000 <= clock);
  assert.equal(history.length, prior.length + morning.length, 'the recorded prior sessions plus the morning, nothing else');
  assert.ok(history.every((m) => m.start + 60_000 <= clock), 'no minute that has not ended');
  assert.equal(history.at(-1)!.start, clock - 60_000);
  // The calendar's five previous sessions: 2013-10-03 (not recorded) … 2013-10-09.
  assert.equal(new Date(feed.historyStart()).toISOString(), '2013-10-03T08:00:00.000Z', 'pre-market of 2013-10-03');
  assert.deepEqual(feed.coverage('SPY', '5m'), {
    from: '2013-10-03',
    to: '2013-10-10',
    missing: [{ from: '2013-10-03', to: '2013-10-03', sessions: 1 }],
  });
  const daily = await feed.fetchDailyHistory('SPY');
  assert.ok(daily.length >= 490 && daily.length <= 500, `about two years of sessions, got ${daily.length}`);
  assert.ok(daily.every((d) => d.start < nyMidnight('2013-10-10')));
  assert.equal(daily.at(-1)!.start, nyMidnight('2013-10-09'));
  await feed.stop();
});

test('a session after a long gap in the recordings gets no history from other years, and says so', async () => {
  const { feed } = await startFeed({ session: '2023-08-03', time: '10:30' });
  // The calendar's previous sessions (2023-07-27 … 2023-08-02) hold nothing: the 2013
  // recordings must not stand in for them.
  const history = await feed.fetchMinuteHistory('SPY', feed.historyStart(), Number.MAX_SAFE_INTEGER);
  assert.ok(history.length > 0);
  assert.ok(history.every((m) => m.start >= nyMidnight('2023-08-03')), 'only 2023-08-03 minutes');
  assert.deepEqual(feed.coverage('SPY', '1m')!.missing, [{ from: '2023-07-27', to: '2023-08-02', sessions: 5 }]);
  // Vendor daily bars end 2021-03-31: none lie in the window before 2023-08-03.
  assert.deepEqual(await feed.fetchDailyHistory('SPY'), []);
  const daily = feed.coverage('SPY', '1D')!;
  assert.equal(daily.to, '2023-08-03');
  assert.deepEqual(daily.missing.length, 1, 'one gap: every session of the window before the replay day');
  assert.equal(daily.missing[0]!.to, '2023-08-02');
  assert.equal(daily.missing[0]!.from, daily.from);
  await feed.stop();
});

test('playing emits partial pieces at 1/3 and 2/3, then the complete minute, with the clock in step', async () => {
  const { feed, ticker, events } = await startFeed({ time: '10:30', state: 'play', speed: 60 });
  feed.subscribe(['SPY']);
  ticker.tick(250); // 15 s of replay: nothing due yet
  assert.equal(events.filter((e) => e.kind !== 'clock').length, 0);
  ticker.tick(250); // 30 s: first piece (10:30:20)
  ticker.tick(250); // 45 s: second piece (10:30:40)
  ticker.tick(250); // 60 s: the complete 10:30 minute
  const data = events.filter((e) => e.kind !== 'clock');
  const m1030 = spyFile.find((m) => m.start === nyTimeToMs('2013-10-10', '10:30'))!;
  assert.deepEqual(
    data.map((e) => e.kind),
    ['partial', 'partial', 'minute'],
  );
  assert.deepEqual((data[2] as { agg: MinuteAggregate }).agg, m1030);
  assert.equal((data[2] as { origin: string }).origin, 'live');
  const clocks = events.filter((e): e is { kind: 'clock'; ms: number } => e.kind === 'clock').map((e) => e.ms);
  assert.deepEqual(clocks, [...clocks].sort((a, b) => a - b), 'clock never goes back');
  assert.equal(feed.now(), m1030.start + 60_000);
  await feed.stop();
});

test('a whole session played into a BarEngine gives exactly the recorded minutes', async () => {
  const engine = new BarEngine({ clock: nyTimeToMs('2013-10-10', '04:00') });
  const ticker2 = new ManualTicker();
  const feed2 = new ReplayFeed({ catalog, ticker: ticker2, session: '2013-10-10', time: '04:00', speed: 1, state: 'play' });
  await feed2.start({
    onMinute: (agg, origin) => engine.applyMinute(agg, origin),
    onPartial: (agg) => engine.applyPartial(agg),
    onClock: (ms) => engine.advanceClock(ms),
  } as ReplayListener);
  feed2.subscribe(['SPY']);
  // Small steps in the morning (partials happen), big ones later.
  for (let i = 0; i < 200; i++) ticker2.tick(7_000);
  while (feed2.replayStatus()!.state === 'play') ticker2.tick(15 * 60_000);
  assert.equal(feed2.replayStatus()!.state, 'ended');
  const got = engine.series('SPY', '1m', true).map((b) => [b.start, b.open, b.high, b.low, b.close, b.volume, b.closed]);
  const want = spyFile.map((m) => [m.start, m.open, m.high, m.low, m.close, m.volume, true]);
  assert.deepEqual(got, want);
  await feed2.stop();
});

test('jumping forward replays the minutes jumped over; backwards or another session resets', async () => {
  const { feed, events } = await startFeed({ time: '10:30' });
  feed.subscribe(['SPY', 'GOOG']);
  await feed.control({ time: '10:40' });
  const minutes = events.filter((e) => e.kind === 'minute');
  assert.equal(minutes.length, spyFile.filter((m) => m.start >= nyTimeToMs('2013-10-10', '10:30') && m.start < nyTimeToMs('2013-10-10', '10:39') + 1).length);
  assert.equal(events.filter((e) => e.kind === 'reset').length, 0);
  assert.equal(events.filter((e) => e.kind === 'partial').length, 0, 'a jump skips the building animation');

  const back = await feed.control({ time: '10:00' });
  assert.equal(back.time, '10:00');
  assert.equal(events.filter((e) => e.kind === 'reset').length, 1);

  const other = await feed.control({ session: '2015-12-24' });
  assert.equal(other.session, '2015-12-24');
  assert.equal(other.time, '09:30');
  assert.equal(events.filter((e) => e.kind === 'reset').length, 2);
  assert.equal(feed.hasData('GOOG'), true);
  assert.equal(feed.noDataMessage('SPY')?.startsWith('No data for SPY on 2015-12-24'), true);
  await feed.stop();
});

test('bad controls name the field', async () => {
  const { feed } = await startFeed();
  await assert.rejects(feed.control({ session: '2013-10-12' }), (err: Error) => err.message.startsWith('session: no recorded data for 2013-10-12'));
  assert.equal(feed.noDataMessage('GOOG')?.startsWith('No data for GOOG on 2013-10-10'), true);
  await feed.stop();
});

test('an empty store degrades with a sentence instead of crashing', async () => {
  const empty = openStore(':memory:');
  const feed = new ReplayFeed({ store: empty, ticker: new ManualTicker() });
  await feed.start(recorder().listener);
  assert.equal(feed.status().state, 'degraded');
  assert.match(feed.status().message!, /No recorded sessions/);
  assert.equal(feed.replayStatus(), undefined);
  await assert.rejects(feed.control({ speed: 2 }), /replay: No recorded sessions/);
  await feed.stop();
  empty.close();
});
