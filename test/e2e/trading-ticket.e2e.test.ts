/**
 * Browser: the one order ticket on the GOOG 2015-12-24 replay, end to end as a trader does
 * it. Click the 0-DTE 750 call's ask in the chain → the ticket (right column) is filled;
 * buy 1 with a +10% take-profit; the position appears in the quote matrix as a held row
 * (entry = average price, qty, TP = the armed take-profit) whose P&L follows the replay;
 * the entry fill is a marker on the GOOG chart at once, and after the take-profit fills
 * both markers are there (read from the chart's markers primitive via data-fill-markers,
 * compared with GET /api/orders). A sell to open (the paper account is long-only) shows
 * the server's refusal inline, naming the check.
 * Screenshots at 1280×800 and 1600×900 in /work/shots/tradingui/ (or $SHOTS_DIR).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { TestServer } from '../helpers/server.js';
import { json, openGoogDesk, type TradingDesk } from '../helpers/trading-desk.js';
import { at, C745, C750, quoteAtOrBefore, recordedQuotes } from '../helpers/trading.js';
import { DEFAULT_WAIT_MS } from '../helpers/timeouts.js';

const SHOTS = process.env.SHOTS_DIR ?? '/work/shots/tradingui';
const SIZES = [
  { width: 1600, height: 900 },
  { width: 1280, height: 800 },
];

/** "+$7.50" / "−$17.50", as the matrix writes P&L. */
function signedMoney(v: number): string {
  return `${v > 0 ? '+' : v < 0 ? '−' : ''}$${Math.abs(v).toFixed(2)}`;
}

/** Chart time (NY wall clock as UTC seconds, December = UTC−5) of the 5-minute bar holding `ms`. */
function fiveMinuteBarTime(ms: number): number {
  return Math.floor(ms / 300_000) * 300 - 5 * 3600;
}

interface DrawnMarker {
  id: string;
  time: number;
  position: string;
  text: string;
}

