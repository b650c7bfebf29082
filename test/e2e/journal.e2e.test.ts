/**
 * Browser: a paper round trip on the GOOG 2015-12-24 replay appears on the Journal page
 * with the chart captured at entry and at exit; the trader adds a note, tags, a setup and a
 * rating; the Statistics tab shows the trade under its setup with its plots; the weekly
 * review lists it with its screenshots, notes and rule breaks; the game film of that day
 * plays on the desk with the journal's fills as chart markers (an imported trade's too,
 * which only the journal knows), trade to trade. Screenshots go to /work/shots/journal/
 * (or $SHOTS_DIR).
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { collectConsoleErrors, launchChromium } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { at, C750, quoteAtOrBefore } from '../helpers/trading.js';
import { DEFAULT_WAIT_MS } from '../helpers/timeouts.js';

const SHOTS = process.env.SHOTS_DIR ?? '/work/shots/journal';

async function json(method: string, url: string, body?: unknown): Promise<any> {
  const res = await fetch(url, { method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
  return res.json();
}

async function waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('journal page e2e', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let errors: string[] = [];
  const trades = async (): Promise<any[]> => (await json('GET', `${server.url}/api/journal/trades`)).trades;

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startTestServer({ session: '2015-12-24', time: '10:00', state: 'pause' });
    await json('POST', `${server.url}/api/watchlist`, { symbol: 'GOOG' });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    errors = collectConsoleErrors(page);
    await page.goto(server.url);
    await page.waitForSelector('[data-testid="watchlist-GOOG"]');
    await page.click('[data-testid="watchlist-GOOG"]');
    await page.waitForSelector('.chart-canvas canvas');
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('a paper round trip during the replay is journaled with the chart captured at entry and at exit', async () => {
    const ask = quoteAtOrBefore(C750, at('10:00')).ask!;
    const entry = await json('POST', `${server.url}/api/orders`, { symbol: C750, side: 'buy', qty: 2, type: 'limit', limitPrice: ask });
    assert.equal(entry.order?.status, 'filled', JSON.stringify(entry));
    await waitFor('the entry picture', async () => (await trades())[0]?.screenshots.length === 1);
    await json('POST', `${server.url}/api/replay`, { time: '11:00', state: 'pause' });
    const close = await json('POST', `${server.url}/api/positions/close`, { symbol: C750 });
    assert.ok(close.order, JSON.stringify(close));
    await waitFor('the exit picture', async () => (await trades())[0]?.screenshots.length === 2);
    const [t] = await trades();
    assert.deepEqual(t.screenshots.map((x: any) => x.kind).sort(), ['entry', 'exit']);
    for (const shot of t.screenshots) {
      const res = await fetch(`${server.url}/api/journal/screenshots/${shot.id}`);
      const bytes = Buffer.from(await res.arrayBuffer());
      assert.equal(res.headers.get('content-type'), 'image/png');
      assert.ok(bytes.length > 5_000, `the ${shot.kind} picture holds a drawn chart (${bytes.length} bytes)`);
      writeFileSync(path.join(SHOTS, `journal-capture-${shot.kind}.png`), bytes);
    }
  });

  test('the trade is listed; a note, tags, setup and rating are saved; the statistics show it', async () => {
    const [trade] = await trades();
    assert.ok(trade, 'the paper round trip is a journal trade');
    await page.click('button.jp-open');
    const row = `[data-trade="${trade.id}"]`;
    await page.waitForSelector(row, { timeout: DEFAULT_WAIT_MS });
    const cells = await page.$$eval(`${row} td`, (tds) => tds.map((td) => td.textContent));
    assert.equal(cells[0], '2015-12-24 10:00');
    assert.equal(cells[2], C750);
    assert.equal(cells[5], `${trade.pnl < 0 ? '-' : ''}$${Math.abs(trade.pnl).toFixed(2)}`);
    assert.equal(cells[8], `$${trade.mfe.toFixed(2)}`.replace('$-', '-$'));
    await page.screenshot({ path: path.join(SHOTS, 'journal-1-list.png') });

    await page.click(row);
    // The trade's chart: the underlying's minutes with the fills marked (drawn; looked at in the screenshot).
    await page.waitForSelector('[data-testid="trade-chart"] canvas');
    await page.waitForFunction(() => !document.querySelector('[data-testid="trade-chart"] .jp-chart-msg'), undefined, { timeout: DEFAULT_WAIT_MS });
    await page.fill('[aria-label="setup"]', 'ORB');
    await page.fill('[aria-label="tags"]', 'orb, early');
    await page.click('[aria-label="rating 4"]');
    await page.fill('[aria-label="notes"]', 'Entered on the **first** break; sold into the fade.');
    await page.click('button.jp-save');
    await page.waitForSelector('.jp-detail [role="status"]:text("Saved")', { timeout: DEFAULT_WAIT_MS });
    const saved = (await json('GET', `${server.url}/api/journal/trades/${trade.id}`)).trade;
    assert.deepEqual({ setup: saved.setup, tags: saved.tags, rating: saved.rating, notes: saved.notes },
      { setup: 'ORB', tags: ['orb', 'early'], rating: 4, notes: 'Entered on the **first** break; sold into the fade.' });

    await page.screenshot({ path: path.join(SHOTS, 'journal-2-detail.png') });

    await page.click('[role="tab"]:text("Statistics")');
    await page.waitForSelector('[data-group="ORB"]', { timeout: DEFAULT_WAIT_MS });
    const stat = await page.$$eval('[data-group="ORB"] td', (tds) => tds.map((td) => td.textContent));
    assert.equal(stat[1], '1');
    assert.equal(stat[4], `${trade.pnl < 0 ? '-' : ''}$${Math.abs(trade.pnl).toFixed(2)}`);
    assert.equal(stat[12], '⚠ too few trades');
    // The plots hold the one closed trade (its MAE/MFE come from the recorded quotes).
    assert.equal(await page.getAttribute('[data-testid="equity-curve"]', 'data-points'), '1');
    await page.waitForSelector('[data-testid="equity-curve"] canvas');
    assert.equal(await page.getAttribute('[data-testid="calendar-heatmap"]', 'data-days'), '1');
    assert.ok(await page.$('[data-testid="calendar-heatmap"] [data-date="2015-12-24"]'));
    assert.equal(await page.getAttribute('[data-testid="mae-mfe-scatter"]', 'data-points'), '1');
    await page.selectOption('[aria-label="group by"]', 'tag');
    await page.waitForSelector('[data-group="early"]', { timeout: DEFAULT_WAIT_MS });
    await page.screenshot({ path: path.join(SHOTS, 'journal-3-statistics.png') });
    // Entered without a stop: a rule break, so the clean statistics leave it out.
    assert.deepEqual(trade.ruleBreaks.map((b: any) => b.code).includes('no_stop'), true);
    await page.check('[aria-label="without rule breaks"]');
    await page.waitForFunction(() => !document.querySelector('[data-group="early"]'), undefined, { timeout: DEFAULT_WAIT_MS });
    await page.uncheck('[aria-label="without rule breaks"]');
    assert.deepEqual(errors, []);
  });

  test('the weekly review lists the trade with its screenshots, notes, R and the week\'s rule-break counts', async () => {
    const [trade] = await trades();
    await page.click('[role="tab"]:text("Weekly review")');
    const card = `[data-review-trade="${trade.id}"]`;
    await page.waitForSelector(card, { timeout: DEFAULT_WAIT_MS });
    assert.equal(await page.$$eval(`${card} .jp-shots img`, (imgs) => imgs.length), 2);
    await page.waitForFunction((sel) => [...document.querySelectorAll(`${sel} .jp-shots img`)].every((i) => (i as HTMLImageElement).naturalWidth > 0), card, { timeout: DEFAULT_WAIT_MS });
    assert.match((await page.textContent(`${card} .jp-card-notes`))!, /Entered on the \*\*first\*\* break/);
    const counts = (await page.textContent('[data-testid="rule-break-counts"]'))!;
    assert.match(counts, /1× no stop/);
    assert.match((await page.textContent('[data-testid="review-summary"]'))!, /^1 trade · net .* · 1 with rule breaks/);
    await page.screenshot({ path: path.join(SHOTS, 'journal-4-weekly-review.png') });
  });

  test('game film: the day plays on the desk with the journal\'s fills as markers, trade to trade', async () => {
    // A trade only the journal knows (imported), later that day: its fills can only come from the film.
    const imported = await json('POST', `${server.url}/api/journal/import`, { csv: 'id,time,symbol,side,qty,price\nimp-1,2015-12-24 11:30,GOOG,buy,10,750\nimp-2,2015-12-24 11:45,GOOG,sell,10,751.5\n', account: 'tos' });
    assert.equal(imported.imported, 2, JSON.stringify(imported));
    const all = await trades();
    const stock = all.find((t) => t.symbol === 'GOOG')!;
    assert.deepEqual(stock.fills.map((f: any) => f.id), ['imp:imp-1', 'imp:imp-2']);
    await json('POST', `${server.url}/api/replay`, { speed: 120 });
    await page.click('[role="tab"]:text("Trades")');
    await page.click(`[data-trade="${stock.id}"]`);
    await page.click('button.jp-film');
    await page.waitForSelector('[data-testid="game-film"]', { timeout: DEFAULT_WAIT_MS });
    assert.equal(await page.$('.journal-page'), null, 'the film plays on the desk');
    assert.equal(await page.getAttribute('[data-testid="game-film"]', 'data-trade'), stock.id);
    const replay = async () => (await json('GET', `${server.url}/api/health`)).replay;
    await waitFor('the replay at the imported trade\'s entry, playing', async () => {
      const r = await replay();
      return r.session === '2015-12-24' && r.state === 'play' && r.clock >= Date.parse('2015-12-24T11:30:00-05:00');
    });
    await page.waitForSelector('[data-testid="chart"][data-symbol="GOOG"]', { timeout: DEFAULT_WAIT_MS });
    // Drawn markers are read from the chart's markers primitive (ids: `fill:` + the fill id).
    const markerIds = async () => (JSON.parse((await page.getAttribute('[data-testid="chart"]', 'data-fill-markers')) ?? '[]') as { id: string }[]).map((m) => m.id);
    await waitFor('the imported entry and exit as markers while the film plays', async () => {
      const ids = await markerIds();
      return ids.includes('fill:imp:imp-1') && ids.includes('fill:imp:imp-2');
    });
    await page.screenshot({ path: path.join(SHOTS, 'journal-5-game-film-imported-trade.png') });
    // Previous trade: the paper trade at 10:00; the replay jumps back to its entry.
    await page.click('[aria-label="previous trade"]');
    const paper = all.find((t) => t.symbol === C750)!;
    await waitFor('the film on the paper trade', async () => (await page.getAttribute('[data-testid="game-film"]', 'data-trade')) === paper.id);
    await waitFor('the replay back at 10:00', async () => {
      const r = await replay();
      return r.clock >= at('10:00') && r.clock < Date.parse('2015-12-24T11:30:00-05:00');
    });
    await json('POST', `${server.url}/api/replay`, { state: 'pause' });
    // The traded contract is in the quote matrix, and its entry fill is a marker on GOOG.
    await page.waitForSelector(`[data-testid="matrix-row-${C750}"]`, { timeout: DEFAULT_WAIT_MS });
    assert.ok((await json('GET', `${server.url}/api/matrix`)).entries.some((e: any) => e.ticker === C750));
    await waitFor('the paper entry marker', async () => (await markerIds()).includes(`fill:${paper.fills[0].id}`));
    await page.screenshot({ path: path.join(SHOTS, 'journal-6-game-film-paper-trade.png') });
    await page.setViewportSize({ width: 1280, height: 800 });
    assert.ok(await page.isVisible('.gamefilm .gf-close'), 'Close film stays in view on a 1280×800 laptop');
    await page.screenshot({ path: path.join(SHOTS, 'journal-6-game-film-1280x800.png') });
    await page.setViewportSize({ width: 1600, height: 1000 });
    assert.deepEqual(errors, []);
  });

  test('split and merge on the trade detail: the imported trade split at its exit fill becomes two, merged back it is one again', async () => {
    const stock = (await trades()).find((t) => t.symbol === 'GOOG')!;
    await page.click('[aria-label="Close film"], button:text("Close film")');
    await page.click('button.jp-open');
    await page.click(`[data-trade="${stock.id}"]`);
    await page.click('[aria-label="split at fill imp:imp-2"]');
    await waitFor('two GOOG trades after the split', async () => (await trades()).filter((t) => t.symbol === 'GOOG').length === 2);
    const parts = (await trades()).filter((t) => t.symbol === 'GOOG');
    await page.waitForSelector(`[data-trade="${parts[1]!.id}"]`, { timeout: DEFAULT_WAIT_MS });
    await page.screenshot({ path: path.join(SHOTS, 'journal-7-split.png') });
    // The detail shows the part holding the first fill; merge it with the other part.
    await page.click(`[data-trade="${parts[0]!.id}"]`);
    await page.selectOption('[aria-label="merge with"]', parts[1]!.id);
    await page.click('.jp-regroup button:text("Merge")');
    await waitFor('one GOOG trade after the merge', async () => (await trades()).filter((t) => t.symbol === 'GOOG').length === 1);
    const merged = (await trades()).find((t) => t.symbol === 'GOOG')!;
    assert.deepEqual(merged.fills.map((f: any) => f.id), ['imp:imp-1', 'imp:imp-2']);
    assert.equal(merged.pnl, stock.pnl, 'the same round trip, the same P&L');
    // Merging the two parts undoes the split: one leg, the same excursions as before it.
    assert.deepEqual([merged.id, merged.legs.length, merged.mae, merged.mfe], [stock.id, 1, stock.mae, stock.mfe]);
    await page.waitForSelector(`.jp-detail h3:text("GOOG")`, { timeout: DEFAULT_WAIT_MS });
    await page.screenshot({ path: path.join(SHOTS, 'journal-8-merged.png') });
    assert.deepEqual(errors, []);
  });
});
