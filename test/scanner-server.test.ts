/**
 * The scanner, checklist and covered-call screener through the running server on the
 * replay clock: REST answers (and 400s naming the bad field), and the scan stream's
 * snapshot + seq'd deltas as the replay moves, re-snapshotted on a jump.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'socket.io-client';
import { ManualTicker } from '../src/feeds/replay/index.js';
import { nyTimeToMs } from '../src/calendar/index.js';
import { SymbolState } from '../src/indicators/index.js';
import { hubReader } from '../src/hub/hub-reader.js';
import type { ChecklistResponse, CoveredCallsResponse, ScanDeltaMessage, ScanResponse, ScanSnapshotMessage } from '../src/wire/scanner-protocol.js';
import type { ErrorMessage } from '../src/wire/protocol.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { connect, next } from './helpers/socket.js';
import type { ErrorBody } from '../src/core/errors.js';

/** The API's error body: a stable code, the field when one is to blame, and the sentence. */
type ErrorReply = { error: ErrorBody };

async function json<T>(res: Response): Promise<{ status: number; body: T }> {
  return { status: res.status, body: (await res.json()) as T };
}

describe('scanner on the 2013-10-10 replay', () => {
  let srv: TestServer;
  let ticker: ManualTicker;
  const sockets: Socket[] = [];
  const control = async (body: Record<string, unknown>): Promise<void> => {
    const res = await fetch(`${srv.url}/api/replay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(res.status, 200, await res.text());
  };
  before(async () => {
    ticker = new ManualTicker();
    srv = await startTestServer({ session: '2013-10-10', time: '10:30', speed: 60, state: 'pause', ticker });
  });
  after(async () => {
    for (const s of sockets) s.close();
    await srv.close();
  });

  test('GET /api/scan?preset=gappers answers at the replay clock with the same fields a rebuild from the hub\'s bars gives', async () => {
    const { status, body } = await json<ScanResponse>(await fetch(`${srv.url}/api/scan?preset=gappers`));
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.at, nyTimeToMs('2013-10-10', '10:30'));
    assert.equal(body.preset, 'gappers');
    assert.deepEqual(body.rows.map((r) => r.symbol).sort(), ['AIG', 'BAC', 'SPY']);
    const reader = hubReader(srv.server.hub);
    for (const row of body.rows) {
      const f = SymbolState.fromReader(reader, row.symbol, body.at).fields(body.at);
      assert.ok(Math.abs((row.gap_pct as number) - f.gapPct!) < 1e-6, `${row.symbol} gap`);
      assert.equal(row.last, f.last);
      assert.match(String(row.grade_long), /^(A\+|A|B|C|D|F)$/);
    }
  });

  test('POST /api/scan with a custom all/any filter; unknown fields, operators and keys are 400s naming them', async () => {
    const post = (body: unknown) => fetch(`${srv.url}/api/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const ok = await json<ScanResponse>(await post({ universe: 'SPY,AIG', filter: { any: [{ field: 'rel_volume', op: '>=', value: 2 }, { field: 'trend', op: '==', value: 'up' }] }, sort: { field: 'last', dir: 'asc' } }));
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body.rows.map((r) => r.symbol), ['AIG']);
    const bad = async (body: unknown, pattern: RegExp) => {
      const r = await json<ErrorReply>(await post(body));
      assert.equal(r.status, 400);
      assert.match(r.body.error.message, pattern);
      assert.equal(r.body.error.code, 'INVALID_FIELD');
      // The field the sentence starts with, e.g. "filter.all.0.field" for /^filter\.all\.0\.field: /.
      const named = /^\^([\w\\.]+): /.exec(pattern.source)?.[1]?.replace(/\\\./g, '.');
      if (named) assert.equal(r.body.error.field, named);
    };
    await bad({ filter: { all: [{ field: 'gapp', op: '>', value: 1 }] } }, /^filter\.all\.0\.field: unknown field "gapp"/);
    await bad({ filter: { all: [{ field: 'gap_pct', op: '=>', value: 1 }] } }, /^filter\.all\.0\.op: "=>" is not an operator/);
    await bad({ preset: 'gappers', colour: 'red' }, /colour/);
    await bad({ preset: 'nope' }, /^preset: unknown preset "nope"/);
    await bad({ preset: 'gappers', limit: 0 }, /^limit: must be a whole number/);
    const q = await json<{ error: string }>(await fetch(`${srv.url}/api/scan?preset=gappers&sort=x`));
    assert.equal(q.status, 400);
  });

  test('GET /api/checklist grades AIG long with 8 points; the same minute gives the same answer; bad direction is a 400', async () => {
    const a = await json<ChecklistResponse>(await fetch(`${srv.url}/api/checklist?symbol=AIG&direction=long`));
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.equal(a.body.points.length, 8);
    assert.equal(a.body.at, '2013-10-10T10:30:00-04:00');
    const b = await json<ChecklistResponse>(await fetch(`${srv.url}/api/checklist?symbol=aig&direction=long`));
    assert.deepEqual(b.body, a.body);
    // AIG has no recorded chain that day: the model prices are not used as market quotes.
    assert.match(a.body.points.find((p) => p.name === 'option_liquidity')!.reason, /only model prices|no /);
    const bad = await json<ErrorReply>(await fetch(`${srv.url}/api/checklist?symbol=AIG&direction=up`));
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /direction: must be long or short/);
    assert.deepEqual([bad.body.error.code, bad.body.error.field], ['INVALID_FIELD', 'direction']);
  });

  test('GET /api/indicators: session levels and the VWAP at the last bar equal the scanner\'s fields; the same levels on 5m and 1h', async () => {
    type Ind = { vwap: Array<{ time: number; value: number }>; sessions: Array<Record<string, number | string | null>> };
    const five = await json<Ind>(await fetch(`${srv.url}/api/indicators?symbol=AIG&tf=5m`));
    const hour = await json<Ind>(await fetch(`${srv.url}/api/indicators?symbol=AIG&tf=1h`));
    assert.equal(five.status, 200, JSON.stringify(five.body));
    const at = nyTimeToMs('2013-10-10', '10:30');
    const f = SymbolState.fromReader(hubReader(srv.server.hub), 'AIG', at).fields(at);
    const today = five.body.sessions.at(-1)!;
    assert.equal(today.date, '2013-10-10');
    assert.deepEqual([today.priorHigh, today.priorLow, today.priorClose, today.orHigh, today.orLow, today.premarketHigh, today.premarketLow],
      [f.priorHigh, f.priorLow, f.prevClose, f.orHigh, f.orLow, f.premarketHigh, f.premarketLow]);
    assert.ok(Math.abs(five.body.vwap.at(-1)!.value - f.vwap!) < 1e-9);
    const strip = (x: Record<string, unknown>) => Object.fromEntries(Object.entries(x).filter(([k]) => k !== 'from' && k !== 'to'));
    assert.deepEqual(hour.body.sessions.map(strip), five.body.sessions.map(strip));
    const bad = await json<ErrorReply>(await fetch(`${srv.url}/api/indicators?symbol=AIG&tf=7m`));
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /^tf: must be one of/);
    assert.deepEqual([bad.body.error.code, bad.body.error.field], ['INVALID_FIELD', 'tf']);
  });

  test('scan:subscribe → snapshot (seq 0) then deltas seq + 1 as replay minutes pass; a bad filter gets an error_message naming it', async () => {
    const s = await connect(srv.url);
    sockets.push(s);
    const snap = next<ScanSnapshotMessage>(s, 'scan:snapshot');
    s.emit('scan:subscribe', { id: 'g', preset: 'high-rvol', universe: 'all' });
    const first = await snap;
    assert.equal(first.seq, 0);
    assert.equal(first.id, 'g');
    const book = new Map(first.rows.map((r) => [r.symbol, r]));
    await control({ state: 'play' });
    const deltas: ScanDeltaMessage[] = [];
    for (let i = 1; i <= 3; i++) {
      const d = next<ScanDeltaMessage>(s, 'scan:delta', (m) => m.seq === i, 60_000);
      ticker.tick(1000); // one replay minute at 60×
      deltas.push(await d);
    }
    await control({ state: 'pause' });
    assert.deepEqual(deltas.map((d) => d.seq), [1, 2, 3]);
    for (const d of deltas) {
      for (const r of d.upserts) book.set(r.symbol, r);
      for (const sym of d.removed) book.delete(sym);
    }
    const last = deltas.at(-1)!;
    const rest = await json<ScanResponse>(await fetch(`${srv.url}/api/scan?preset=high-rvol`));
    assert.equal(rest.body.at, last.at);
    assert.deepEqual(last.order.map((sym) => book.get(sym)), rest.body.rows, 'snapshot + deltas = the REST answer');
    const err = next<ErrorMessage>(s, 'error_message', (m) => m.event === 'scan:subscribe');
    s.emit('scan:subscribe', { id: 'x', filter: { all: [{ field: 'nope', op: '>', value: 1 }] } });
    const e = await err;
    assert.match(e.message, /filter\.all\.0\.field: unknown field "nope"/);
    assert.deepEqual([e.code, e.field], ['INVALID_FIELD', 'filter.all.0.field']);
  });
});

