/**
 * Options mode on real data: ORB on GOOG 2015-12-24 trades a recorded contract (checked
 * against the raw quotes and open-interest files read here, not through the store), SPY
 * 2013-10-07..11 has no recorded quotes so every trade is MODEL and the reports say so; exits
 * on the option's bid; refusals name why; bad options parameters name the field.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DATA_DIR, readAggregates, stockMinuteFile } from '../../test/helpers/data.js';
import { nyTimeToMs, previousSession } from '../calendar/index.js';
import { modelChainQuotes, realizedVolFromMinuteBars } from '../options/model-quotes.js';
import { defaultRiskFreeRate } from '../options/rates.js';
import { importFile } from '../feeds/flatfile/index.js';
import { parseOptionTicker } from '../core/occ.js';
import { openStore } from '../store/index.js';
import { htmlReport, runBacktest, SqliteDaySource, tradesCsv, type BacktestReport, type BacktestRequest } from './index.js';

const GOOG_QUOTES = path.join(DATA_DIR, 'flatfiles/us_options_opra/quotes_v1/2015/12/2015-12-24.csv.gz');
const GOOG_OI = path.join(DATA_DIR, 'reference/open_interest/2015-12-24.csv.gz');
const GOOG_OPTION_BARS = path.join(DATA_DIR, 'flatfiles/us_options_opra/minute_aggs_v1/2015/12/2015-12-24.csv.gz');
const SPY_DAYS = ['2013-10-07', '2013-10-08', '2013-10-09', '2013-10-10', '2013-10-11'];

interface RawQuote { ts: number; bid: number | null; ask: number | null }

/** The contract's quotes straight from the flat file (ticker,ask_exchange,ask_price,ask_size,bid_exchange,bid_price,bid_size,sequence_number,sip_timestamp). */
function rawQuotes(ticker: string): RawQuote[] {
  const out: RawQuote[] = [];
  for (const line of gunzipSync(readFileSync(GOOG_QUOTES)).toString('utf8').split(/\r?\n/)) {
    if (!line.startsWith(ticker + ',')) continue;
    const f = line.split(',');
    const num = (s: string) => (s === '' ? null : Number(s));
    out.push({ ts: Number(f[8]!.slice(0, -6)), ask: num(f[2]!), bid: num(f[5]!) });
  }
  return out.sort((a, b) => a.ts - b.ts);
}

function rawOpenInterest(ticker: string): number | null {
  for (const line of gunzipSync(readFileSync(GOOG_OI)).toString('utf8').split(/\r?\n/)) {
    const [t, oi] = line.split(',');
    if (t === ticker) return Number(oi);
  }
  return null;
}

const ms = (iso: string) => Date.parse(iso);

