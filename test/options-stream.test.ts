/**
 * Option streams over Socket.IO: chain snapshot + seq'd deltas as the replay moves (and a
 * fresh snapshot on a jump back), matrix P&L / take-profit arithmetic, bad messages; and
 * the Massive path through the fake server: chain snapshot over REST, a WebSocket quote
 * reaching a subscribed chain stream, and live subscriptions only for visible contracts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'socket.io-client';
import { ManualTicker } from '../src/feeds/replay/index.js';
import { nyDate } from '../src/calendar/index.js';
import { modelExpirations, yearsToExpiry } from '../src/options/index.js';
import { formatOptionTicker } from '../src/core/occ.js';
import { createServer, type OptdeskServer } from '../src/server/app.js';
import type { ErrorMessage } from '../src/wire/protocol.js';
import type {
  ChainDeltaMessage,
  ChainResponse,
  ChainSnapshotMessage,
  MatrixDeltaMessage,
  MatrixSnapshotMessage,
  WireMatrixRow,
  WireOptionRow,
} from '../src/wire/options-protocol.js';
import { readAggregates, stockDailyFile, stockMinuteFile } from './helpers/data.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { connect, next } from './helpers/socket.js';
import { startFakeMassive, type FakeMassive, type FakeOptionContract } from './fakes/massive-server.js';
import { until } from './helpers/wait.js';
import { DATA_DIR } from './helpers/data.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { massiveFeedFor } from './helpers/massive.js';

const withoutAge = (r: WireOptionRow): Omit<WireOptionRow, 'quoteAgeMs'> => {
  const { quoteAgeMs: _age, ...rest } = r;
  return rest;
};


/** Distinct contracts whose ticker starts with `prefix` in the 2015-12-24 quotes file, counted without the app's readers. */
function contractsInFile(prefix: string): number {
  const file = path.join(DATA_DIR, 'flatfiles/us_options_opra/quotes_v1/2015/12/2015-12-24.csv.gz');
  const tickers = new Set(gunzipSync(readFileSync(file)).toString('utf8').split('\n').slice(1).map((l) => l.split(',')[0]!).filter((t) => t.startsWith(prefix)));
  return tickers.size;
}

