import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openStore } from '../store/index.js';
import { journalRepository } from '../store/journal.js';
import { tradingRepository } from '../store/trading.js';
import { parseMapping } from './csv.js';
import { fill } from '../../test/helpers/fills.js';
import { nyTimeToMs } from '../calendar/index.js';
import { JournalService, type EntryGrader } from './service.js';

function service() {
  const store = openStore(':memory:');
  const svc = new JournalService({ trading: tradingRepository(store), journal: journalRepository(store), now: () => 1_000 });
  return { store, svc };
}

// A broker-style export: other column names, a notes column to ignore, New York wall times.
const GOOD = [
  'Exec,When,Ticker,Action,Contracts,Fill,Commission,Notes',
  'e1,2015-12-24 10:00:05,O:GOOG151224C00750000,BUY,2,1.25,1.30,"first, scaled in"',
  'e2,2015-12-24 10:05:00,O:GOOG151224C00750000,Buy,1,1.40,0.65,',
  'e3,2015-12-24 10:30:00,O:GOOG151224C00750000,SELL,3,1.60,1.95,"took ""profit"""',
  'e4,2015-12-24 11:00:00,GOOG,sell,10,749.5,0,short scalp',
  'e5,2015-12-24 11:00:00,GOOG,sell,5,749.40,0,',
  'e6,2015-12-24 11:20:00,GOOG,buy,15,748.00,0,',
].join('\n');
const MAP = 'id=Exec,time=When,symbol=Ticker,side=Action,qty=Contracts,price=Fill,fees=Commission,short=Short,ignore=Notes';