describe('options mode on recorded and MODEL quotes', () => {
  let dir: string;
  let db: string;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'optdesk-optmode-'));
    db = path.join(dir, 'o.db');
    const store = openStore(db);
    for (const f of [stockMinuteFile('2015-12-24'), GOOG_QUOTES, GOOG_OI, GOOG_OPTION_BARS, ...SPY_DAYS.map(stockMinuteFile)]) await importFile(f, store);
    store.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const run = (req: Partial<BacktestRequest>): BacktestReport => {
    const source = new SqliteDaySource(db);
    try {
      return runBacktest(source, { strategy: 'orb', symbol: 'GOOG', from: '2015-12-24', to: '2015-12-24', mode: 'options', ...req });
    } finally {
      source.close();
    }
  };

  test('GOOG 2015-12-24: the ORB short buys a recorded put at the ask of its first quote at/after the entry minute and sells it at the bid of the first at/after the exit minute, from the raw quotes file', () => {
    const underlying = run({ mode: 'underlying' });
    const r = run({ params: { maxSpreadPct: 60 } });
    assert.equal(r.mode, 'options');
    assert.equal(r.trades.length, 1);
    const t = r.trades[0]!;
    const u = underlying.trades[0]!;
    assert.deepEqual([t.entryTime, t.exitTime, t.side, t.reasonIn, t.reasonOut], [u.entryTime, u.exitTime, u.side, u.reasonIn, u.reasonOut], 'the same signal and exit as the underlying run');
    assert.equal(t.quoteSource, 'RECORDED');
    assert.equal(r.options!.notice, null);
    assert.deepEqual(r.options!.quoteSources, { RECORDED: 1, MODEL: 0 });
    const c = parseOptionTicker(t.contract!);
    assert.equal(c.right, 'put', 'short → put');
    assert.equal(c.expiration, '2015-12-24', 'weekly on Christmas Eve is the same day');

    const quotes = rawQuotes(t.contract!);
    const entryMinute = ms(t.entryTime);
    const exitMinute = ms(t.exitTime);
    const entryQ = quotes.find((q) => q.ts >= entryMinute && q.ask !== null)!;
    const exitQ = quotes.find((q) => q.ts >= exitMinute && q.bid !== null)!;
    assert.equal(t.entryPrice, entryQ.ask);
    assert.equal(t.entryAsk, entryQ.ask);
    assert.equal(ms(t.optionEntryTime!), entryQ.ts);
    assert.equal(t.exitPrice, exitQ.bid);
    assert.equal(ms(t.optionExitTime!), exitQ.ts);
    assert.ok(entryQ.ts < entryMinute + 60_000, 'the put was quoted within the entry minute');

    // What the picker saw at the decision (last quote before the entry minute) meets its rules.
    const seen = quotes.filter((q) => q.ts <= entryMinute).at(-1)!;
    assert.ok(seen.bid !== null && seen.ask !== null);
    assert.ok((seen.ask! - seen.bid!) / ((seen.ask! + seen.bid!) / 2) <= 0.6);
    assert.ok(rawOpenInterest(t.contract!)! >= 100);

    // Money by hand: 1 contract; buy ORF $0.02685 → 3¢ + OCC 2¢; sell ORF 3¢ + OCC 2¢ + TAF $0.00279 → 1¢ + SEC fee on < $1,000 → 1¢.
    assert.equal(t.qty, 1);
    assert.equal(t.fees, 0.12);
    const pnlCents = Math.round(exitQ.bid! * 100) * 100 - Math.round(entryQ.ask! * 100) * 100 - 12;
    assert.equal(Math.round(t.pnl * 100), pnlCents);
    assert.equal(t.breakEven, Math.round((c.strike - entryQ.ask!) * 1e4) / 1e4);
    assert.equal(t.underlyingEntry, u.entryPrice);
    assert.equal(t.underlyingExit, u.exitPrice);
    assert.match(t.pick!, new RegExp(`^${t.contract}: weekly → 2015-12-24 \\(0 DTE\\)`));
  });

  test('GOOG 2015-12-24 with optionStopPct: the option is sold at the bid of the first quote after the entry whose bid is 30% under the ask paid; the underlying closes at the next minute', () => {
    const r = run({ params: { maxSpreadPct: 60, optionStopPct: 30 } });
    assert.equal(r.trades.length, 1);
    const t = r.trades[0]!;
    assert.equal(t.reasonOut, 'option-stop');
    const quotes = rawQuotes(t.contract!);
    const entryQ = quotes.find((q) => q.ts >= ms(t.entryTime) && q.ask !== null)!;
    const hit = quotes.find((q) => q.ts > entryQ.ts && q.bid !== null && q.bid <= entryQ.ask! * 0.7 + 1e-9)!;
    assert.equal(t.exitPrice, hit.bid);
    assert.equal(ms(t.optionExitTime!), hit.ts);
    assert.ok(ms(t.exitTime) > hit.ts && ms(t.exitTime) <= hit.ts + 60_001, 'the underlying leaves at the next minute');
    assert.match(r.options!.exits, /option's bid/);
  });

  test('GOOG 2015-12-24 with the default 10% spread limit: no contract qualifies, every skipped entry says why, no trade', () => {
    const r = run({});
    assert.equal(r.trades.length, 0);
    assert.ok(r.skippedEntries.length >= 1);
    for (const s of r.skippedEntries) assert.match(s.why, /^no contract: 2015-12-24 (puts|calls) at underlying [\d.]+: \d+ listed, /);
    // The signal the 60% run traded (09:45) is refused here for its spread.
    assert.match(r.skippedEntries[0]!.why, /with a spread over 10\.0% of the mid/);
    assert.equal(r.skippedEntries[0]!.reason, 'orb-short');
  });

  test('SPY 2013-10-07..11 has no recorded option quotes: every trade is MODEL, and JSON, CSV and HTML say "MODEL quotes: theoretical prices, not market quotes"', () => {
    const r = run({ symbol: 'SPY', from: '2013-10-07', to: '2013-10-11', params: { maxSpreadPct: 25 } });
    assert.ok(r.trades.length >= 1);
    for (const t of r.trades) {
      assert.equal(t.quoteSource, 'MODEL');
      const c = parseOptionTicker(t.contract!);
      assert.equal(c.right, t.side === 'long' ? 'call' : 'put');
      assert.equal(c.expiration, '2013-10-11', 'the week\'s Friday');
      assert.equal(t.breakEven, Math.round((c.right === 'call' ? c.strike + t.entryAsk! : c.strike - t.entryAsk!) * 1e4) / 1e4);
      assert.ok(t.entryAsk! > 0 && t.exitBid! >= 0);
      assert.equal(Math.round(t.pnl * 100), Math.round(t.exitBid! * 100) * 100 - Math.round(t.entryAsk! * 100) * 100 - Math.round(t.fees * 100));
    }
    // The MODEL ask is Black-Scholes at the underlying's fill, at σ realized over the (up to 390)
    // regular minutes closed before the entry, from the raw files (the first session has no history: a default σ).
    const later = r.trades.filter((x) => !x.entryTime.startsWith('2013-10-07'));
    assert.ok(later.length >= 1, 'a MODEL trade after the first session');
    for (const t of later) {
      const at = ms(t.entryTime);
      const c = parseOptionTicker(t.contract!);
      const minutes = SPY_DAYS.flatMap((d) => readAggregates(stockMinuteFile(d), 'SPY').filter((b) => b.start >= nyTimeToMs(d, '09:30') && b.start < nyTimeToMs(d, '16:00')))
        .filter((b) => b.start >= previousSession(t.entryTime.slice(0, 10)).open && b.start + 60_000 <= at).slice(-390);
      const vol = realizedVolFromMinuteBars(minutes)!;
      const q = modelChainQuotes({ underlying: 'SPY', spot: t.underlyingEntry!, at, vol, rate: defaultRiskFreeRate('2013'), expirations: [c.expiration], strikes: [c.strike] }).find((x) => x.ticker === t.contract)!;
      assert.equal(t.entryAsk, q.ask, `${t.entryTime} ${t.contract}`);
      assert.match(t.pick!, new RegExp(`MODEL σ ${(vol * 100).toFixed(1)}% \\(realized over the last ${minutes.length} one-minute bars\\)`));
    }
    assert.match(r.options!.notice!, /^MODEL quotes: theoretical prices, not market quotes/);
    assert.deepEqual(r.options!.quoteSources, { RECORDED: 0, MODEL: r.trades.length });
    const csv = tradesCsv(r).trim().split('\n');
    const col = csv[0]!.split(',').indexOf('quoteSource');
    assert.ok(col > 0);
    for (const line of csv.slice(1)) assert.equal(line.split(',')[col], 'MODEL');
    const html = htmlReport(r, []);
    assert.match(html, /id="model-notice">MODEL quotes: theoretical prices, not market quotes/);
    // Same signals as the underlying run: an option trade enters where the share trade did, or
    // later the same day only after that day's earlier signal was skipped with a reason.
    const shares = run({ symbol: 'SPY', from: '2013-10-07', to: '2013-10-11', mode: 'underlying' });
    for (const t of r.trades) {
      const day = t.entryTime.slice(0, 10);
      const share = shares.trades.find((x) => x.entryTime.startsWith(day));
      assert.ok(share, `${day}: the share run traded too`);
      if (share.entryTime !== t.entryTime) {
        assert.ok(r.skippedEntries.some((k) => k.at.startsWith(day) && k.at < t.entryTime && /^no contract: /.test(k.why)), `${day}: an earlier refusal`);
      }
    }
  });

  test('bad options parameters name the field', () => {
    assert.throws(() => run({ params: { expiration: 'monthly' } }), /--param expiration: must be 0dte, weekly or min-days:N/);
    assert.throws(() => run({ params: { deltaMin: 0.7, deltaMax: 0.5 } }), /--param deltaMin: must be ≤ deltaMax/);
    assert.throws(() => run({ params: { maxSpreadPct: -1 } }), /--param maxSpreadPct: must be from 0/);
    assert.throws(() => run({ params: { contracts: 1.5 } }), /--param contracts: must be a whole number/);
    assert.throws(() => run({ mode: 'underlying', params: { maxSpreadPct: 60 } }), /--param maxSpreadPct: unknown parameter of orb/);
  });
});
