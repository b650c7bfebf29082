/**
 * Browser: the trader's $2.00 → $2.10 workflow on the GOOG 2015-12-24 replay. Pick the
 * 0-DTE 750 call's ask in the chain, buy 1 with a +10% take-profit from the order ticket,
 * watch the position with its live P&L and armed take-profit, move the replay, and see the
 * take-profit fill. Screenshots go to /work/shots/trading/ (or $SHOTS_DIR).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { TestServer } from '../helpers/server.js';
import { json, openGoogDesk, type TradingDesk } from '../helpers/trading-desk.js';
import { at, C750, quoteAtOrBefore, recordedQuotes } from '../helpers/trading.js';
import { DEFAULT_WAIT_MS } from '../helpers/timeouts.js';

const SHOTS = process.env.SHOTS_DIR ?? '/work/shots/trading';

describe('trading dock e2e', () => {
  let desk: TradingDesk;
  let server: TestServer;
  let page: Page;
  let errors: string[] = [];

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    desk = await openGoogDesk('11:45', { width: 1600, height: 1000 });
    ({ server, page, errors } = desk);
    await page.goto(server.url);
    await page.waitForSelector('[data-testid="watchlist-GOOG"]');
  });
  after(async () => {
    await desk?.close();
  });

  test('buy the 0-DTE 750 call at the ask with +10% take-profit, then the take-profit fills', async () => {
    await page.click('[data-testid="watchlist-GOOG"]');
    await page.waitForSelector(`[data-testid="ask-${C750}"]`, { timeout: DEFAULT_WAIT_MS });
    await page.click(`[data-testid="ask-${C750}"]`);
    await page.waitForSelector(`[data-testid="selected-contract"][data-ticker="${C750}"]`, { timeout: DEFAULT_WAIT_MS });
    const ask = quoteAtOrBefore(C750, at('11:45')).ask!;
    assert.equal(await page.inputValue('[data-testid="ticket-price"]'), ask.toFixed(2), 'the limit starts at the clicked ask');
    const preview = await page.textContent('[data-testid="entry-preview"]');
    assert.match(preview!, new RegExp(`cost \\$${(ask * 100).toFixed(2)}`));
    assert.match(preview!, /fees \$0\.\d\d/);
    await page.click('[data-testid="entry-submit"]');
    await page.waitForSelector(`[data-testid="position-row"][data-symbol="${C750}"]`, { timeout: DEFAULT_WAIT_MS });
    await page.waitForFunction(() => /TP \d/.test(document.querySelector('[data-testid="position-row"] .td-exits')?.textContent ?? ''), undefined, { timeout: DEFAULT_WAIT_MS });
    const tp = Math.ceil(ask * 1.1 * 100 - 1e-9) / 100;
    const exits = await page.textContent('[data-testid="position-row"] .td-exits');
    assert.equal(exits, `TP ${tp.toFixed(2)}`);
    const pnl = await page.textContent('[data-testid="position-pnl"]');
    assert.match(pnl!, /^(−?\$\d+\.\d\d)$/, 'the position shows its P&L in dollars');
    await page.screenshot({ path: path.join(SHOTS, 'trading-1-position.png') });

    const hit = recordedQuotes(C750).find((q) => q.ts > at('11:45') && q.bid !== null && q.bid >= tp);
    assert.ok(hit, 'the recorded bid reaches the take-profit later in the day');
    await json('POST', `${server.url}/api/replay`, { time: '12:30', state: 'pause' });
    await page.waitForSelector('[data-testid="order-row"][data-role="take_profit"][data-status="filled"]', { timeout: DEFAULT_WAIT_MS });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="position-row"]').length === 0, undefined, { timeout: DEFAULT_WAIT_MS });
    await page.screenshot({ path: path.join(SHOTS, 'trading-2-take-profit-filled.png') });
    assert.deepEqual(errors, [], 'no console errors');
  });

  test('the kill switch button halts trading and shows why; a refused order says which check', async () => {
    await page.click('[data-testid="kill-switch"]');
    await page.waitForFunction(() => /KILL SWITCH ON/.test(document.querySelector('[data-testid="kill-switch"]')?.textContent ?? ''), undefined, { timeout: DEFAULT_WAIT_MS });
    await page.click('[data-testid="entry-submit"]');
    await page.waitForSelector('[data-testid="ticket-error"][data-check="kill_switch"]', { timeout: DEFAULT_WAIT_MS });
    assert.match((await page.textContent('[data-testid="ticket-error"]'))!, /^kill switch: the kill switch is on/);
    await page.screenshot({ path: path.join(SHOTS, 'trading-3-kill-switch.png') });
    await page.click('[data-testid="kill-switch"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="kill-switch"]')?.textContent === 'KILL', undefined, { timeout: DEFAULT_WAIT_MS });
  });
});
