/**
 * The journal's HTTP API on a real server replaying GOOG 2015-12-24: a paper trade made
 * through the trading API shows up as a journal trade with the shape, its MAE/MFE
 * computed independently from the recorded quotes; notes, tags, screenshots, stats,
 * import and export, and the 400s that name the field.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualTicker } from '../src/feeds/replay/index.js';
import { MAX_SCREENSHOT_BYTES } from '../src/journal/screenshots.js';
import { journalRepository } from '../src/store/journal.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { until } from './helpers/wait.js';
import { at, C750, quoteAtOrBefore, recordedQuotes } from './helpers/trading.js';

let server: TestServer;

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; text: string; type: string }> {
  const raw = Buffer.isBuffer(body);
  const res = await fetch(`${server.url}${path}`, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': raw ? 'image/png' : 'application/json', ...headers }, body: raw ? new Uint8Array(body) : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: any = null;
  try { json = JSON.parse(text); } catch { /* csv */ }
  return { status: res.status, json, text, type: res.headers.get('content-type') ?? '' };
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);

before(async () => {
  server = await startTestServer({ session: '2015-12-24', time: '10:00', state: 'pause', ticker: new ManualTicker() });
});
after(async () => server.close());

describe('journal API on the GOOG 2015-12-24 replay', () => {
  let tradeId: string;

  it('a paper round trip becomes one trade: shape, P&L net of fees, New York times, MAE/MFE from the recorded bids', async () => {
    const ask = quoteAtOrBefore(C750, at('10:00')).ask!;
    const entry = await api('POST', '/api/orders', { symbol: C750, side: 'buy', qty: 2, type: 'limit', limitPrice: ask, stopLoss: { stopPrice: 0.05 } });
    assert.equal(entry.status, 201, entry.text);
    // The entry is graded as its fill arrives, before anything reads the journal.
    const grades = journalRepository(server.server.store);
    await until('the entry grade stored at the fill', () => grades.grades().size === 1);
    assert.equal([...grades.grades().values()][0]!.at, at('10:00'));
    assert.equal((await api('POST', '/api/replay', { time: '11:00' })).status, 200);
    const close = await api('POST', '/api/positions/close', { symbol: C750 });
    assert.equal(close.status, 201, close.text);

    const { status, json } = await api('GET', '/api/journal/trades');
    assert.equal(status, 200);
    assert.equal(json.trades.length, 1);
    const t = json.trades[0];
    tradeId = t.id;
    const keys = ['id', 'account', 'symbol', 'underlying', 'side', 'qty', 'entryTime', 'exitTime', 'entryPrice', 'exitPrice', 'fees', 'pnl', 'r', 'mae', 'mfe', 'holdingSeconds', 'mode', 'strategy', 'setup', 'tags', 'notes', 'grade', 'ruleBreaks', 'legs', 'fills'];
    for (const k of keys) assert.ok(k in t, `trades[0].${k}`);
    assert.equal(t.account, 'paper');
    assert.equal(t.symbol, C750);
    assert.equal(t.underlying, 'GOOG');
    assert.equal(t.qty, 2);
    assert.equal(t.entryTime, '2015-12-24T10:00:00-05:00');
    assert.match(t.exitTime, /^2015-12-24T11:00:0\d(\.\d+)?-05:00$/);
    assert.equal(t.entryPrice, ask);
    const fills = (await api('GET', '/api/orders?status=all')).json.orders.flatMap((o: any) => o.fills);
    const fees = fills.reduce((s: number, f: any) => s + Math.round(f.fees * 100), 0);
    assert.equal(Math.round(t.fees * 100), fees);
    const exit = fills.find((f: any) => f.time !== t.entryTime)!;
    assert.equal(Math.round(t.pnl * 100), Math.round((exit.price - ask) * 100 * 2 * 100) - fees);
    assert.equal(t.mode, 'manual');
    assert.equal(t.plannedStop, 0.05);
    // The only rule it may break is the entry grade (checked in the next test).
    assert.deepEqual(t.ruleBreaks.filter((b: any) => b.code !== 'grade_below_minimum'), []);
    // MAE/MFE: the bid in force at entry and every recorded bid until the exit, × 100 × 2 − cost.
    const exitMs = Date.parse(t.exitTime);
    const marks = recordedQuotes(C750).filter((q) => q.ts > at('10:00') && q.ts < exitMs);
    const bids = [quoteAtOrBefore(C750, at('10:00')), ...marks].flatMap((q) => (q.bid === null ? [] : [q.bid]));
    const pnlAt = (bid: number) => Math.round(bid * 100 * 100 * 2) - Math.round(ask * 100 * 100 * 2);
    assert.equal(Math.round(t.mae * 100), Math.min(...bids.map(pnlAt)));
    assert.equal(Math.round(t.mfe * 100), Math.max(...bids.map(pnlAt)));
    assert.ok(t.mae < t.mfe, 'the contract moved while held');
  });

  it('the entry checklist grade is the checklist grade at the entry fill (long call → long GOOG), and a grade below the chosen minimum is a rule break', async () => {
    const t = (await api('GET', `/api/journal/trades/${tradeId}`)).json.trade;
    const expected = await server.server.scans.checklist.grade('GOOG', 'long', Date.parse(t.entryTime), C750);
    assert.equal(t.grade, expected.grade);
    assert.deepEqual((await api('GET', '/api/journal/settings')).json.settings, { minGrade: 'C' });
    const below = ['D', 'F'].includes(t.grade);
    assert.equal(t.ruleBreaks.some((b: any) => b.code === 'grade_below_minimum'), below);
    // A minimum above the grade flags it; none clears it.
    const above = expected.grade === 'A+' ? null : 'A+';
    assert.deepEqual((await api('PUT', '/api/journal/settings', { minGrade: above })).json.settings, { minGrade: above });
    const flagged = (await api('GET', `/api/journal/trades/${tradeId}`)).json.trade;
    assert.equal(flagged.ruleBreaks.some((b: any) => b.code === 'grade_below_minimum'), above !== null);
    if (above) assert.equal(flagged.ruleBreaks.find((b: any) => b.code === 'grade_below_minimum').message, `entry checklist grade ${t.grade}, below the chosen minimum A+`);
    const week = (await api('GET', '/api/journal/review?week=2015-12-21')).json;
    assert.deepEqual([week.from, week.to, week.trades.length], ['2015-12-21', '2015-12-27', 1]);
    assert.equal(week.ruleBreaks.grade_below_minimum ?? 0, above ? 1 : 0);
    assert.equal(week.statsWithoutRuleBreaks.trades, above ? 0 : 1);
    assert.equal((await api('GET', '/api/journal/stats?groupBy=account&ruleBreaks=exclude')).json.groups.length, above ? 0 : 1);
    const badGrade = (await api('PUT', '/api/journal/settings', { minGrade: 'Z' })).json.error;
    assert.deepEqual([badGrade.code, badGrade.field], ['INVALID_FIELD', 'minGrade']);
    assert.match(badGrade.message, /^minGrade: must be one of A\+, A, B, C, D, F or null/);
    const badWeek = (await api('GET', '/api/journal/review?week=soon')).json.error;
    assert.deepEqual([badWeek.code, badWeek.field], ['INVALID_FIELD', 'week']);
    assert.match(badWeek.message, /^week: must be a date/);
    assert.equal((await api('PUT', '/api/journal/settings', { minGrade: null })).status, 200);
  });

  it('notes (history kept), tags, setup, rating; filters by tag and setup', async () => {
    assert.equal((await api('PUT', `/api/journal/trades/${tradeId}`, { notes: 'chased it', tags: ['fomo', 'orb'], setup: 'ORB', rating: 2 })).status, 200);
    const put = await api('PUT', `/api/journal/trades/${tradeId}`, { notes: '**Chased** the open' });
    assert.equal(put.json.trade.notes, '**Chased** the open');
    assert.deepEqual(put.json.trade.tags, ['fomo', 'orb']);
    const got = await api('GET', `/api/journal/trades/${tradeId}`);
    assert.deepEqual(got.json.noteHistory.map((h: any) => h.notes), ['chased it']);
    assert.equal((await api('GET', '/api/journal/trades?tag=orb&setup=ORB')).json.trades.length, 1);
    assert.equal((await api('GET', '/api/journal/trades?tag=nope')).json.trades.length, 0);
    assert.equal((await api('PUT', `/api/journal/trades/${tradeId}`, { setup: '  ' })).json.trade.setup, null, 'a blank setup clears it');
    assert.equal((await api('PUT', `/api/journal/trades/${tradeId}`, { setup: 'ORB' })).json.trade.setup, 'ORB');
    assert.equal((await api('GET', '/api/journal/trades?from=2015-12-25')).json.trades.length, 0);
    assert.equal((await api('GET', '/api/journal/trades?from=2015-12-24&to=2015-12-24&account=paper')).json.trades.length, 1);
  });

  it('400s name the field; 404 for an unknown trade', async () => {
    const cases: [string, string, unknown, RegExp][] = [
      ['PUT', `/api/journal/trades/${tradeId}`, { rating: 6 }, /^rating: must be from 1 to 5/],
      ['PUT', `/api/journal/trades/${tradeId}`, { tags: [''] }, /^tags\.0: must not be empty/],
      ['PUT', `/api/journal/trades/${tradeId}`, { mood: 'ok' }, /mood/],
      ['GET', '/api/journal/trades?from=2015-13-01', undefined, /^from: /],
      ['GET', '/api/journal/stats?groupBy=moon', undefined, /^groupBy: must be one of account, strategy, setup, tag, weekday, hour/],
      ['GET', '/api/journal/export?format=xml', undefined, /^format: must be csv or json/],
      ['POST', '/api/journal/import', { map: 'x=y' }, /^csv: is required/],
    ];
    for (const [method, path, body, re] of cases) {
      const r = await api(method, path, body);
      assert.equal(r.status, 400, `${method} ${path}: ${r.text}`);
      assert.match(r.json.error.message, re, `${method} ${path}`);
      assert.equal(r.json.error.code, 'INVALID_FIELD', `${method} ${path}`);
      assert.ok(r.json.error.message.startsWith(`${r.json.error.field}: `), `${method} ${path}: the field is the one the sentence names`);
    }
    const missing = await api('PUT', '/api/journal/trades/t_nope', { notes: 'x' });
    assert.equal(missing.status, 404);
    assert.match(missing.json.error.message, /^id: no journal trade t_nope/);
    assert.deepEqual([missing.json.error.code, missing.json.error.field], ['NOT_FOUND', 'id']);
  });

  it('screenshots: PNG accepted and served back; oversized or non-image is a 400 naming the limit', async () => {
    const ok = await api('POST', `/api/journal/trades/${tradeId}/screenshots?kind=entry`, PNG);
    assert.equal(ok.status, 201, ok.text);
    const img = await fetch(`${server.url}/api/journal/screenshots/${ok.json.screenshot.id}`);
    assert.equal(img.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await img.arrayBuffer()), PNG);
    const big = await api('POST', `/api/journal/trades/${tradeId}/screenshots`, Buffer.concat([PNG, Buffer.alloc(MAX_SCREENSHOT_BYTES)]));
    assert.equal(big.status, 400);
    assert.match(big.json.error.message, new RegExp(`^screenshot: .*limit of ${MAX_SCREENSHOT_BYTES} bytes`));
    assert.deepEqual([big.json.error.code, big.json.error.field], ['PAYLOAD_TOO_LARGE', 'screenshot']);
    const gif = await api('POST', `/api/journal/trades/${tradeId}/screenshots`, Buffer.from('GIF89a0123456789'), { 'content-type': 'image/gif' });
    assert.equal(gif.status, 400);
    assert.equal(gif.json.error.code, 'INVALID_FIELD');
    assert.match(gif.json.error.message, new RegExp(`^screenshot: is not a PNG, JPEG or WebP image.*${MAX_SCREENSHOT_BYTES} bytes`));
    // The dashboard's capture is filed by fill: the exit fill's picture lands on this trade.
    const exitFill = (await api('GET', `/api/journal/trades/${tradeId}`)).json.trade.fills.at(-1).id;
    const byFill = await api('POST', `/api/journal/fills/${exitFill}/screenshots?kind=exit`, PNG);
    assert.equal(byFill.status, 201, byFill.text);
    assert.equal(byFill.json.screenshot.tradeId, tradeId);
    const noFill = await api('POST', '/api/journal/fills/pf_nope/screenshots?kind=exit', PNG);
    assert.equal(noFill.status, 404);
    assert.match(noFill.json.error.message, /^fillId: no journal trade holds fill pf_nope/);
    assert.deepEqual([noFill.json.error.code, noFill.json.error.field], ['NOT_FOUND', 'fillId']);
    assert.match((await api('POST', `/api/journal/fills/${exitFill}/screenshots?kind=attached`, PNG)).json.error.message, /^kind: must be entry or exit/);
    const t = (await api('GET', `/api/journal/trades/${tradeId}`)).json.trade;
    assert.deepEqual(t.screenshots.map((s: any) => s.kind), ['entry', 'exit']);
  });

  it('stats by tag and hour; import all-or-nothing; export as CSV and JSON', async () => {
    const stats = await api('GET', '/api/journal/stats?groupBy=tag');
    assert.deepEqual(stats.json.groups.map((g: any) => [g.key, g.trades]), [['fomo', 1], ['orb', 1]]);
    const t = (await api('GET', `/api/journal/trades/${tradeId}`)).json.trade;
    assert.equal(stats.json.groups[0].netPnl, t.pnl);
    assert.match(stats.json.groups[0].warnings[0], /^Too few trades to judge: 1/);
    // The shared statistics (src/stats): the backtester's seeded bootstrap CI, here of one trade.
    assert.deepEqual(stats.json.groups[0].ci95.winRate, t.pnl > 0 ? { low: 1, high: 1 } : { low: 0, high: 0 });
    assert.equal(stats.json.groups[0].bar.trades, false);
    assert.deepEqual((await api('GET', '/api/journal/stats?groupBy=hour')).json.groups.map((g: any) => g.key), ['10:00']);

    const bad = await api('POST', '/api/journal/import', { csv: 'time,symbol,side,qty,price\n2015-12-24 12:00,GOOG,buy,1,750\n2015-12-24 12:01,GOOG,sell,2,751\n' });
    assert.equal(bad.status, 400);
    assert.deepEqual([bad.json.error.code, bad.json.error.field], ['INVALID_FIELD', 'csv']);
    assert.match(bad.json.error.message, /^csv: 1 bad line\(s\); nothing was imported \(line 3, short: /);
    assert.deepEqual(bad.json.problems.map((p: any) => [p.line, p.field]), [[3, 'short']]);
    assert.equal((await api('GET', '/api/journal/trades')).json.trades.length, 1, 'nothing imported');
    const good = await api('POST', '/api/journal/import', { csv: 'time,symbol,side,qty,price\n2015-12-24 12:00,GOOG,buy,1,750\n2015-12-24 12:01,GOOG,sell,1,751\n', account: 'tos' });
    assert.equal(good.status, 201, good.text);
    assert.equal((await api('GET', '/api/journal/trades?account=tos')).json.trades[0].pnl, 1);

    // Manual merge: a second round trip in the same account becomes part of the first.
    assert.equal((await api('POST', '/api/journal/import', { csv: 'time,symbol,side,qty,price,fees\n2015-12-24 12:10,GOOG,buy,2,750,0.50\n2015-12-24 12:20,GOOG,sell,2,749,0\n', account: 'tos' })).status, 201);
    const tos = (await api('GET', '/api/journal/trades?account=tos')).json.trades;
    assert.equal(tos.length, 2);
    const merged = await api('POST', '/api/journal/overrides', { kind: 'merge', tradeIds: tos.map((x: any) => x.id) });
    assert.equal(merged.status, 201, merged.text);
    const one = (await api('GET', '/api/journal/trades?account=tos')).json.trades;
    assert.equal(one.length, 1);
    assert.equal(one[0].id, tos[0].id);
    assert.equal(one[0].legs.length, 2);
    assert.equal(Math.round(one[0].pnl * 100), Math.round((tos[0].pnl + tos[1].pnl) * 100));
    const badMerge = await api('POST', '/api/journal/overrides', { kind: 'merge', tradeIds: [tradeId, one[0].id] });
    assert.equal(badMerge.status, 400);
    assert.match(badMerge.json.error.message, /^tradeIds: trades of different accounts cannot be merged/);
    assert.deepEqual([badMerge.json.error.code, badMerge.json.error.field], ['INVALID_FIELD', 'tradeIds']);
    assert.match((await api('POST', '/api/journal/overrides', { kind: 'split_at', fillId: 'nope' })).json.error.message, /^fillId: no fill nope/);

    const csv = await api('GET', '/api/journal/export?format=csv');
    assert.match(csv.type, /^text\/csv/);
    assert.equal(csv.text.trim().split('\n').length, 3);
    const json = await api('GET', '/api/journal/export?format=json&what=fills');
    assert.equal(json.json.fills.length, 6);
  });
});
