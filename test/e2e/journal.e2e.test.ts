/**
 * Browser: a paper round trip on the GOOG 2015-12-24 replay appears on the Journal page
 * with the chart captured at entry and at exit; the trader adds a note, tags, a setup and a rating; the statistics show the trade under
 * its setup. Screenshots go to /work/shots/journal/ (or $SHOTS_DIR).
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { collectConsoleErrors, launchChromium } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { at, C750, quoteAtOrBefore } from '../helpers/trading.js';

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
    await page.waitForSelector(row, { timeout: 30_000 });
    const cells = await page.$$eval(`${row} td`, (tds) => tds.map((td) => td.textContent));
    assert.equal(cells[0], '2015-12-24 10:00');
    assert.equal(cells[2], C750);
    assert.equal(cells[5], `${trade.pnl < 0 ? '-' : ''}$${Math.abs(trade.pnl).toFixed(2)}`);
    assert.equal(cells[8], `$${trade.mfe.toFixed(2)}`.replace('$-', '-$'));
    await page.screenshot({ path: path.join(SHOTS, 'journal-1-list.png') });

    await page.click(row);
    // The trade's chart: the underlying's minutes with the fills marked (drawn; looked at in the screenshot).
    await page.waitForSelector('[data-testid="trade-chart"] canvas');
    await page.waitForFunction(() => !document.querySelector('[data-testid="trade-chart"] .jp-chart-msg'), undefined, { timeout: 30_000 });
    await page.fill('[aria-label="setup"]', 'ORB');
    await page.fill('[aria-label="tags"]', 'orb, early');
    await page.click('[aria-label="rating 4"]');
    await page.fill('[aria-label="notes"]', 'Entered on the **first** break; sold into the fade.');
    await page.click('button.jp-save');
    await page.waitForSelector('.jp-detail [role="status"]:text("Saved")', { timeout: 30_000 });
    const saved = (await json('GET', `${server.url}/api/journal/trades/${trade.id}`)).trade;
    assert.deepEqual({ setup: saved.setup, tags: saved.tags, rating: saved.rating, notes: saved.notes },
      { setup: 'ORB', tags: ['orb', 'early'], rating: 4, notes: 'Entered on the **first** break; sold into the fade.' });

    await page.waitForSelector('[data-group="ORB"]', { timeout: 30_000 });
    const stat = await page.$$eval('[data-group="ORB"] td', (tds) => tds.map((td) => td.textContent));
    assert.equal(stat[1], '1');
    assert.equal(stat[3], `${trade.pnl < 0 ? '-' : ''}$${Math.abs(trade.pnl).toFixed(2)}`);
    await page.selectOption('[aria-label="group by"]', 'tag');
    await page.waitForSelector('[data-group="early"]', { timeout: 30_000 });
    await page.screenshot({ path: path.join(SHOTS, 'journal-2-detail-and-stats.png') });
    assert.deepEqual(errors, []);
  });
});
