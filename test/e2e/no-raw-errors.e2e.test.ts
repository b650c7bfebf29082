/**
 * Browser test: no raw errors, no self-inflicted 404s.
 *
 * 1. On SPY with the Nov 1 expiration open, switching the replay session to 2023-08-03 (whose
 *    only SPY expiration is 2023-09-01) sends no request for an expiration the new session
 *    lacks, gets no 4xx, and shows no wire message ("options:subscribe: …"); the chain re-picks
 *    2023-09-01. Selecting AIG (no data that day) says so without asking for its options.
 * 2. GOOG 2015-12-24: when the 0-DTE expiration closes at 13:00 the chain says it expired and
 *    moves to the next expiration; the matrix row of a held Dec 24 contract shows its
 *    settlement (intrinsic against GOOG's close) labelled "expired", with its P&L.
 * 3. The order ticket's price follows the live quote of the selected side until the trader
 *    types a price.
 *
 * Needs Chromium (CHROMIUM_PATH, default /usr/bin/chromium) and a built web/dist.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, collectConsoleErrors } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { readAggregates, stockMinuteFile } from '../helpers/data.js';
import { DEFAULT_WAIT_MS } from '../helpers/timeouts.js';

interface Watch {
  failed: string[];
  subscribes: Array<{ underlying: string; expiration: string }>;
  errors: string[];
}

/** Records 4xx/5xx answers, chain subscriptions sent over the socket and console errors. */
function watch(page: Page): Watch {
  const w: Watch = { failed: [], subscribes: [], errors: collectConsoleErrors(page) };
  page.on('response', (r) => {
    if (r.status() >= 400) w.failed.push(`${r.status()} ${r.url()}`);
  });
  page.on('websocket', (ws) => {
    ws.on('framesent', (f) => {
      const text = typeof f.payload === 'string' ? f.payload : '';
      const m = /^42(\[.*\])$/.exec(text);
      if (!m) return;
      const [event, body] = JSON.parse(m[1]!) as [string, { underlying: string; expiration: string }];
      if (event === 'options:subscribe') w.subscribes.push({ underlying: body.underlying, expiration: body.expiration });
    });
  });
  return w;
}

async function post(base: string, path: string, body: unknown, method = 'POST'): Promise<void> {
  const res = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.ok(res.ok, `${method} ${path} → ${res.status} ${await res.text()}`);
}

async function waitChain(page: Page, attrs: Record<string, string>): Promise<void> {
  await page.waitForFunction(
    (want) => {
      const d = document.querySelector<HTMLElement>('[data-testid="options-chain"]')?.dataset ?? {};
      return Object.entries(want).every(([k, v]) => d[k] === v) && !!document.querySelector('[data-testid="chain-spot"]');
    },
    attrs,
    { timeout: DEFAULT_WAIT_MS },
  );
}

const bodyText = (page: Page) => page.evaluate(() => document.body.innerText);

describe('switching sessions', () => {
  let srv: TestServer;
  let browser: Browser;
  let page: Page;
  before(async () => {
    srv = await startTestServer({ session: '2013-10-10', time: '10:30', state: 'pause' });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    await page.addInitScript(() => localStorage.setItem('optdesk.chart', JSON.stringify({ symbol: 'SPY', tf: '5m', extended: false })));
  });
  after(async () => {
    await browser?.close();
    await srv?.close();
  });

  test('no stale expiration is requested, no 4xx, no wire message; the chain re-picks', async () => {
    const w = watch(page);
    await page.goto(srv.url);
    await waitChain(page, { expiration: '2013-10-11', source: 'model' });
    await page.click('[data-testid="exp-2013-11-01"]');
    await waitChain(page, { expiration: '2013-11-01' });
    const before = w.subscribes.length;

    await page.selectOption('[data-testid="replay-session"]', '2023-08-03');
    await waitChain(page, { expiration: '2023-09-01', source: 'recorded' });
    const after = w.subscribes.slice(before);
    assert.deepEqual(after.filter((s) => s.expiration !== '2023-09-01'), [], `stale subscriptions after the switch: ${JSON.stringify(after)}`);
    assert.deepEqual(w.failed, []);
    assert.doesNotMatch(await bodyText(page), /options:subscribe|expiration:/);

    await page.click('[data-testid="watchlist-AIG"]');
    await page.waitForFunction(() => /No data for AIG on 2023-08-03/.test(document.querySelector('[data-testid="options-chain"]')?.textContent ?? ''), null, { timeout: DEFAULT_WAIT_MS });
    assert.deepEqual(w.failed, [], 'a symbol without data is not asked for its options');
    assert.deepEqual(w.errors, []);
  });
});

