/**
 * The scanner's live source against a local fake of Massive's full-market snapshot
 * endpoint, through the official client: the documented shape becomes scan rows, each poll
 * feeds one minute per ticker, malformed tickers are skipped, HTTP errors are sentences.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeSnapshotServer, type FakeSnapshotServer, type SnapshotTickerWire } from './fakes/massive-snapshot-server.js';
import { MassiveSnapshotSource, Scanner, applySpec, presetNamed } from '../src/scanner/index.js';
import { MemoryBarReader } from '../src/indicators/index.js';
import { nyTimeToMs } from '../src/calendar/index.js';

let fake: FakeSnapshotServer;
before(async () => {
  fake = await startFakeSnapshotServer('k1');
});
after(() => fake.close());

const t0 = nyTimeToMs('2026-03-10', '10:00');
function wire(ticker: string, minute: number, close: number, open = 100, prevClose = 98): SnapshotTickerWire {
  return {
    ticker,
    todaysChangePerc: ((close - prevClose) / prevClose) * 100,
    day: { o: open, h: Math.max(open, close), l: Math.min(open, close), c: close, v: 1_000_000 + minute, vw: (open + close) / 2 },
    min: { av: 1_000_000 + minute, t: t0 + minute * 60_000, n: 10, o: close, h: close + 0.1, l: close - 0.1, c: close, v: 1000, vw: close },
    prevDay: { o: 97, h: 99, l: 96, c: prevClose, v: 900_000, vw: 98 },
    lastTrade: { c: [], i: '1', p: close, s: 100, t: (t0 + minute * 60_000) * 1e6, x: 4 },
  };
}

test('a snapshot poll becomes scan rows: gap and change from day/prevDay, VWAP from the day, one minute fed per ticker', async () => {
  const source = new MassiveSnapshotSource({ apiKey: 'k1', baseUrl: fake.url });
  fake.respond({ tickers: [wire('AAA', 0, 103, 102), wire('BBB', 0, 98.5, 98.2), { ticker: 'BAD', day: 'nope' }] });
  const first = await source.fetch();
  assert.equal(first.skipped, 1);
  assert.equal(fake.requests.at(-1)!.path, '/v2/snapshot/locale/us/markets/stocks/tickers');
  const scanner = new Scanner({ reader: new MemoryBarReader() });
  let rows = scanner.applySnapshot(first.rows, t0 + 60_000);
  const aaa = rows.find((r) => r.symbol === 'AAA')!;
  assert.equal(aaa.last, 103);
  assert.equal(aaa.prevClose, 98);
  assert.ok(Math.abs(aaa.gapPct! - ((102 - 98) / 98) * 100) < 1e-12);
  assert.ok(Math.abs(aaa.changePct! - ((103 - 98) / 98) * 100) < 1e-12);
  assert.equal(aaa.vwap, (102 + 103) / 2);
  assert.deepEqual(applySpec(rows, presetNamed('gappers')).map((r) => r.symbol), ['AAA']);
  // Next poll: one more minute each; the same minute again is a revision, not a new bar.
  fake.respond({ tickers: [wire('AAA', 1, 104, 102), wire('BBB', 1, 97, 98.2)] });
  rows = scanner.applySnapshot((await source.fetch()).rows, t0 + 2 * 60_000);
  assert.equal(rows.find((r) => r.symbol === 'AAA')!.last, 104);
  const fed = scanner.counters.minutesFed;
  fake.respond({ tickers: [wire('AAA', 1, 104.5, 102)] });
  rows = scanner.applySnapshot((await source.fetch()).rows, t0 + 2 * 60_000 + 30_000);
  assert.equal(rows.find((r) => r.symbol === 'AAA')!.last, 104.5);
  assert.equal(scanner.counters.minutesFed, fed + 1);
});

test('tickers are sent as one comma-separated parameter; HTTP errors and a bad key are sentences', async () => {
  const source = new MassiveSnapshotSource({ apiKey: 'k1', baseUrl: fake.url });
  fake.respond({ tickers: [wire('AAA', 0, 103), wire('BBB', 0, 99), wire('CCC', 0, 99)] });
  const some = await source.fetch(['AAA', 'CCC']);
  assert.equal(fake.requests.at(-1)!.query.get('tickers'), 'AAA,CCC');
  assert.deepEqual(some.rows.map((r) => r.symbol), ['AAA', 'CCC']);
  fake.respond({ status: 403, body: { status: 'NOT_AUTHORIZED', message: 'You are not entitled to this data.' } });
  await assert.rejects(source.fetch(), /Massive refused the snapshot \(403\): You are not entitled to this data\./);
  await assert.rejects(new MassiveSnapshotSource({ apiKey: 'wrong', baseUrl: fake.url }).fetch(), /Massive refused the snapshot \(401\): Unknown API Key/);
  fake.respond({ status: 500, body: { status: 'ERROR' } });
  await assert.rejects(source.fetch(), /HTTP 500/);
});

test('before the open Massive zeroes the day bar: no day, not a $0 open', async () => {
  const source = new MassiveSnapshotSource({ apiKey: 'k1', baseUrl: fake.url });
  fake.respond({ tickers: [{ ...wire('AAA', 0, 103), day: { o: 0, h: 0, l: 0, c: 0, v: 0, vw: 0 } }] });
  const { rows } = await source.fetch();
  assert.equal(rows[0]!.day, null);
});

test('live server: scanning `all` uses the full-market snapshot for candidates; without minute history a candidate keeps its snapshot fields', async () => {
  const { startFakeMassive } = await import('./fakes/massive-server.js');
  const { massiveFeedFor } = await import('./helpers/massive.js');
  const { createServer } = await import('../src/server/app.js');
  const massive = await startFakeMassive();
  const server = createServer({ host: '127.0.0.1', port: 0, feed: massiveFeedFor(massive, { restRetry: { initialMs: 20, maxMs: 50, maxAttempts: 1 } }), scanSnapshot: { apiKey: 'k1', baseUrl: fake.url } });
  try {
    const { url } = await server.listen();
    // 30 tickers: every third gapped 3% up; the rest barely moved.
    const now = Date.now();
    const t = Math.floor(now / 60_000) * 60_000 - 60_000;
    fake.respond({
      tickers: Array.from({ length: 30 }, (_, i) => {
        const w = wire(`T${String(i).padStart(2, '0')}`, 0, i % 3 === 0 ? 103.2 : 98.1, i % 3 === 0 ? 101 : 98.05);
        return { ...w, min: { ...w.min!, t } };
      }),
    });
    const before = fake.requests.length;
    const res = await fetch(`${url}/api/scan?preset=gappers`);
    const body = (await res.json()) as { universe: number; rows: Array<{ symbol: string; gap_pct: number }> };
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.universe, 30);
    assert.deepEqual(body.rows.map((r) => r.symbol), ['T00', 'T03', 'T06', 'T09', 'T12', 'T15', 'T18', 'T21', 'T24', 'T27']);
    for (const r of body.rows) assert.ok(Math.abs(r.gap_pct - ((101 - 98) / 98) * 100) < 1e-9);
    assert.equal(fake.requests.length, before + 1, 'one snapshot request for the whole market');
    // A second scan within 15 s reuses the snapshot.
    await (await fetch(`${url}/api/scan?preset=high-rvol`)).json();
    assert.equal(fake.requests.length, before + 1);
  } finally {
    await server.close();
    await massive.close();
  }
});