describe('one order ticket e2e (GOOG 2015-12-24)', () => {
  let desk: TradingDesk;
  let server: TestServer;
  let page: Page;
  let errors: string[] = [];

  const shoot = async (name: string) => {
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await page.screenshot({ path: path.join(SHOTS, `${name}-${size.width}x${size.height}.png`) });
    }
    await page.setViewportSize(SIZES[0]!);
  };
  const markers = async (): Promise<DrawnMarker[]> => JSON.parse((await page.getAttribute('[data-testid="chart"]', 'data-fill-markers')) ?? '[]');
  const waitMarkers = (n: number) =>
    page.waitForFunction((k) => (JSON.parse((document.querySelector('[data-testid="chart"]') as HTMLElement).dataset.fillMarkers ?? '[]') as unknown[]).length === k, n, { timeout: DEFAULT_WAIT_MS });

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    desk = await openGoogDesk('11:45', SIZES[0]!);
    ({ server, page, errors } = desk);
    await page.addInitScript(() => localStorage.setItem('optdesk.chart', JSON.stringify({ symbol: 'GOOG', tf: '5m', extended: false })));
    await page.goto(server.url);
    await page.waitForSelector('[data-testid="chart"][data-symbol="GOOG"][data-tf="5m"]', { timeout: DEFAULT_WAIT_MS });
    await page.waitForSelector(`[data-testid="ask-${C750}"]`, { timeout: DEFAULT_WAIT_MS });
  });
  after(async () => {
    await desk?.close();
  });

  test('a sell to open is refused by the paper account and the ticket says which check', async () => {
    await page.locator(`[data-testid="bid-${C745}"]`).scrollIntoViewIfNeeded();
    await page.click(`[data-testid="bid-${C745}"]`);
    await page.waitForSelector(`[data-testid="selected-contract"][data-ticker="${C745}"][data-side="bid"]`, { timeout: DEFAULT_WAIT_MS });
    assert.equal(await page.textContent('[data-testid="ticket-open-close"]'), 'sell to open');
    const bid = quoteAtOrBefore(C745, at('11:45')).bid!;
    assert.equal(await page.inputValue('[data-testid="ticket-price"]'), bid.toFixed(2));
    // A naked short call: the ticket does not pretend its loss is bounded.
    assert.match((await page.textContent('[data-testid="entry-preview"]'))!, new RegExp(`proceeds \\$${(bid * 100).toFixed(2)}.*max loss unlimited`));
    assert.match((await page.textContent('[data-testid="break-even"]'))!, new RegExp(`= ${(745 + bid).toFixed(2)} GOOG must stay below it`));
    await page.click('[data-testid="entry-submit"]');
    await page.waitForSelector('[data-testid="ticket-error"]', { timeout: DEFAULT_WAIT_MS });
    // A like order straight to the API (2 contracts: the same one again would be refused as a
    // duplicate intent): the ticket must show the server's refusal, not a sentence of its own.
    const direct = await json('POST', `${server.url}/api/orders`, { symbol: C745, side: 'sell', qty: 2, type: 'limit', limitPrice: bid });
    assert.equal(direct.status, 422);
    const check = await page.getAttribute('[data-testid="ticket-error"]', 'data-check');
    // The paper broker refuses it (no shares or contracts to cover): BROKER_REJECTED with its code.
    assert.equal(direct.body.error.code, 'BROKER_REJECTED');
    assert.equal(check, `broker:${direct.body.error.reason}`);
    const sentence = String(direct.body.error.message).replace('requested: 2', 'requested: 1');
    assert.equal(await page.textContent('[data-testid="ticket-error"]'), `${check!.replace(/_/g, ' ')}: ${sentence}`);
    await shoot('ticket-0-sell-to-open-refused');
    const open = await json('GET', `${server.url}/api/positions`);
    assert.deepEqual(open.body.positions, [], 'nothing was sold');
  });

  test('click the ask, buy 1 with +10% take-profit, held row with live P&L, take-profit fill, both markers', async () => {
    await page.locator(`[data-testid="ask-${C750}"]`).scrollIntoViewIfNeeded();
    await page.click(`[data-testid="ask-${C750}"]`);
    await page.waitForSelector(`[data-testid="selected-contract"][data-ticker="${C750}"][data-side="ask"]`, { timeout: DEFAULT_WAIT_MS });
    const ask = quoteAtOrBefore(C750, at('11:45')).ask!;
    assert.equal(await page.inputValue('[data-testid="ticket-price"]'), ask.toFixed(2), 'the limit starts at the clicked ask');
    assert.equal(await page.textContent('[data-testid="ticket-open-close"]'), 'buy to open');
    await page.selectOption('[data-testid="entry-tp-mode"]', 'percent');
    await page.fill('[data-testid="entry-tp"]', '10');
    const tp = Math.ceil(ask * 1.1 * 100 - 1e-9) / 100;
    assert.equal(await page.textContent('[data-testid="entry-tp-price"]'), `→ ${tp.toFixed(2)}`);
    const preview = (await page.textContent('[data-testid="entry-preview"]'))!;
    assert.match(preview, new RegExp(`cost \\$${(ask * 100).toFixed(2)}`));
    const fees = Number(/fees \$(\d+\.\d\d)/.exec(preview)?.[1]);
    assert.ok(fees > 0 && fees < 1, `fees for one contract: ${preview}`);
    assert.match(preview, new RegExp(`max loss \\$${(ask * 100 + fees).toFixed(2)}`));
    assert.match((await page.textContent('[data-testid="break-even"]'))!, new RegExp(`= ${(750 + ask).toFixed(2)}`));
    await shoot('ticket-1-filled-from-chain');

    await page.click('[data-testid="entry-submit"]');
    await page.waitForSelector(`[data-testid="matrix-held-${C750}"]`, { timeout: DEFAULT_WAIT_MS });
    const positions = (await json('GET', `${server.url}/api/positions`)).body.positions as Array<{ symbol: string; avgPrice: number; qty: number; unrealizedPnl: number; takeProfit: { limitPrice: number } | null }>;
    const pos = positions.find((p) => p.symbol === C750)!;
    assert.equal(pos.qty, 1);
    assert.equal(pos.avgPrice, ask, 'bought at the recorded ask');
    await page.waitForFunction((t) => document.querySelector(`[data-testid="matrix-takeProfit-${t}"]`)?.textContent !== '—', C750, { timeout: DEFAULT_WAIT_MS });
    assert.equal(await page.textContent(`[data-testid="matrix-entryPrice-${C750}"]`), ask.toFixed(2));
    assert.equal(await page.textContent(`[data-testid="matrix-quantity-${C750}"]`), '1');
    assert.equal(await page.textContent(`[data-testid="matrix-takeProfit-${C750}"]`), tp.toFixed(2));
    assert.equal(await page.$(`[data-testid="matrix-entryPrice-${C750}"] input`), null, 'a held row is not typed over');
    const pnlAt = (pnl: number) => page.waitForFunction(([t, v]) => document.querySelector(`[data-testid="matrix-pnl-${t}"]`)?.textContent === v, [C750, signedMoney(pnl)] as const, { timeout: DEFAULT_WAIT_MS });
    await pnlAt(pos.unrealizedPnl);

    // The entry is on the GOOG chart as soon as it fills, and the legend names it.
    await waitMarkers(1);
    const orders1 = (await json('GET', `${server.url}/api/orders?status=all`)).body.orders as Array<{ role: string; symbol: string; side: string; fills: Array<{ id: string; time: string; price: number; qty: number }> }>;
    const entryFill = orders1.find((o) => o.role === 'entry' && o.symbol === C750)!.fills[0]!;
    const [m1] = await markers();
    assert.equal(m1!.id, `fill:${entryFill.id}`);
    assert.equal(m1!.position, 'belowBar');
    assert.equal(m1!.text, `B ${ask.toFixed(2)}`);
    await page.waitForSelector(`[data-testid="legend-fills"] [data-fill-id="${entryFill.id}"]`, { timeout: DEFAULT_WAIT_MS });
    assert.match((await page.textContent(`[data-fill-id="${entryFill.id}"]`))!, new RegExp(`bought 1 GOOG 24Dec 750C @ ${ask.toFixed(2)} 11:45:00`));
    await shoot('ticket-2-held-row-entry-marker');

    // Live P&L: a minute where the mark moved but the bid is still under the take-profit.
    const mid0 = (quoteAtOrBefore(C750, at('11:45')).bid! + ask) / 2;
    const minute = ['11:46', '11:47', '11:48'].find((m) => {
      const q = quoteAtOrBefore(C750, at(m));
      return q.bid !== null && q.ask !== null && q.bid < tp && (q.bid + q.ask) / 2 !== mid0;
    });
    assert.ok(minute, 'the mark moves before the take-profit is reached');
    await json('POST', `${server.url}/api/replay`, { time: minute, state: 'pause' });
    const moved = (await json('GET', `${server.url}/api/positions`)).body.positions.find((p: { symbol: string }) => p.symbol === C750);
    assert.notEqual(moved.unrealizedPnl, pos.unrealizedPnl);
    await pnlAt(moved.unrealizedPnl);

    // The take-profit fills when the recorded bid reaches it; both fills are on the chart.
    const hit = recordedQuotes(C750).find((q) => q.ts > at('11:45') && q.bid !== null && q.bid >= tp);
    assert.ok(hit, 'the recorded bid reaches the take-profit later in the day');
    await json('POST', `${server.url}/api/replay`, { time: '12:30', state: 'pause' });
    await page.waitForSelector('[data-testid="order-row"][data-role="take_profit"][data-status="filled"]', { timeout: DEFAULT_WAIT_MS });
    await page.waitForFunction((t) => !document.querySelector(`[data-testid="matrix-held-${t}"]`), C750, { timeout: DEFAULT_WAIT_MS });
    await waitMarkers(2);
    const orders2 = (await json('GET', `${server.url}/api/orders?status=all`)).body.orders as typeof orders1;
    const tpFill = orders2.find((o) => o.role === 'take_profit' && o.symbol === C750)!.fills[0]!;
    assert.equal(tpFill.price, tp);
    await page.waitForFunction(
      (want) => (document.querySelector('[data-testid="chart"]') as HTMLElement).dataset.fillMarkers === want,
      JSON.stringify([
        { id: `fill:${entryFill.id}`, time: fiveMinuteBarTime(Date.parse(entryFill.time)), position: 'belowBar', text: `B ${ask.toFixed(2)}` },
        { id: `fill:${tpFill.id}`, time: fiveMinuteBarTime(Date.parse(tpFill.time)), position: 'aboveBar', text: `S ${tp.toFixed(2)}` },
      ]),
      { timeout: DEFAULT_WAIT_MS },
    );
    await shoot('ticket-3-take-profit-filled-both-markers');

    // Markers follow the chart: gone on another symbol, back on GOOG at another timeframe.
    await page.keyboard.press('5'); // 1h
    await page.waitForSelector('[data-testid="chart"][data-tf="1h"]', { timeout: DEFAULT_WAIT_MS });
    await page.waitForFunction(
      () => (JSON.parse((document.querySelector('[data-testid="chart"]') as HTMLElement).dataset.fillMarkers ?? '[]') as Array<{ time: number }>).every((m) => m.time % 3600 === 1800 || m.time % 3600 === 0),
      undefined,
      { timeout: DEFAULT_WAIT_MS },
    );
    assert.equal((await markers()).length, 2);
    await page.keyboard.press('3'); // back to 5m
    await page.waitForSelector('[data-testid="chart"][data-tf="5m"]', { timeout: DEFAULT_WAIT_MS });
    // The browser logs the refused sell to open's 422 as a failed resource; nothing else.
    assert.deepEqual(errors.filter((e) => !/status of 422 \(Unprocessable Entity\)/.test(e)), [], 'no console errors');
    assert.equal(errors.length, 1, 'one refusal: the sell to open');
  });
});
