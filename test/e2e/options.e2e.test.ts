/**
 * Browser test of the options chain panel and the quote matrix against the real server,
 * on the recorded GOOG option quotes of 2015-12-24 (replay paused at 11:00):
 *
 * 1. Selecting GOOG shows one tab per open expiration (12, the first one 0-DTE) and the
 *    chain of the nearest expiration; every strike row and every bid/ask cell equals
 *    GET /api/options/chain.
 * 2. Clicking an ask adds the contract to the matrix with that ask and selects it in the
 *    order ticket (with the break-even).
 * 3. Moving the replay to 12:30 updates the chain and matrix cells to the API's new values
 *    without a page reload.
 * No console errors throughout.
 *
 * Needs Chromium (CHROMIUM_PATH, default /usr/bin/chromium) and a built web/dist
 * (`npx vite build --config web/vite.config.ts`).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, collectConsoleErrors } from '../helpers/browser.js';
import type { ChainResponse, ExpirationsResponse } from '../../src/wire/options-protocol.js';
import type { ReplayStatus } from '../../src/wire/protocol.js';
import { startTestServer } from '../helpers/server.js';
import { scaled } from '../helpers/timeouts.js';

const SESSION = '2015-12-24';
const UNDERLYING = 'GOOG';

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  assert.equal(res.status, 200, `GET ${url} → ${res.status} ${await res.clone().text()}`);
  return (await res.json()) as T;
}

async function sendJson<T>(method: string, url: string, body: unknown): Promise<T> {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.ok(res.ok, `${method} ${url} ${JSON.stringify(body)} → ${res.status} ${await res.clone().text()}`);
  return (await res.json()) as T;
}

/** What the panel must print for a price: two decimals, a missing side as "—" (never 0). */
const price = (v: number | null) => (v == null ? '—' : v.toFixed(2));
const strikeId = (k: number) => String(Number(k.toFixed(3)));

interface PanelState {
  underlying?: string;
  expiration?: string;
  rowCount?: string;
  source?: string;
  live?: string;
  cells: Record<string, string>;
  strikes: string[];
}

async function panelState(page: Page): Promise<PanelState> {
  return page.$eval('[data-testid="options-chain"]', (el) => {
    const d = (el as HTMLElement).dataset;
    const cells: Record<string, string> = {};
    for (const c of el.querySelectorAll<HTMLElement>('[data-testid^="bid-O:"], [data-testid^="ask-O:"]')) cells[c.dataset.testid!] = c.textContent ?? '';
    const strikes = [...el.querySelectorAll<HTMLElement>('[data-testid^="chain-row-"]')].map((r) => r.dataset.testid!.slice('chain-row-'.length));
    return { underlying: d.underlying, expiration: d.expiration, rowCount: d.rowCount, source: d.source, live: d.live, cells, strikes };
  });
}

/** The first difference between the drawn chain and the API's, or null when they agree. */
function chainDiff(state: PanelState, api: ChainResponse): string | null {
  if (state.underlying !== api.underlying || state.expiration !== api.expiration) return `panel shows ${state.underlying} ${state.expiration}, API ${api.underlying} ${api.expiration}`;
  if (state.source !== api.source) return `source ${state.source} vs API ${api.source}`;
  const strikes = [...new Set(api.rows.map((r) => r.strike))].sort((a, b) => a - b).map(strikeId);
  if (Number(state.rowCount) !== strikes.length) return `data-row-count ${state.rowCount} vs ${strikes.length} API strikes`;
  if (state.strikes.join(',') !== strikes.join(',')) return `strike rows differ: ${state.strikes.join(',')} vs ${strikes.join(',')}`;
  for (const r of api.rows) {
    for (const side of ['bid', 'ask'] as const) {
      const got = state.cells[`${side}-${r.ticker}`];
      if (got !== price(r[side])) return `${side} of ${r.ticker}: panel "${got}" vs API ${r[side]}`;
    }
  }
  return null;
}

async function waitForChainToMatch(page: Page, base: string, expiration: string, context: string): Promise<ChainResponse> {
  let detail = '';
  for (let attempt = 0; attempt < 50; attempt++) {
    const api = await getJson<ChainResponse>(`${base}/api/options/chain?underlying=${UNDERLYING}&expiration=${expiration}`);
    const state = await panelState(page);
    const diff = state.live === 'true' ? chainDiff(state, api) : 'live stream not (yet) subscribed';
    if (diff === null) return api;
    detail = diff;
    await page.waitForTimeout(200);
  }
  assert.fail(`${context}: chain panel differs from GET /api/options/chain: ${detail}`);
}

async function matrixCell(page: Page, testid: string): Promise<string | null> {
  return page.$eval(`[data-testid="${testid}"]`, (el) => el.textContent).catch(() => null);
}