describe('GOOG 2015-12-24 (recorded quotes, 13:00 early close)', () => {
  let srv: TestServer;
  let browser: Browser;
  let page: Page;
  const HELD = 'O:GOOG151224C00740000';
  before(async () => {
    srv = await startTestServer({ session: '2015-12-24', time: '12:40', state: 'pause' });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    await page.addInitScript(() => localStorage.setItem('optdesk.chart', JSON.stringify({ symbol: 'GOOG', tf: '5m', extended: false })));
  });
  after(async () => {
    await browser?.close();
    await srv?.close();
  });

  const chainAsks = async (expiration: string) => {
    const res = await fetch(`${srv.url}/api/options/chain?underlying=GOOG&expiration=${expiration}`);
    const body = (await res.json()) as { rows: Array<{ ticker: string; ask: number | null; strike: number }> };
    return new Map(body.rows.map((r) => [r.ticker, r.ask]));
  };
  const ticketPrice = () => page.inputValue('[data-testid="ticket-price"]');
  const waitClock = (hhmm: string) => page.waitForFunction((t) => document.querySelector('[data-testid="replay-clock"] .rb-time')?.textContent === t, hhmm, { timeout: DEFAULT_WAIT_MS });

  test('the order ticket follows the live quote until the trader types a price; the expired 0-DTE settles in the matrix', async () => {
    await post(srv.url, '/api/matrix', { entries: [{ ticker: HELD, entryPrice: 6.5, quantity: 2 }] }, 'PUT');
    // A Dec 31 contract whose ask moves between 12:40 and 12:50 (read from the API first).
    const at1240 = await chainAsks('2015-12-31');
    await post(srv.url, '/api/replay', { time: '12:50' });
    const at1250 = await chainAsks('2015-12-31');
    const moving = [...at1240].find(([t, a]) => a !== null && at1250.get(t) != null && at1250.get(t) !== a);
    assert.ok(moving, 'some Dec 31 ask changes between 12:40 and 12:50');
    const [ticker, ask1240] = moving;
    await post(srv.url, '/api/replay', { time: '12:40' });

    const w = watch(page);
    await page.goto(srv.url);
    await waitChain(page, { expiration: '2015-12-24', source: 'recorded' });
    await page.click('[data-testid="exp-2015-12-31"]');
    await waitChain(page, { expiration: '2015-12-31' });
    await page.locator(`[data-testid="ask-${ticker}"]`).scrollIntoViewIfNeeded();
    await page.click(`[data-testid="ask-${ticker}"]`);
    await page.waitForFunction((v) => (document.querySelector('[data-testid="ticket-price"]') as HTMLInputElement | null)?.value === v, ask1240!.toFixed(2), { timeout: DEFAULT_WAIT_MS });

    await post(srv.url, '/api/replay', { time: '12:50' });
    await page.waitForFunction((v) => (document.querySelector('[data-testid="ticket-price"]') as HTMLInputElement | null)?.value === v, at1250.get(ticker)!.toFixed(2), { timeout: DEFAULT_WAIT_MS });

    await page.fill('[data-testid="ticket-price"]', '1.23');
    await post(srv.url, '/api/replay', { time: '12:55' });
    await waitClock('12:55');
    await page.waitForFunction((t) => document.querySelector(`[data-testid="matrix-row-${t}"]`) !== null, ticker);
    assert.equal(await ticketPrice(), '1.23', 'a typed price is kept while quotes move');

    // The 0-DTE: back on Dec 24, then past the 13:00 close.
    await page.click('[data-testid="exp-2015-12-24"]');
    await waitChain(page, { expiration: '2015-12-24' });
    await post(srv.url, '/api/replay', { time: '13:10' });
    await page.waitForSelector('[data-testid="chain-switch-note"]', { timeout: DEFAULT_WAIT_MS });
    assert.match((await page.textContent('[data-testid="chain-switch-note"]')) ?? '', /The Dec 24 expiration has expired — showing /);
    assert.notEqual(await page.getAttribute('[data-testid="options-chain"]', 'data-expiration'), '2015-12-24');

    await page.waitForSelector(`[data-testid="matrix-expired-${HELD}"]`, { timeout: DEFAULT_WAIT_MS });
    const close = readAggregates(stockMinuteFile('2015-12-24'), 'GOOG').filter((m) => m.start < Date.parse('2015-12-24T13:00:00-05:00')).at(-1)!.close;
    const settlement = close - 740;
    assert.equal((await page.textContent(`[data-testid="matrix-mark-${HELD}"]`))?.trim(), settlement.toFixed(2));
    const pnl = (settlement - 6.5) * 100 * 2;
    assert.equal((await page.textContent(`[data-testid="matrix-pnl-${HELD}"]`))?.trim(), `${pnl >= 0 ? '+' : '−'}$${Math.abs(pnl).toFixed(2)}`);

    assert.deepEqual(w.failed, []);
    assert.doesNotMatch(await bodyText(page), /options:subscribe|expiration:/);
    assert.deepEqual(w.errors, []);
  });
});

