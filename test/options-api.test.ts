/**
 * The options REST API over a real server on the replay feed (clock moved by hand):
 * expirations and chains from the recorded GOOG 2015-12-24 quotes (checked against the
 * flat file itself), the early close removing the 0-DTE expiration, model chains for a
 * session without recorded quotes, 404/400 sentences, and the persisted matrix.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ManualTicker } from '../src/feeds/replay/index.js';
import { nyTimeToMs } from '../src/calendar/index.js';
import type { ChainResponse, ExpirationsResponse, WireOptionRow } from '../src/wire/options-protocol.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { DATA_DIR } from './helpers/data.js';

let srv: TestServer;

before(async () => {
  srv = await startTestServer({ session: '2015-12-24', time: '11:00', state: 'pause', ticker: new ManualTicker() });
});
after(async () => {
  await srv.close();
});

/** The API's error body: a stable code, the field when one is to blame, and the sentence. */
type ErrorReply = { error: { code: string; field?: string; message: string } };

async function get<T>(pathAndQuery: string, status = 200): Promise<T> {
  const res = await fetch(`${srv.url}${pathAndQuery}`);
  const body = (await res.json()) as T;
  assert.equal(res.status, status, JSON.stringify(body));
  return body;
}

async function control(body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${srv.url}/api/replay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200, await res.text());
}

/** The flat file read independently of the production reader: ticker → [{ts, bid, ask}] in file order. */
function flatFileQuotes(): Map<string, Array<{ ts: number; bid: number | null; ask: number | null }>> {
  const file = path.join(DATA_DIR, 'flatfiles/us_options_opra/quotes_v1/2015/12/2015-12-24.csv.gz');
  const out = new Map<string, Array<{ ts: number; bid: number | null; ask: number | null }>>();
  for (const line of gunzipSync(readFileSync(file)).toString('utf8').split(/\r?\n/).slice(1)) {
    if (!line) continue;
    const [ticker, , ask, , , bid, , , ts] = line.split(',');
    let list = out.get(ticker!);
    if (!list) out.set(ticker!, (list = []));
    list.push({ ts: Number(ts!.slice(0, -6)), bid: bid === '' ? null : Number(bid), ask: ask === '' ? null : Number(ask) });
  }
  return out;
}

function lastAtOrBefore(list: Array<{ ts: number; bid: number | null; ask: number | null }>, at: number) {
  let hit: (typeof list)[number] | undefined;
  for (const q of list) if (q.ts <= at && (!hit || q.ts >= hit.ts)) hit = q;
  return hit;
}

const row = (chain: ChainResponse, strike: number, right: 'call' | 'put'): WireOptionRow => {
  const r = chain.rows.find((x) => x.strike === strike && x.right === right);
  assert.ok(r, `${strike} ${right} is listed`);
  return r;
};

test('replay 2015-12-24 11:00: twelve GOOG expirations, the first one 0-DTE, priced against the chart price', async () => {
  const res = await get<ExpirationsResponse>('/api/options/expirations?underlying=goog');
  assert.equal(res.underlying, 'GOOG');
  assert.equal(res.source, 'recorded');
  assert.equal(res.at, nyTimeToMs('2015-12-24', '11:00'));
  assert.equal(res.expirations.length, 12);
  assert.deepEqual(res.expirations[0], { ...res.expirations[0], expiration: '2015-12-24', dte: 0 });
  assert.equal(res.expirations[1]?.expiration, '2015-12-31');
  assert.equal(res.expirations[1]?.dte, 7);
  assert.ok(res.underlyingPrice > 700 && res.underlyingPrice < 800, `GOOG price ${res.underlyingPrice}`);
  // The chart side: the last 1-minute close at or before the clock.
  const bars = await get<{ bars: Array<{ start: number; close: number }> }>('/api/bars?symbol=GOOG&tf=1m&extended=true');
  assert.equal(res.underlyingPrice, bars.bars.at(-1)?.close);
  assert.ok(res.expirations.every((e) => e.contracts > 0 && e.atmStrike > 0));
});