describe('replay streams (GOOG 2015-12-24)', () => {
  let srv: TestServer;
  let ticker: ManualTicker;
  const sockets: Socket[] = [];
  const client = async (): Promise<Socket> => {
    const s = await connect(srv.url);
    sockets.push(s);
    return s;
  };
  const control = async (body: Record<string, unknown>): Promise<void> => {
    const res = await fetch(`${srv.url}/api/replay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(res.status, 200, await res.text());
  };

  before(async () => {
    ticker = new ManualTicker();
    srv = await startTestServer({ session: '2015-12-24', time: '11:00', speed: 60, state: 'pause', ticker });
  });
  after(async () => {
    for (const s of sockets) s.close();
    await srv.close();
  });

  test('options:subscribe → snapshot (seq 0), then deltas with seq + 1 per replay minute; applied, they equal the REST chain', async () => {
    const s = await client();
    const deltas: ChainDeltaMessage[] = [];
    s.on('options:delta', (d: ChainDeltaMessage) => deltas.push(d));
    const snap = next<ChainSnapshotMessage>(s, 'options:snapshot');
    s.emit('options:subscribe', { underlying: 'GOOG', expiration: '2015-12-24' });
    const first = await snap;
    assert.equal(first.seq, 0);
    assert.equal(first.source, 'recorded');
    assert.equal(first.rows.length, contractsInFile('O:GOOG151224'), 'every recorded contract of the expiration');
    const book = new Map(first.rows.map((r) => [r.ticker, r]));

    await control({ state: 'play' });
    for (let minute = 1; minute <= 4; minute++) {
      const got = next<ChainDeltaMessage>(s, 'options:delta', (d) => d.seq === minute);
      ticker.tick(1000); // one replay minute at 60×
      await got;
    }
    await control({ state: 'pause' });
    assert.deepEqual(deltas.map((d) => d.seq), [1, 2, 3, 4], 'one delta per new minute, seq + 1 each');
    for (const d of deltas) {
      assert.ok(d.rows.length > 0 && d.rows.length < 176, `a delta carries only changed rows (${d.rows.length})`);
      for (const r of d.rows) book.set(r.ticker, r);
    }
    const last = deltas.at(-1)!;
    const rest = (await (await fetch(`${srv.url}/api/options/chain?underlying=GOOG&expiration=2015-12-24`)).json()) as ChainResponse;
    assert.equal(rest.at, last.at);
    assert.equal(rest.underlyingPrice, last.underlyingPrice);
    assert.deepEqual(rest.rows.map(withoutAge), [...book.values()].map(withoutAge));
    s.emit('options:unsubscribe', { underlying: 'GOOG', expiration: '2015-12-24' });
    await until('stream closed', () => srv.server.optionsHub.streamCount().chains === 0);
  });

  test('a jump backwards sends a fresh snapshot of the earlier time', async () => {
    const s = await client();
    const snap = next<ChainSnapshotMessage>(s, 'options:snapshot');
    s.emit('options:subscribe', { underlying: 'GOOG', expiration: '2015-12-31' });
    const first = await snap;
    const again = next<ChainSnapshotMessage>(s, 'options:snapshot');
    await control({ time: '10:00' });
    const fresh = await again;
    assert.equal(fresh.seq, 0);
    assert.ok(fresh.at < first.at, 'the snapshot describes the new (earlier) clock');
    assert.ok(fresh.rows.every((r) => r.quoteTs === null || r.quoteTs! <= fresh.at), 'no quote from the future');
    s.emit('options:unsubscribe', { underlying: 'GOOG', expiration: '2015-12-31' });
  });

  test('matrix: mark, change, P&L = (mark − entry) × 100 × qty and toTakeProfit = takeProfit − bid, in snapshot and deltas', async () => {
    const s = await client();
    const held = { ticker: 'O:GOOG151231C00750000', entryPrice: 9.5, quantity: 3, takeProfit: 11 };
    const watched = { ticker: 'O:GOOG151231P00740000' };
    const expired = { ticker: 'O:GOOG151218C00750000' };
    const deltas: MatrixDeltaMessage[] = [];
    s.on('matrix:delta', (d: MatrixDeltaMessage) => deltas.push(d));
    const snap = next<MatrixSnapshotMessage>(s, 'matrix:snapshot');
    s.emit('matrix:set', { entries: [held, watched, expired] });
    const first = await snap;
    assert.equal(first.seq, 0);
    assert.deepEqual(first.rows.map((r) => r.ticker), [held.ticker, watched.ticker, expired.ticker]);
    const check = (r: WireMatrixRow): void => {
      assert.equal(r.underlying, 'GOOG');
      assert.equal(r.source, 'recorded');
      assert.ok(r.bid !== null && r.ask !== null && r.mid !== null, 'the held contract is quoted');
      assert.equal(r.mark, r.mid);
      assert.ok(Math.abs(r.pnl! - (r.mark! - 9.5) * 100 * 3) < 0.01, `pnl ${r.pnl} for mark ${r.mark}`);
      assert.ok(Math.abs(r.toTakeProfit! - (11 - r.bid!)) < 1e-9, `toTakeProfit ${r.toTakeProfit} for bid ${r.bid}`);
      assert.equal(r.entryPrice, 9.5);
      assert.equal(r.quantity, 3);
      assert.ok(r.change !== null, 'change since the first quote of the session');
    };
    check(first.rows[0]!);
    const w = first.rows[1]!;
    assert.equal(w.pnl, null, 'not held: no P&L');
    assert.equal(w.toTakeProfit, null, 'no take-profit: no distance');
    // Expired on 2015-12-18, when GOOG closed at 739.31 (vendor daily bar): the 750 call settled worthless.
    const dec18 = readAggregates(stockDailyFile('GOOG')).find((d) => d.start === Date.parse('2015-12-18T00:00:00-05:00'))!;
    assert.ok(dec18.close < 750);
    assert.equal(first.rows[2]!.ivReason, 'expired');
    assert.equal(first.rows[2]!.expired, true);
    assert.equal(first.rows[2]!.settlement, 0);
    assert.equal(first.rows[2]!.mark, 0);

    await control({ state: 'play' });
    const hub = srv.server.optionsHub;
    for (let i = 0; i < 6; i++) {
      // One replay minute, then wait for the delta round it triggers (not a guessed sleep).
      const rounds = hub.counters.rounds;
      ticker.tick(1000);
      await until(`the delta round of replay minute ${i + 1}`, () => hub.counters.rounds > rounds);
    }
    await control({ state: 'pause' });
    await until('a matrix delta', () => deltas.length > 0);
    deltas.forEach((d, i) => assert.equal(d.seq, i + 1));
    for (const d of deltas) for (const r of d.rows) if (r.ticker === held.ticker) check(r);
    s.emit('matrix:set', { entries: [] });
  });

  test('matrix: a 0-DTE contract held through the 13:00 close shows its settlement and keeps its P&L', async () => {
    const s = await client();
    const held = { ticker: 'O:GOOG151224C00740000', entryPrice: 6.5, quantity: 2 };
    const otm = { ticker: 'O:GOOG151224C00760000', entryPrice: 0.4, quantity: 1 };
    await control({ time: '12:50' });
    let rows = new Map<string, WireMatrixRow>();
    s.on('matrix:snapshot', (m: MatrixSnapshotMessage) => (rows = new Map(m.rows.map((r) => [r.ticker, r]))));
    s.on('matrix:delta', (m: MatrixDeltaMessage) => m.rows.forEach((r) => rows.set(r.ticker, r)));
    s.emit('matrix:set', { entries: [held, otm] });
    await until('the matrix snapshot', () => rows.has(held.ticker));
    assert.ok(!rows.get(held.ticker)!.expired && rows.get(held.ticker)!.bid !== null, 'quoted before the close');
    // GOOG's close that day: the last regular-session minute before the 13:00 early close.
    const minutes = readAggregates(stockMinuteFile('2015-12-24'), 'GOOG').filter((m) => m.start < Date.parse('2015-12-24T13:00:00-05:00'));
    const close = minutes.at(-1)!.close;
    await control({ time: '13:10' });
    await until('the held row to expire', () => rows.get(held.ticker)?.expired === true && rows.get(otm.ticker)?.expired === true, 15_000);
    const r = rows.get(held.ticker)!;
    assert.equal(r.settlement, Math.round((close - 740) * 1e4) / 1e4);
    assert.equal(r.mark, r.settlement);
    assert.equal(r.pnl, Math.round((r.settlement! - 6.5) * 100 * 2 * 100) / 100);
    const o = rows.get(otm.ticker)!;
    assert.equal(o.settlement, 0, 'out of the money: worthless');
    assert.equal(o.pnl, -40);
    s.emit('matrix:set', { entries: [] });
    await control({ time: '11:00' });
  });

  test('bad messages get error_message naming the field; the connection stays up', async () => {
    const s = await client();
    const errors: ErrorMessage[] = [];
    s.on('error_message', (e: ErrorMessage) => errors.push(e));
    s.emit('options:subscribe', { underlying: 'GOOG' });
    s.emit('options:subscribe', { underlying: 'GOOG', expiration: '24/12/2015' });
    s.emit('options:subscribe', 'GOOG');
    s.emit('options:subscribe', { underlying: 'GOOG', expiration: '2015-12-31', strikesAroundAtm: 0 });
    s.emit('matrix:set', { entries: [{ ticker: 'GOOG' }] });
    s.emit('matrix:set', { entries: [{ ticker: 'O:GOOG151231C00750000', quantity: 0 }] });
    s.emit('options:unsubscribe', {});
    s.emit('options:subscribe', { underlying: 'XYZ', expiration: '2015-12-31' });
    s.emit('options:subscribe', { underlying: 'GOOG', expiration: '2015-12-25' });
    await until('nine errors', () => errors.length === 9);
    const messages = errors.map((e) => `${e.event} ${e.message}`);
    const expect = [
      /^options:subscribe expiration: is required/,
      /^options:subscribe expiration: must be a date/,
      /^options:subscribe message: /,
      /^options:subscribe strikesAroundAtm: must be at least 1/,
      /^matrix:set entries\.0\.ticker: must be an option ticker/,
      /^matrix:set entries\.0\.quantity: must be at least 1/,
      /^options:unsubscribe underlying: /,
    ];
    expect.forEach((re, i) => assert.match(messages[i]!, re));
    expect.forEach((re, i) => assert.equal(errors[i]!.code, 'INVALID_FIELD', messages[i]!));
    assert.deepEqual(errors.slice(0, expect.length).map((e) => e.field),
      ['expiration', 'expiration', 'message', 'strikesAroundAtm', 'entries.0.ticker', 'entries.0.quantity', 'underlying']);
    const notFound = errors.slice(expect.length);
    assert.deepEqual(notFound.map((e) => e.code), ['NOT_FOUND', 'NOT_FOUND'], 'no option data is a NOT_FOUND, not a bad message');
    assert.deepEqual(new Set(notFound.map((e) => e.field)), new Set(['underlying', 'expiration']));
    assert.ok(messages.some((m) => /^options:subscribe underlying: No option data for XYZ/.test(m)), messages.join('\n'));
    assert.ok(messages.some((m) => /^options:subscribe expiration: 2015-12-25 is not an open GOOG expiration/.test(m)), messages.join('\n'));
    assert.ok(s.connected);
    const snap = next<ChainSnapshotMessage>(s, 'options:snapshot');
    s.emit('options:subscribe', { underlying: 'GOOG', expiration: '2015-12-31' });
    assert.equal((await snap).expiration, '2015-12-31');
  });
});

describe('Massive: chain snapshot over REST, live quotes over the options WebSocket', () => {
  let fake: FakeMassive;
  let server: OptdeskServer;
  let url: string;
  let socket: Socket;
  const now = Date.now();
  const expiration = modelExpirations(nyDate(now), 3).find((e) => yearsToExpiry(now, e) > 0)!;
  const strikes = Array.from({ length: 21 }, (_, i) => 400 + i * 5); // 400 … 500, ATM 450
  const contracts: FakeOptionContract[] = strikes.flatMap((strike) =>
    (['call', 'put'] as const).map((type) => ({
      ticker: formatOptionTicker({ underlying: 'SPY', expiration, right: type, strike }),
      underlying: 'SPY',
      type,
      strike,
      expiration,
      ...(strike === 500 && type === 'call' ? {} : { bid: 2, bidSize: 10 }),
      ask: 2.2,
      askSize: 10,
      quoteTs: now - 60_000,
      openInterest: 100,
      underlyingPrice: 450.3,
    })),
  );

  before(async () => {
    fake = await startFakeMassive();
    fake.setOptionContracts(contracts);
    const feed = massiveFeedFor(fake, { restRetry: { initialMs: 20, maxMs: 100, maxAttempts: 2 } });
    server = createServer({ host: '127.0.0.1', port: 0, feed, options: { throttleMs: 50 } });
    ({ url } = await server.listen());
    socket = await connect(url);
  });
  after(async () => {
    socket?.close();
    await server?.close();
    await fake?.close();
  });

  test('REST: expirations and the chain come from Massive, missing bid stays null', async () => {
    const exps = (await (await fetch(`${url}/api/options/expirations?underlying=SPY`)).json()) as { source: string; underlyingPrice: number; expirations: Array<{ expiration: string; contracts: number; atmStrike: number }> };
    assert.equal(exps.source, 'massive');
    assert.equal(exps.underlyingPrice, 450.3, 'no bars: the snapshot’s underlying price');
    assert.deepEqual(exps.expirations.map((e) => [e.expiration, e.contracts, e.atmStrike]), [[expiration, 42, 450]]);
    const chain = (await (await fetch(`${url}/api/options/chain?underlying=SPY&expiration=${expiration}`)).json()) as ChainResponse;
    assert.equal(chain.source, 'massive');
    assert.equal(chain.rows.length, 42);
    const noBid = chain.rows.find((r) => r.strike === 500 && r.right === 'call')!;
    assert.equal(noBid.bid, null);
    assert.equal(noBid.ivReason, 'no_bid');
    assert.equal(chain.rows[0]!.openInterest, 100);
  });

  test('a chain stream subscribes just its visible strikes; a pushed quote arrives as a delta; unsubscribe releases them', async () => {
    const snap = next<ChainSnapshotMessage>(socket, 'options:snapshot');
    socket.emit('options:subscribe', { underlying: 'SPY', expiration, strikesAroundAtm: 2 });
    const first = await snap;
    assert.equal(first.source, 'massive');
    assert.equal(first.rows.length, 42);
    const visible = strikes.filter((k) => k >= 440 && k <= 460).flatMap((strike) =>
      (['call', 'put'] as const).map((right) => `Q.${formatOptionTicker({ underlying: 'SPY', expiration, right, strike })}`),
    );
    const quoteSubs = (): string[] => [...fake.subscriptions('options')].filter((p) => p.startsWith('Q.'));
    await until('visible contracts subscribed', () => quoteSubs().length === visible.length);
    assert.deepEqual(quoteSubs().sort(), visible.sort(), 'only the 5 strikes around ATM, both rights');

    const atmCall = formatOptionTicker({ underlying: 'SPY', expiration, right: 'call', strike: 450 });
    const delta = next<ChainDeltaMessage>(socket, 'options:delta', (d) => d.rows.some((r) => r.ticker === atmCall));
    assert.equal(fake.pushQuote({ sym: atmCall, t: Date.now(), bp: 3.1, bs: 7, ap: 3.3, as: 9 }), 1);
    const d = await delta;
    assert.equal(d.seq, 1);
    const row = d.rows.find((r) => r.ticker === atmCall)!;
    assert.deepEqual([row.bid, row.ask, row.bidSize, row.askSize], [3.1, 3.3, 7, 9]);
    assert.ok(row.iv !== null && row.iv > 0);

    // A contract outside the window is not streamed: its quote never reaches the server.
    const far = formatOptionTicker({ underlying: 'SPY', expiration, right: 'call', strike: 400 });
    assert.equal(fake.pushQuote({ sym: far, t: Date.now(), bp: 50, ap: 51 }), 0);

    socket.emit('options:unsubscribe', { underlying: 'SPY', expiration });
    await until('live contracts released', () => fake.subscriptions('options').size === 0);
    assert.deepEqual(server.chains.massive?.liveContracts(), []);
  });
});