describe('covered-call screener on the GOOG 2015-12-24 replay', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ session: '2015-12-24', time: '09:45', speed: 60, state: 'pause', ticker: new ManualTicker() });
  });
  after(() => srv.close());

  test('GET /api/screener/covered-calls: the 0-DTE 750 call at 09:45 with recorded quotes; bad settings are 400s naming them', async () => {
    const r = await json<CoveredCallsResponse>(await fetch(`${srv.url}/api/screener/covered-calls?underlying=GOOG`));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.expiration, '2015-12-24');
    assert.equal(r.body.source, 'recorded');
    assert.deepEqual(r.body.rows.map((x) => x.ticker), ['O:GOOG151224C00750000']);
    const wide = await json<CoveredCallsResponse>(await fetch(`${srv.url}/api/screener/covered-calls?underlying=GOOG&deltaHi=0.6&rank=pop`));
    assert.ok(wide.body.rows.length >= 2);
    for (let i = 1; i < wide.body.rows.length; i++) assert.ok(wide.body.rows[i - 1]!.pop >= wide.body.rows[i]!.pop);
    const bad = await json<ErrorReply>(await fetch(`${srv.url}/api/screener/covered-calls?underlying=GOOG&deltaLo=0.5&deltaHi=0.2`));
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /^deltaHi: /);
    assert.deepEqual([bad.body.error.code, bad.body.error.field], ['INVALID_FIELD', 'deltaHi']);
    const unknown = await json<ErrorReply>(await fetch(`${srv.url}/api/screener/covered-calls?underlying=GOOG&colour=1`));
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error.message, /^colour: is not a screener setting/);
    assert.deepEqual([unknown.body.error.code, unknown.body.error.field], ['INVALID_FIELD', 'colour']);
  });

  test('GET /api/checklist for GOOG uses the recorded 0-DTE chain (ATM call) and a named contract', async () => {
    const r = await json<ChecklistResponse>(await fetch(`${srv.url}/api/checklist?symbol=GOOG&direction=long`));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.match(r.body.contract!, /^O:GOOG151224C/);
    const named = await json<ChecklistResponse>(await fetch(`${srv.url}/api/checklist?symbol=GOOG&direction=short&contract=O:GOOG151231P00745000`));
    assert.equal(named.body.contract, 'O:GOOG151231P00745000');
    assert.equal((named.body.points.find((p) => p.name === 'time_rules')!.value as { dte: number }).dte, 7);
  });
});
