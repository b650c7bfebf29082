/**
 * Option contracts chart like stocks: on the replay their series come from the recorded
 * option minute aggregates (us_options_opra/minute_aggs_v1) in the store.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { nyTimeToMs } from '../src/calendar/index.js';
import { ManualTicker } from '../src/feeds/replay/index.js';
import type { BarMessage, SnapshotMessage, WatchlistRow } from '../src/wire/protocol.js';
import { DATA_DIR, readAggregates } from './helpers/data.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { connect, next } from './helpers/socket.js';
import { until } from './helpers/wait.js';

const CONTRACT = 'O:GOOG151224C00750000';
// Read straight from the flat file with the test's own parser, not through the importer or the store.
const recorded = readAggregates(path.join(DATA_DIR, 'flatfiles/us_options_opra/minute_aggs_v1/2015/12/2015-12-24.csv.gz'), CONTRACT);

let srv: TestServer;
let ticker: ManualTicker;
before(async () => {
  ticker = new ManualTicker();
  srv = await startTestServer({ session: '2015-12-24', time: '11:00', state: 'pause', ticker });
});
after(async () => {
  await srv.close();
});

test(`${CONTRACT} on 2015-12-24: the 1m series is the recorded minutes up to the clock, then plays on live`, async () => {
  assert.ok(recorded.length > 10, 'the contract traded that day');
  const eleven = nyTimeToMs('2015-12-24', '11:00');
  const socket = await connect(srv.url);
  try {
    const bars: BarMessage[] = [];
    socket.on('bar', (m: BarMessage) => bars.push(m));
    const snap = next<SnapshotMessage>(socket, 'snapshot', (m) => m.symbol === CONTRACT && m.tf === '1m');
    socket.emit('subscribe', { symbol: CONTRACT, tf: '1m', extended: true });
    const snapshot = await snap;
    assert.equal(snapshot.health.message, undefined, 'no "No data" sentence');
    const want = recorded.filter((m) => m.start + 60_000 <= eleven);
    assert.deepEqual(
      snapshot.bars.map((b) => [b.start, b.open, b.high, b.low, b.close, b.volume]),
      want.map((m) => [m.start, m.open, m.high, m.low, m.close, m.volume]),
    );

    // Play to the end of the day: every later recorded minute arrives as a delta.
    let ended = false;
    socket.on('replay', (r: { state: string }) => {
      if (r.state === 'ended') ended = true;
    });
    await fetch(`${srv.url}/api/replay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ state: 'play', speed: 600 }) });
    while (srv.server.replay!.replayStatus()!.state !== 'ended') ticker.tick(60_000);
    await until('the replay-ended broadcast', () => ended);
    // Deltas are sent in order before the ended broadcast; the last closed minute is in.
    await until('the last recorded minute as a closed delta', () => bars.some((m) => m.bar.closed && m.bar.start === recorded.at(-1)!.start));
    const final = new Map<number, number[]>();
    for (const m of snapshot.bars) final.set(m.start, [m.open, m.high, m.low, m.close, m.volume]);
    for (const m of bars) if (m.bar.closed) final.set(m.bar.start, [m.bar.open, m.bar.high, m.bar.low, m.bar.close, m.bar.volume]);
    assert.deepEqual([...final].sort((a, b) => a[0] - b[0]), recorded.map((m) => [m.start, [m.open, m.high, m.low, m.close, m.volume]]));
  } finally {
    socket.close();
  }
});

test(`${CONTRACT} on the watchlist has data on 2015-12-24 and lists its recorded session`, async () => {
  const add = await fetch(`${srv.url}/api/watchlist`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ symbol: CONTRACT }) });
  assert.equal(add.status, 200);
  const rows = ((await (await fetch(`${srv.url}/api/symbols`)).json()) as { symbols: WatchlistRow[] }).symbols;
  const row = rows.find((r) => r.symbol === CONTRACT)!;
  assert.equal(row.hasData, true);
  assert.equal(row.message, undefined);
  assert.deepEqual(row.sessions, ['2015-12-24']);
  assert.equal(row.last, recorded.at(-1)!.close, 'the last recorded trade (the replay has played the whole day)');
});