describe('options chain + quote matrix e2e', () => {
  let server: { url: string; close(): Promise<void> };
  let browser: Browser;
  let page: Page;
  let consoleErrors: string[] = [];

  before(async () => {
    server = await startTestServer({ session: SESSION, time: '11:00', state: 'pause' });
    await sendJson<ReplayStatus>('POST', `${server.url}/api/replay`, { session: SESSION, time: '11:00', state: 'pause' });
    const { symbols } = await getJson<{ symbols: Array<{ symbol: string }> }>(`${server.url}/api/symbols`);
    if (!symbols.some((r) => r.symbol === UNDERLYING)) await sendJson('POST', `${server.url}/api/watchlist`, { symbol: UNDERLYING });
    await sendJson('PUT', `${server.url}/api/matrix`, { entries: [] });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    consoleErrors = collectConsoleErrors(page);
    await page.goto(server.url);
    await page.waitForSelector(`[data-testid="watchlist-${UNDERLYING}"]`);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  let expiration = '';
  let ticker = '';

  test(`selecting ${UNDERLYING} shows its 12 expirations (incl. 0-DTE) and the chain equals GET /api/options/chain`, async () => {
    await page.click(`[data-testid="watchlist-${UNDERLYING}"]`);
    const exps = await getJson<ExpirationsResponse>(`${server.url}/api/options/expirations?underlying=${UNDERLYING}`);
    assert.equal(exps.expirations.length, 12, `API lists ${exps.expirations.length} expirations`);
    assert.equal(exps.expirations[0]!.dte, 0, 'the nearest expiration is 0-DTE');
    expiration = exps.expirations[0]!.expiration;
    assert.equal(expiration, SESSION);

    await page.waitForSelector(`[data-testid="options-chain"][data-underlying="${UNDERLYING}"][data-expiration="${expiration}"][data-live="true"]`, { timeout: scaled(30_000) });
    const tabs = await page.$$eval('[data-testid="options-chain"] [role="tab"]', (els) =>
      els.map((e) => ({ id: (e as HTMLElement).dataset.testid, text: e.textContent ?? '', selected: e.getAttribute('aria-selected') })),
    );
    assert.deepEqual(tabs.map((t) => t.id), exps.expirations.map((e) => `exp-${e.expiration}`), 'one tab per expiration, in order');
    assert.equal(tabs[0]!.text, 'Dec 24 · 0d');
    assert.equal(tabs[0]!.selected, 'true', 'the 0-DTE tab opens first');

    const api = await waitForChainToMatch(page, server.url, expiration, '11:00');
    assert.ok(api.rows.length > 0, 'the 0-DTE chain has contracts');
    // Opened centred on the money: the underlying marker is scrolled into view.
    const markerVisible = await page.$eval('[data-testid="chain-spot"]', (el) => {
      const box = el.closest('.chain-scroll')!.getBoundingClientRect();
      const r = el.getBoundingClientRect();
      return r.top >= box.top && r.bottom <= box.bottom;
    });
    assert.ok(markerVisible, 'the underlying-price marker is visible when the expiration opens');
  });

  test('clicking an ask adds the contract to the matrix with that ask and selects it', async () => {
    const api = await getJson<ChainResponse>(`${server.url}/api/options/chain?underlying=${UNDERLYING}&expiration=${expiration}`);
    const atm = api.rows.find((r) => r.strike === api.atmStrike && r.right === 'call' && r.ask != null) ?? api.rows.find((r) => r.ask != null);
    assert.ok(atm, 'some contract has an ask');
    ticker = atm.ticker;
    await page.click(`[data-testid="ask-${ticker}"]`);
    await page.waitForSelector(`[data-testid="quote-matrix"] [data-testid="matrix-row-${ticker}"]`, { timeout: scaled(30_000) });
    await page.waitForFunction(
      ([t, want]) => document.querySelector(`[data-testid="matrix-ask-${t}"]`)?.textContent === want,
      [ticker, price(atm.ask)] as const,
      { timeout: scaled(30_000) },
    );
    assert.equal(await matrixCell(page, `matrix-bid-${ticker}`), price(atm.bid));
    const selectedClass = await page.$eval(`[data-testid="ask-${ticker}"]`, (el) => el.className);
    assert.match(selectedClass, /\bselected\b/, 'the clicked ask is highlighted');
    const ticket = await page.$eval('[data-testid="panel-order-ticket"]', (el) => el.textContent ?? '');
    assert.match(ticket, new RegExp(`Selected: ${UNDERLYING} 24 Dec ${strikeId(atm.strike)} C buy at the ask`));
    assert.equal(await page.inputValue('[data-testid="ticket-price"]'), price(atm.ask), 'the limit starts at the clicked ask');
    assert.match(ticket, new RegExp(`strike \\+ premium = ${(atm.strike + atm.ask!).toFixed(2).replace('.', '\\.')}`));
    const saved = await getJson<{ entries: Array<{ ticker: string }> }>(`${server.url}/api/matrix`);
    assert.deepEqual(saved.entries.map((e) => e.ticker), [ticker], 'the matrix is persisted');
  });

  test('moving the replay to 12:30 updates chain and matrix cells without reload', async () => {
    await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
    const before = await getJson<ChainResponse>(`${server.url}/api/options/chain?underlying=${UNDERLYING}&expiration=${expiration}`);
    await sendJson<ReplayStatus>('POST', `${server.url}/api/replay`, { time: '12:30', state: 'pause' });
    const api = await waitForChainToMatch(page, server.url, expiration, '12:30');
    const changed = api.rows.filter((r) => {
      const b = before.rows.find((x) => x.ticker === r.ticker);
      return !b || b.bid !== r.bid || b.ask !== r.ask;
    });
    assert.ok(changed.length > 0, 'the recorded quotes moved between 11:00 and 12:30 (else this test proves nothing)');
    const row = api.rows.find((r) => r.ticker === ticker)!;
    await page.waitForFunction(
      ([t, bid, ask]) =>
        document.querySelector(`[data-testid="matrix-ask-${t}"]`)?.textContent === ask &&
        document.querySelector(`[data-testid="matrix-bid-${t}"]`)?.textContent === bid,
      [ticker, price(row.bid), price(row.ask)] as const,
      { timeout: scaled(30_000) },
    );
    assert.equal(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload), true, 'no page reload');
    assert.deepEqual(consoleErrors, [], 'no console errors');
  });
});
