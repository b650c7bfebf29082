/**
 * The whole live path against the fake Massive server: official client → MassiveFeed →
 * ChartHub → Socket.IO → a chart model that applies snapshot + seq'd deltas the way the
 * dashboard does. The scenarios are the prototype's failures: a slow history response
 * racing live `AM` events, a WebSocket outage, malformed/duplicate messages, and an
 * entitlement error that must reach the trader as a sentence.
 *
 * Real data: SPY minutes of 2013-10-09/10 from ../shared/data; the hub's clock is pinned
 * to 2013-10-10 so its history window covers them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Socket } from 'socket.io-client';
import type { MinuteAggregate } from '../src/core/types.js';
import { createServer, type OptdeskServer } from '../src/server/app.js';
import { nyTimeToMs } from '../src/calendar/index.js';
import type { BarMessage, HealthMessage, SnapshotMessage, WireBar } from '../src/wire/protocol.js';
import { startFakeMassive, type FakeMassive } from './fakes/massive-server.js';
import { readAggregates, stockDailyFile, stockMinuteFile } from './helpers/data.js';
import { connect, next } from './helpers/socket.js';
import { until } from './helpers/wait.js';
import { massiveFeedFor } from './helpers/massive.js';
import type { MassiveFeed } from '../src/feeds/massive/index.js';

const DAY = '2013-10-10';
const regular = (date: string) =>
  readAggregates(stockMinuteFile(date), 'SPY').filter((m) => m.start >= nyTimeToMs(date, '09:30') && m.start < nyTimeToMs(date, '16:00'));


/** What the dashboard does with the protocol: snapshot, then deltas with seq = last + 1, re-subscribe on a gap. */
class ChartModel {
  bars = new Map<number, WireBar>();
  seq = -1;
  resubscribes = 0;
  health?: HealthMessage['health'];
  constructor(readonly socket: Socket, readonly symbol: string, readonly tf: string) {
    socket.on('snapshot', (m: SnapshotMessage) => {
      if (m.symbol !== symbol || m.tf !== tf) return;
      this.bars = new Map(m.bars.map((b) => [b.start, b]));
      this.seq = m.seq;
      this.health = m.health;
    });
    socket.on('bar', (m: BarMessage) => {
      if (m.symbol !== symbol || m.tf !== tf || this.seq < 0) return;
      if (m.seq !== this.seq + 1) {
        this.resubscribes++;
        this.seq = -1;
        socket.emit('subscribe', { symbol, tf, extended: false });
        return;
      }
      this.seq = m.seq;
      this.bars.set(m.bar.start, m.bar);
    });
    socket.on('health', (m: HealthMessage) => {
      if (m.symbol === symbol && m.tf === tf) this.health = m.health;
    });
  }
  ohlcv(start: number) {
    const b = this.bars.get(start);
    return b && [b.open, b.high, b.low, b.close, b.volume];
  }
}

const asRow = (m: MinuteAggregate) => [m.open, m.high, m.low, m.close, m.volume];