test('the 0-DTE chain: sensible IVs, greeks with the right signs, missing bids null (never 0)', async () => {
  const chain = await get<ChainResponse>('/api/options/chain?underlying=GOOG&expiration=2015-12-24');
  assert.equal(chain.source, 'recorded');
  assert.equal(chain.dte, 0);
  assert.equal(chain.atmStrike, 750);
  const atmCall = row(chain, 750, 'call');
  assert.ok(atmCall.iv !== null && atmCall.iv > 0.1 && atmCall.iv < 0.6, `ATM 750 call IV ${atmCall.iv}`);
  assert.equal(atmCall.model, false);
  assert.ok(atmCall.openInterest !== null && atmCall.openInterest > 0, 'open interest from the reference file');
  for (const r of chain.rows) {
    if (r.iv === null) {
      assert.ok(r.ivReason, `${r.ticker} says why it has no IV`);
      assert.equal(r.delta, null);
      continue;
    }
    if (r.right === 'call') assert.ok(r.delta! > 0 && r.delta! <= 1, `${r.ticker} call delta ${r.delta}`);
    else assert.ok(r.delta! < 0 && r.delta! >= -1, `${r.ticker} put delta ${r.delta}`);
    assert.ok(r.gamma! >= 0, `${r.ticker} gamma ${r.gamma}`);
    assert.ok(r.vega! >= 0, `${r.ticker} vega ${r.vega}`);
    assert.ok(r.theta! <= 0, `${r.ticker} theta ${r.theta}`);
  }
  const noBid = chain.rows.filter((r) => r.bid === null && r.ask !== null);
  assert.ok(noBid.length > 0, 'far OTM contracts have no bid');
  assert.ok(noBid.every((r) => r.mid === null && r.ivReason === 'no_bid'));
  assert.ok(chain.rows.every((r) => r.bid !== 0 && r.ask !== 0), 'a missing side is null, not 0');
  // Sorted by strike, call before put.
  for (let i = 1; i < chain.rows.length; i++) {
    const a = chain.rows[i - 1]!;
    const b = chain.rows[i]!;
    assert.ok(a.strike < b.strike || (a.strike === b.strike && a.right === 'call' && b.right === 'put'));
  }
  assert.ok(chain.rows.every((r) => r.quoteAgeMs === null || (r.quoteAgeMs >= 0 && r.quoteTs! <= chain.at)), 'no quote from the future');
});

test('moving the clock to 12:30 changes the quotes to the flat file’s last quote at or before 12:30', async () => {
  const before1100 = await get<ChainResponse>('/api/options/chain?underlying=GOOG&expiration=2015-12-24');
  await control({ time: '12:30' });
  const at = nyTimeToMs('2015-12-24', '12:30');
  const chain = await get<ChainResponse>('/api/options/chain?underlying=GOOG&expiration=2015-12-24');
  assert.equal(chain.at, at);
  const changed = chain.rows.filter((r) => {
    const old = before1100.rows.find((o) => o.ticker === r.ticker);
    return old && (old.bid !== r.bid || old.ask !== r.ask);
  });
  assert.ok(changed.length > 10, `quotes changed between 11:00 and 12:30 (${changed.length} rows)`);
  const file = flatFileQuotes();
  const checked = ['O:GOOG151224C00750000', 'O:GOOG151224P00750000', 'O:GOOG151224C00745000', 'O:GOOG151224P00760000', 'O:GOOG151224C00800000'];
  for (const ticker of checked) {
    const expected = lastAtOrBefore(file.get(ticker) ?? [], at);
    const got = chain.rows.find((r) => r.ticker === ticker);
    assert.ok(expected && got, ticker);
    assert.equal(got.bid, expected.bid, `${ticker} bid`);
    assert.equal(got.ask, expected.ask, `${ticker} ask`);
    assert.equal(got.quoteTs, expected.ts, `${ticker} quote time`);
  }
});

test('after the 13:00 early close the 0-DTE expiration is gone, and asking for it is a 404 listing the open ones', async () => {
  await control({ time: '13:05' });
  const res = await get<ExpirationsResponse>('/api/options/expirations?underlying=GOOG');
  assert.equal(res.expirations.length, 11);
  assert.equal(res.expirations[0]?.expiration, '2015-12-31');
  const gone = await get<ErrorReply>('/api/options/chain?underlying=GOOG&expiration=2015-12-24', 404);
  assert.match(gone.error.message, /^expiration: 2015-12-24 is not an open GOOG expiration/);
  assert.match(gone.error.message, /2015-12-31/);
  assert.deepEqual([gone.error.code, gone.error.field], ['NOT_FOUND', 'expiration']);
});

test('unknown underlying or expiration: 404 with a sentence; malformed input: 400 naming the field', async () => {
  const unknown = await get<ErrorReply>('/api/options/expirations?underlying=XYZ', 404);
  assert.match(unknown.error.message, /^underlying: No option data for XYZ: /);
  assert.deepEqual([unknown.error.code, unknown.error.field], ['NOT_FOUND', 'underlying']);
  const unknownChain = await get<ErrorReply>('/api/options/chain?underlying=XYZ&expiration=2016-01-15', 404);
  assert.match(unknownChain.error.message, /No option data for XYZ/);
  assert.equal(unknownChain.error.code, 'NOT_FOUND');
  const noExp = await get<ErrorReply>('/api/options/chain?underlying=GOOG&expiration=2016-01-16', 404);
  assert.match(noExp.error.message, /^expiration: 2016-01-16 is not an open GOOG expiration .*; open: 2015-12-31, /);
  const noUnderlying = await get<ErrorReply>('/api/options/expirations', 400);
  assert.match(noUnderlying.error.message, /^underlying: /);
  assert.deepEqual([noUnderlying.error.code, noUnderlying.error.field], ['INVALID_FIELD', 'underlying']);
  const soon = await get<ErrorReply>('/api/options/chain?underlying=GOOG&expiration=soon', 400);
  assert.match(soon.error.message, /^expiration: must be a date/);
  assert.deepEqual([soon.error.code, soon.error.field], ['INVALID_FIELD', 'expiration']);
  assert.match((await get<ErrorReply>('/api/options/chain?underlying=GOOG', 400)).error.message, /^expiration: /);
});