describe('journal CSV import and export', () => {
  it('a file with bad lines changes nothing and names each bad line', () => {
    const { store, svc } = service();
    const bad = [
      'Exec,When,Ticker,Action,Contracts,Fill,Commission,Notes,Short',
      'e1,2015-12-24 10:00:05,O:GOOG151224C00750000,BUY,2,1.25,1.30,,',
      'e2,2015-12-24 25:00,O:GOOG151224C00750000,BUY,1,1.40,0.65,,', // bad date
      'e3,2015-12-24 10:30:00,O:GOOG151224C00750000,SELL,1.5,1.60,0,,', // fractional qty
      'e4,2015-12-24 10:31:00,O:GOOG151224C00750000,SELL,1,abc,0,,', // bad price
      'e1,2015-12-24 10:32:00,O:GOOG151224C00750000,SELL,1,1.5,0,,', // duplicate id
      'e6,2015-12-24 11:00:00,GOOG,sell,10,749.5,0,,', // would go short, no flag
      'e7,2015-12-24 11:01:00,GOOG,sell,10,749.5,0,,true', // flagged: fine
    ].join('\n');
    const report = svc.importCsv(bad, 'bad.csv', { mapping: parseMapping(`${MAP}`) });
    assert.equal(report.ok, false);
    assert.equal(report.imported, 0);
    assert.deepEqual(report.problems.map((p) => [p.line, p.field]), [[3, 'time'], [4, 'qty'], [5, 'price'], [6, 'id'], [7, 'short']]);
    assert.match(report.problems[3]!.message, /line 2/);
    assert.equal(svc.fills().length, 0);
    assert.equal(svc.trades().length, 0);

    const unknown = svc.importCsv(GOOD.replace('Notes', 'Memo'), 'x.csv', { mapping: parseMapping(MAP.replace(',short=Short', '')) });
    assert.deepEqual(unknown.problems.map((p) => [p.line, p.field]), [[1, 'Memo']]);
    assert.match(unknown.problems[0]!.message, /unknown column/);
    assert.throws(() => parseMapping('when=Date'), /map: unknown field "when"/);
    store.close();
  });

  it('a good file imports as trades and round-trips through export', () => {
    const { store, svc } = service();
    const good = GOOD.replace('Notes', 'Notes,Short').replace(/\n(e4[^\n]*)/, '\n$1,true').replace(/\n(e[1235-6][^\n]*)/g, '\n$1,');
    const report = svc.importCsv(good, 'good.csv', { mapping: parseMapping(MAP), account: 'ibkr' });
    assert.deepEqual(report.problems, []);
    assert.equal(report.imported, 6);
    const trades = svc.trades();
    assert.equal(trades.length, 2);
    const call = trades[0]!.trade;
    // 2 @ 1.25 + 1 @ 1.40 = $390 cost; 3 @ 1.60 = $480; fees $3.90.
    assert.equal(call.realized, 480_00 - 390_00 - 390);
    assert.equal(trades[1]!.trade.side, 'sell');
    assert.equal(trades[1]!.trade.realized, (749_50 * 10 + 749_40 * 5) - 748_00 * 15);

    const csv = svc.exportFills('csv');
    const other = service();
    const again = other.svc.importCsv(csv, 'export.csv');
    assert.equal(again.ok, true, JSON.stringify(again.problems));
    const strip = (s: JournalService) => s.trades().map((t) => s.wire(t));
    assert.deepEqual(strip(other.svc), strip(svc));
    assert.equal(other.svc.exportFills('csv'), csv);
    // Importing the same file twice: every line a duplicate, nothing added.
    const twice = other.svc.importCsv(csv, 'export.csv');
    assert.equal(twice.ok, false);
    assert.equal(twice.problems.length, 6);
    assert.equal(other.svc.fills().length, 6);
    other.store.close();
    store.close();
  });

  it('entries, screenshots and stats by tag', () => {
    const { store, svc } = service();
    svc.importCsv(GOOD.replace('Notes', 'Notes,Short').replace(/\n(e4[^\n]*)/, '\n$1,true').replace(/\n(e[1235-6][^\n]*)/g, '\n$1,'), 'good.csv', { mapping: parseMapping(MAP) });
    const [a, b] = svc.trades();
    svc.updateEntry(a!.trade.id, { tags: ['orb', 'a+'], setup: 'ORB', notes: 'clean break', rating: 5 });
    svc.updateEntry(b!.trade.id, { tags: ['orb'], notes: 'fade' });
    assert.equal(svc.trades({ tag: 'a+' }).length, 1);
    assert.equal(svc.trades({ setup: 'ORB' }).length, 1);
    const byTag = svc.stats('tag');
    assert.deepEqual(byTag.map((g) => [g.key, g.stats.trades]), [['a+', 1], ['orb', 2]]);
    assert.equal(Math.round(byTag[1]!.stats.netPnl * 100), a!.trade.realized + b!.trade.realized);
    // Imported account 'tos'-less CSV fills: optdesk holds no such account, so no drawdown %.
    assert.equal(byTag[1]!.stats.maxDrawdownPct, null);
    assert.deepEqual(svc.stats('weekday').map((g) => g.key), ['Thursday']);
    assert.equal(svc.updateEntry('t_nope', { notes: 'x' }), null);
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    const shot = svc.addScreenshot(a!.trade.id, png)!;
    assert.equal(shot.mime, 'image/png');
    assert.deepEqual(svc.wire(svc.trade(a!.trade.id)!).screenshots.map((s) => s.id), [shot.id]);
    assert.throws(() => svc.addScreenshot(a!.trade.id, Buffer.from('<svg/>')), /screenshot: is not a PNG, JPEG or WebP/);
    store.close();
  });

  it('entry grades: taken once per opening fill in the trade\'s direction, retried when they cannot be told yet; below the minimum is a rule break', async () => {
    const { store, svc } = service();
    const trading = tradingRepository(store);
    const t0 = nyTimeToMs('2015-12-24', '10:00');
    const P = 'O:GOOG151224P00750000';
    const C = 'O:GOOG151224C00750000';
    // Bought put (bearish), sold call (bearish), bought stock (bullish): each opens one trade.
    for (const f of [
      fill({ id: 'g1', symbol: P, side: 'buy', qty: 1, price: 10_000, time: t0 }), fill({ id: 'g2', symbol: P, side: 'sell', qty: 1, price: 12_000, time: t0 + 60_000 }),
      fill({ id: 'g3', symbol: C, side: 'sell', qty: 1, price: 10_000, time: t0 + 120_000 }), fill({ id: 'g4', symbol: C, side: 'buy', qty: 1, price: 9_000, time: t0 + 180_000 }),
      fill({ id: 'g5', symbol: 'GOOG', side: 'buy', qty: 10, price: 7_500_000, time: t0 + 240_000 }),
    ]) trading.insertFill(f);
    const asked: string[] = [];
    let ready = false;
    const grader: EntryGrader = async (symbol, direction, at, contract) => {
      asked.push(`${symbol} ${direction} ${at - t0} ${contract ?? '-'}`);
      if (contract === C) return { grade: 'F', score: 2 };
      if (contract === P) return ready ? { grade: 'B', score: 6 } : null;
      return { missing: 'no GOOG prices' };
    };
    assert.equal(await svc.gradeEntries(grader), 2, 'the put cannot be told yet');
    assert.deepEqual(asked, [`GOOG short 0 ${P}`, `GOOG short 120000 ${C}`, 'GOOG long 240000 -']);
    ready = true;
    asked.length = 0;
    assert.equal(await svc.gradeEntries(grader), 1);
    assert.deepEqual(asked, [`GOOG short 0 ${P}`], 'graded fills are not asked again');
    const byFill = (id: string) => svc.trades().find((t) => t.trade.legs[0]!.pieces[0]!.fill.id === id)!;
    assert.deepEqual([byFill('g1').review.grade, byFill('g3').review.grade, byFill('g5').review.grade], ['B', 'F', null]);
    // Default minimum C: the F entry broke it; B did not; no grade is no break.
    const codes = (id: string) => byFill(id).review.ruleBreaks.map((b) => b.code);
    assert.deepEqual([codes('g1'), codes('g3'), codes('g5')], [[], ['grade_below_minimum'], []]);
    svc.updateSettings({ minGrade: 'A' });
    assert.deepEqual([codes('g1'), codes('g3')], [['grade_below_minimum'], ['grade_below_minimum']]);
    svc.updateSettings({ minGrade: null });
    assert.deepEqual(codes('g3'), []);
    assert.throws(() => svc.updateSettings({ minGrade: 'E' as never }), /minGrade: must be one of A\+, A, B, C, D, F or null/);
    store.close();
  });

  it('the built trades are cached until something they derive from changes (a new fill, an override, a setting)', () => {
    const { store, svc } = service();
    const trading = tradingRepository(store);
    const t0 = nyTimeToMs('2015-12-24', '10:00');
    trading.insertFill(fill({ id: 'c1', symbol: 'GOOG', side: 'buy', qty: 10, price: 7_500_000, time: t0 }));
    trading.insertFill(fill({ id: 'c2', symbol: 'GOOG', side: 'sell', qty: 10, price: 7_510_000, time: t0 + 60_000 }));
    const first = svc.trades();
    const builds = svc.builds;
    const again = svc.trades();
    assert.equal(svc.builds, builds, 'nothing changed: no rebuild');
    assert.equal(again[0]!.review, first[0]!.review, 'the review is the cached one');
    svc.updateEntry(first[0]!.trade.id, { notes: 'entries are read fresh' });
    assert.equal(svc.trades()[0]!.entry!.notes, 'entries are read fresh');
    assert.equal(svc.builds, builds, 'a note does not rebuild trades');
    trading.insertFill(fill({ id: 'c3', symbol: 'GOOG', side: 'buy', qty: 5, price: 7_500_000, time: t0 + 120_000 }));
    assert.equal(svc.trades().length, 2);
    assert.equal(svc.builds, builds + 1, 'a new fill rebuilds');
    svc.addOverride({ kind: 'split_at', fillId: 'c2' });
    svc.trades();
    assert.equal(svc.builds, builds + 2, 'an override rebuilds');
    svc.updateSettings({ minGrade: 'B' });
    svc.trades();
    assert.equal(svc.builds, builds + 3, 'a journal setting rebuilds');
    store.close();
  });
});