describe('ChartHub on the Massive feed (fake server, official client)', () => {
  let fake: FakeMassive;
  let server: OptdeskServer;
  let url: string;
  let feed: MassiveFeed;
  let dir: string;
  const sockets: Socket[] = [];
  // The provider's truth for the day; the 10:59 minute gets a late-trade revision in the first test.
  const day = regular(DAY);
  const previousDay = regular('2013-10-09');
  const upTo = (hhmm: string) => day.filter((m) => m.start < nyTimeToMs(DAY, hhmm));
  // The hub's "now": 11:00:30 on the recorded day, moved forward by the tests.
  let now = nyTimeToMs(DAY, '11:00') + 30_000;

  before(async () => {
    fake = await startFakeMassive();
    fake.setMinuteBars('SPY', [...previousDay, ...upTo('11:00')]);
    feed = massiveFeedFor(fake, { reconnect: { initialMs: 20, maxMs: 100 } });
    dir = mkdtempSync(path.join(os.tmpdir(), 'optdesk-hub-massive-'));
    server = createServer({ port: 0, feed, dbPath: path.join(dir, 'db.sqlite'), hub: { now: () => now, historySessions: 1 } });
    ({ url } = await server.listen());
  });

  after(async () => {
    for (const s of sockets) s.close();
    await server.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function chart(symbol = 'SPY', tf = '1m'): Promise<ChartModel> {
    const socket = await connect(url);
    sockets.push(socket);
    const model = new ChartModel(socket, symbol, tf);
    socket.emit('subscribe', { symbol, tf, extended: false });
    return model;
  }

  test('a slow history response racing live AM events loses and rolls back nothing', async () => {
    fake.delayRest(400);
    const model = await chart();
    await until('the provider subscription', () => fake.subscriptions('stocks').has('AM.SPY'));
    // While the history request hangs: a late-trade re-send of 10:59 and the new 11:00 minute.
    const m1059 = day.find((m) => m.start === nyTimeToMs(DAY, '10:59'))!;
    const resent = { ...m1059, high: m1059.high + 0.05, volume: m1059.volume + 1200 };
    const m1100 = day.find((m) => m.start === nyTimeToMs(DAY, '11:00'))!;
    fake.pushAM(resent);
    day[day.indexOf(m1059)] = resent; // from now on the provider's REST answers include the late trade too
    now = nyTimeToMs(DAY, '11:01') + 5_000;
    fake.pushAM(m1100);
    await until('the snapshot after the backfill', () => model.seq >= 0 && model.bars.has(m1100.start));
    fake.delayRest(0);

    // History (as of the request) is in, the newer live re-send was not rolled back, 11:00 is there.
    for (const m of upTo('10:59')) assert.deepEqual(model.ohlcv(m.start), asRow(m), new Date(m.start).toISOString());
    // (upTo reads `day`, which now holds the revision: check 10:59 against the revision explicitly.)
    assert.deepEqual(model.ohlcv(m1059.start), asRow(resent));
    assert.deepEqual(model.ohlcv(m1100.start), asRow(m1100));
    // And the server's own series agrees with what the chart built.
    const rest = (await (await fetch(`${url}/api/bars?symbol=SPY&tf=1m&from=${DAY}&to=${DAY}`)).json()) as { bars: WireBar[] };
    assert.equal(rest.bars.length, model.bars.size - previousDay.length);
    assert.equal(model.resubscribes, 0);
  });

  test('a WebSocket outage is backfilled: the chart equals the provider\'s bars, no minute lost', async () => {
    const model = await chart('SPY', '5m');
    await until('snapshot', () => model.seq >= 0);
    // The connection drops and stays refused; three minutes trade meanwhile (REST only).
    fake.refuseConnectionsFor(300);
    fake.dropConnections();
    fake.setMinuteBars('SPY', [...previousDay, ...upTo('11:04')]);
    now = nyTimeToMs(DAY, '11:04') + 5_000;
    const before = feed.stats().backfilledMinutes;
    await until('reconnect and backfill', () => feed.stats().reconnects >= 1 && feed.stats().backfilledMinutes > before);
    // Live resumes.
    const m1104 = day.find((m) => m.start === nyTimeToMs(DAY, '11:04'))!;
    await until('resubscribed', () => fake.subscriptions('stocks').has('AM.SPY'));
    fake.pushAM(m1104);
    now = nyTimeToMs(DAY, '11:05') + 5_000;
    const bucket = nyTimeToMs(DAY, '11:00');
    const inBucket = day.filter((m) => m.start >= bucket && m.start < bucket + 5 * 60_000);
    const expected = [inBucket[0]!.open, Math.max(...inBucket.map((m) => m.high)), Math.min(...inBucket.map((m) => m.low)), inBucket[4]!.close,
      inBucket.reduce((s, m) => s + m.volume, 0)];
    await until('the 11:00 five-minute bar complete', () => JSON.stringify(model.ohlcv(bucket)) === JSON.stringify(expected));
    // Every earlier bucket of the day equals the provider's minutes aggregated.
    for (let t = nyTimeToMs(DAY, '09:30'); t < bucket; t += 5 * 60_000) {
      const mins = day.filter((m) => m.start >= t && m.start < t + 5 * 60_000);
      if (mins.length === 0) continue;
      const b = model.bars.get(t)!;
      assert.equal(b.volume, mins.reduce((s, m) => s + m.volume, 0), new Date(t).toISOString());
      assert.equal(b.high, Math.max(...mins.map((m) => m.high)));
    }
  });

  test('malformed and duplicate messages are counted and ignored; the stream goes on', async () => {
    const model = await chart('SPY', '1m');
    await until('snapshot', () => model.seq >= 0);
    await until('subscribed', () => fake.subscriptions('stocks').has('AM.SPY'));
    const before = feed.stats();
    fake.sendRaw('{not json');
    fake.sendRaw(JSON.stringify([{ ev: 'AM', sym: 'SPY', o: 'abc' }]));
    const m1105 = day.find((m) => m.start === nyTimeToMs(DAY, '11:05'))!;
    fake.duplicateNext();
    fake.pushAM(m1105);
    now = nyTimeToMs(DAY, '11:06') + 5_000;
    await until('11:05 arrives', () => model.bars.has(m1105.start));
    const after = feed.stats();
    assert.equal(after.malformed - before.malformed, 2);
    assert.ok(after.duplicates > before.duplicates, 'the duplicate AM is counted');
    assert.deepEqual(model.ohlcv(m1105.start), asRow(m1105), 'a duplicate is an upsert, not an append');
    assert.equal(model.resubscribes, 0);
    const health = (await (await fetch(`${url}/api/health`)).json()) as { status: string };
    assert.ok(health.status, 'the server still answers');
  });

  test('an entitlement error reaches /api/health and the chart\'s health as a sentence', async () => {
    fake.entitlementError('stocks');
    fake.dropConnections();
    await until('the feed reports it', () => /not (authorized|entitled)/i.test(feed.status().message ?? ''));
    const health = (await (await fetch(`${url}/api/health`)).json()) as { status: string; feed: { message?: string; mode: string } };
    assert.match(health.feed.message ?? '', /not (authorized|entitled)/i);
    assert.match(health.feed.message ?? '', /^[A-Z].*[.]$/, 'a sentence, not a code');
    // Secrets stay on the server: the key appears in no answer the browser can see.
    for (const route of ['/api/health', '/api/symbols', `/api/bars?symbol=SPY&tf=1m&from=${DAY}&to=${DAY}`]) {
      assert.ok(!(await (await fetch(url + route)).text()).includes(fake.apiKey), `${route} leaks the API key`);
    }
    const model = await chart('SPY', '15m');
    const msg = await next<HealthMessage | SnapshotMessage>(model.socket, 'snapshot');
    assert.equal(msg.health.state, 'DEGRADED');
    assert.match(msg.health.message ?? '', /not (authorized|entitled)/i);
  });
});

/** A fresh fake + feed + server per scenario, so no test depends on what an earlier one did to the feed. */
async function startStack(opts: { now: () => number; feed?: Parameters<typeof massiveFeedFor>[1]; hub?: Record<string, unknown> }) {
  const fake = await startFakeMassive();
  const feed = massiveFeedFor(fake, { reconnect: { initialMs: 20, maxMs: 100 }, ...opts.feed });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'optdesk-hub-massive-'));
  const server = createServer({ port: 0, feed, dbPath: path.join(dir, 'db.sqlite'), hub: { now: opts.now, historySessions: 1, ...opts.hub } });
  const { url } = await server.listen();
  const sockets: Socket[] = [];
  return {
    fake,
    feed,
    server,
    url,
    async chart(symbol = 'SPY', tf = '1m'): Promise<ChartModel> {
      const socket = await connect(url);
      sockets.push(socket);
      const model = new ChartModel(socket, symbol, tf);
      socket.emit('subscribe', { symbol, tf, extended: false });
      return model;
    },
    async close() {
      for (const s of sockets) s.close();
      await server.close();
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('Massive as the real service behaves, through the hub', () => {
  test('a delayed stream that falls silent reads STALE, like a real-time one (not DELAYED forever)', async () => {
    let now = nyTimeToMs(DAY, '11:00') + 30_000;
    const stack = await startStack({ now: () => now, feed: { delayed: true }, hub: { staleAfterMs: 60_000 } });
    try {
      const day = regular(DAY);
      stack.fake.setMinuteBars('SPY', day.filter((m) => m.start < nyTimeToMs(DAY, '11:00')));
      const model = await stack.chart();
      await until('snapshot', () => model.seq >= 0);
      await until('subscribed', () => stack.fake.subscriptions('stocks').has('AM.SPY'));
      stack.fake.pushAM(day.find((m) => m.start === nyTimeToMs(DAY, '10:59'))!);
      await until('DELAYED while data flows', () => model.health?.state === 'DELAYED');
      now += 5 * 60_000; // five minutes without a single message
      await until('STALE', () => model.health?.state === 'STALE');
      assert.match(model.health?.message ?? '', /^No update for SPY in \d+ s$/);
    } finally {
      await stack.close();
    }
  });

  test('1D and 1W show the vendor daily bars for years back; a closed session is the vendor bar; today is built live', async () => {
    const now = nyTimeToMs(DAY, '11:00') + 30_000;
    const stack = await startStack({ now: () => now, hub: { historySessions: 2 } });
    try {
      const vendor = readAggregates(stockDailyFile('SPY'), 'SPY'); // 1998 … 2021, includes the whole of DAY
      const today = regular(DAY).filter((m) => m.start < nyTimeToMs(DAY, '11:00'));
      stack.fake.setDailyBars('SPY', vendor);
      stack.fake.setMinuteBars('SPY', [...regular('2013-10-08'), ...regular('2013-10-09'), ...today]);
      const daily = await stack.chart('SPY', '1D');
      const weekly = await stack.chart('SPY', '1W');
      await until('both snapshots', () => daily.seq >= 0 && weekly.seq >= 0);

      const todayMidnight = nyTimeToMs(DAY, '00:00');
      const closed = vendor.filter((b) => b.start < todayMidnight);
      assert.ok(closed.length > 3_900, `years of daily bars in the file (${closed.length})`);
      assert.equal(daily.bars.size, closed.length + 1, 'every closed session from Massive, plus today');
      assert.equal(Math.min(...daily.bars.keys()), closed[0]!.start, 'back to the first vendor bar (1998)');
      assert.ok(stack.fake.requests.some((r) => /^\/v2\/aggs\/ticker\/SPY\/range\/1\/day\//.test(r.path)), 'asked Massive for daily bars');

      // 2013-10-08 has minutes too, whose low (165.36) differs from the vendor's (165.37): the vendor bar wins.
      const oct8 = vendor.find((b) => b.start === nyTimeToMs('2013-10-08', '00:00'))!;
      assert.deepEqual(daily.ohlcv(oct8.start), asRow(oct8));
      assert.equal(daily.ohlcv(oct8.start)![2], 165.37);
      for (const b of closed.slice(0, 50)) assert.deepEqual(daily.ohlcv(b.start), asRow(b), new Date(b.start).toISOString());

      // Today: built from today's minutes, not Massive's (partial, here even complete) daily bar.
      const vendorToday = vendor.find((b) => b.start === todayMidnight)!;
      const built = daily.bars.get(todayMidnight)!;
      assert.equal(built.volume, today.reduce((sum, m) => sum + m.volume, 0));
      assert.equal(built.high, Math.max(...today.map((m) => m.high)));
      assert.notEqual(built.volume, vendorToday.volume);
      assert.equal(built.closed, false);

      assert.ok(weekly.bars.size > 700, `weeks of vendor history (${weekly.bars.size})`);
      assert.equal(Math.min(...weekly.bars.keys()) <= closed[0]!.start, true);
    } finally {
      await stack.close();
    }
  });

  test('an unknown Massive status message reaches the chart badge as a sentence (LIVE stays LIVE)', async () => {
    const now = nyTimeToMs(DAY, '11:00') + 30_000;
    const stack = await startStack({ now: () => now });
    try {
      stack.fake.setMinuteBars('SPY', regular(DAY).filter((m) => m.start < nyTimeToMs(DAY, '11:00')));
      const model = await stack.chart();
      await until('snapshot', () => model.seq >= 0);
      await until('subscribed', () => stack.fake.subscriptions('stocks').has('AM.SPY'));
      const m1059 = regular(DAY).find((m) => m.start === nyTimeToMs(DAY, '10:59'))!;
      stack.fake.pushMixed([['AM', m1059], ['status', 'maintenance', 'Scheduled maintenance tonight at 20:00 ET.']]);
      await until('the notice on the badge', () => /Scheduled maintenance tonight at 20:00 ET/.test(model.health?.message ?? ''));
      assert.equal(model.health?.state, 'LIVE');
      const health = (await (await fetch(`${stack.url}/api/health`)).json()) as { feed: { mode: string; message?: string } };
      assert.equal(health.feed.mode, 'live');
      assert.match(health.feed.message ?? '', /^Massive says on the stocks stream: "Scheduled maintenance tonight at 20:00 ET\." \(status "maintenance"\)\.$/);
    } finally {
      await stack.close();
    }
  });

  test('a re-sent per-second A replaces its second instead of adding to the forming minute (170, not 270)', async () => {
    const minute = nyTimeToMs(DAY, '11:10');
    let now = minute + 20_000; // 11:10:20: the 11:10 minute is forming
    const stack = await startStack({ now: () => now });
    try {
      const day = regular(DAY);
      stack.fake.setMinuteBars('SPY', day.filter((m) => m.start < minute));
      const model = await stack.chart();
      await until('snapshot', () => model.seq >= 0);
      await until('subscribed to A', () => stack.fake.subscriptions('stocks').has('A.SPY'));
      const real = day.find((m) => m.start === minute)!;
      const piece = (s: number, volume: number, close: number, high = Math.max(real.open, close)) =>
        ({ symbol: 'SPY', start: minute + s * 1000, open: real.open, high, low: Math.min(real.open, close), close, volume });
      const closeOf = () => model.bars.get(minute)?.close;

      stack.fake.pushA(piece(0, 100, real.open));
      stack.fake.pushA(piece(1, 70, real.open + 0.01));
      stack.fake.pushA(piece(0, 100, real.open)); // the same second again
      stack.fake.pushA(piece(2, 5, real.open + 0.02)); // a marker: when it shows, everything before it was applied
      await until('the third second arrived', () => closeOf() === real.open + 0.02);
      assert.equal(model.bars.get(minute)?.volume, 175, 'seconds 0, 1, 2 counted once each (100 + 70 + 5)');

      // Late trades: Massive re-sends second 1 with more volume and a new high. It replaces it.
      stack.fake.pushA(piece(1, 90, real.open + 0.01, real.open + 0.05));
      stack.fake.pushA(piece(3, 1, real.open + 0.03));
      await until('the re-send and second 3 arrived', () => closeOf() === real.open + 0.03);
      assert.deepEqual(model.ohlcv(minute), [real.open, real.open + 0.05, real.open, real.open + 0.03, 100 + 90 + 5 + 1]);

      // The minute's AM is final, whatever the seconds said; a straggler second after it changes nothing.
      now = minute + 61_000;
      stack.fake.pushAM(real);
      await until('the AM', () => model.bars.get(minute)?.volume === real.volume);
      stack.fake.pushA(piece(4, 500, real.open + 0.04));
      stack.fake.pushAM({ ...day.find((m) => m.start === minute + 60_000)! });
      await until('the next minute', () => model.bars.has(minute + 60_000));
      assert.deepEqual(model.ohlcv(minute), asRow(real));
      assert.equal(model.resubscribes, 0);
    } finally {
      await stack.close();
    }
  });
});