test('the matrix is persisted in the store settings; bad entries are 400s naming the field', async () => {
  assert.deepEqual(await get('/api/matrix'), { entries: [] });
  const entries = [{ ticker: 'o:goog151231c00750000', entryPrice: 9.5, quantity: 2, takeProfit: 10.5 }, { ticker: 'O:GOOG151231P00740000' }];
  const put = async (body: unknown): Promise<Response> =>
    fetch(`${srv.url}/api/matrix`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const ok = await put({ entries });
  assert.equal(ok.status, 200);
  const expected = { entries: [{ ...entries[0], ticker: 'O:GOOG151231C00750000' }, entries[1]] };
  assert.deepEqual(await ok.json(), expected);
  assert.deepEqual(await get('/api/matrix'), expected);
  assert.deepEqual(srv.server.store.setting('matrix'), expected.entries);

  const bad = async (body: unknown, pattern: RegExp, field: string): Promise<void> => {
    const res = await put(body);
    assert.equal(res.status, 400);
    const { error } = (await res.json()) as ErrorReply;
    assert.match(error.message, pattern);
    assert.deepEqual([error.code, error.field], ['INVALID_FIELD', field]);
  };
  await bad({ entries: [{ ticker: 'GOOG' }] }, /^entries\.0\.ticker: must be an option ticker/, 'entries.0.ticker');
  await bad({ entries: [{ ticker: 'O:GOOG151331C00750000' }] }, /^entries\.0\.ticker: has an expiration that is not a calendar date/, 'entries.0.ticker');
  await bad({ entries: [{ ticker: 'O:GOOG151231C00750000', quantity: 1.5 }] }, /^entries\.0\.quantity: must be a whole number/, 'entries.0.quantity');
  await bad({ entries: [{ ticker: 'O:GOOG151231C00750000', entryPrice: -1 }] }, /^entries\.0\.entryPrice: must be above 0/, 'entries.0.entryPrice');
  await bad({ entries: [{ ticker: 'O:GOOG151231C00750000' }, { ticker: 'O:GOOG151231C00750000' }] }, /^entries\.1\.ticker: .* already in the matrix/, 'entries.1.ticker');
  await bad({}, /^entries: /, 'entries');
  assert.deepEqual(await get('/api/matrix'), expected, 'a rejected PUT changes nothing');
});

test('replay 2013-10-10 (no recorded option quotes): SPY chain from the model, every row model:true', async () => {
  await control({ session: '2013-10-10', time: '11:00' });
  const exps = await get<ExpirationsResponse>('/api/options/expirations?underlying=SPY');
  assert.equal(exps.source, 'model');
  assert.deepEqual(exps.expirations.map((e) => e.expiration), ['2013-10-11', '2013-10-18', '2013-10-25', '2013-11-01']);
  assert.equal(exps.expirations[0]?.dte, 1);
  const chain = await get<ChainResponse>(`/api/options/chain?underlying=SPY&expiration=2013-10-18`);
  assert.equal(chain.source, 'model');
  assert.ok(chain.rows.length > 20);
  assert.ok(chain.rows.every((r) => r.model === true), 'every row is flagged model');
  assert.match(chain.note ?? '', /MODEL/);
  const atm = row(chain, chain.atmStrike!, 'call');
  assert.ok(atm.iv !== null && atm.iv > 0.03 && atm.iv < 1, `model ATM IV ${atm.iv}`);
  // GOOG has no bars and no quotes in this session.
  assert.match((await get<ErrorReply>('/api/options/expirations?underlying=GOOG', 404)).error.message, /No option data for GOOG/);
});

test('a MODEL chain prints the σ of its note as every row\'s IV, with greeks at that σ', async () => {
  await control({ session: '2013-10-10', time: '11:00' });
  for (const expiration of ['2013-10-11', '2013-11-01']) {
    const chain = await get<ChainResponse>(`/api/options/chain?underlying=SPY&expiration=${expiration}`);
    const sigma = /σ (\d+\.\d)%/.exec(chain.note ?? '')?.[1];
    assert.ok(sigma, `the note names σ: ${chain.note}`);
    for (const r of chain.rows) {
      assert.ok(r.iv !== null, `${r.ticker} has an IV (even without a bid)`);
      assert.equal((r.iv * 100).toFixed(1), sigma, `${r.ticker} IV ${r.iv} vs the note's σ ${sigma}%`);
      assert.equal(r.ivReason, null);
    }
    // Greeks from one σ: call deltas fall with the strike, put delta = call delta − 1 (no dividends, ~0 carry over days).
    const calls = chain.rows.filter((r) => r.right === 'call').sort((a, b) => a.strike - b.strike);
    for (let i = 1; i < calls.length; i++) assert.ok(calls[i]!.delta! <= calls[i - 1]!.delta!, 'call delta is monotone in the strike');
    for (const c of calls) {
      const p = chain.rows.find((r) => r.right === 'put' && r.strike === c.strike)!;
      assert.ok(Math.abs(c.delta! - 1 - p.delta!) < 0.01, `put-call delta parity at ${c.strike}: ${c.delta} ${p.delta}`);
    }
  }
});
