/**
 * Browser: the right column (options chain, covered-call screener, order ticket) on the GOOG
 * 2015-12-24 replay at the two screens the desk is used on, 1600×900 and 1280×800.
 * - A window made narrower drops the chain's optional columns until the puts are in view
 *   again, and a wider one brings them back (the chain measured only on its own re-renders,
 *   so a resize from 1600 to 1280 left IV and delta of the puts cut off).
 * - With a contract in the ticket, the chain keeps at least 12 strike rows in view beside
 *   it, and every ticket control is on screen without scrolling the ticket.
 * - Opening the covered-call screener does not widen the column past the screen (its
 *   controls pushed the column to 407 px on a 360 px laptop column, clipping the puts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { openGoogDesk, type TradingDesk } from '../helpers/trading-desk.js';
import { C750 } from '../helpers/trading.js';
import { DEFAULT_WAIT_MS } from '../helpers/timeouts.js';

interface ColumnFit {
  columns: string;
  scrollWidth: number;
  clientWidth: number;
  lastHeadRight: number;
  panelRight: number;
}

/** Every control of a filled ticket (buy side), by data-testid. */
const TICKET_CONTROLS = ['entry-qty', 'ticket-price', 'limit-bid', 'limit-mid', 'limit-ask', 'entry-tp-mode', 'entry-tp', 'entry-stop', 'entry-preview', 'break-even', 'entry-submit'];

interface Layout {
  rowsInView: number;
  ticketScrolls: boolean;
  ticketBottom: number;
  controls: Array<{ id: string; right: number; bottom: number }>;
  vw: number;
}

function chainFit(page: Page): Promise<ColumnFit> {
  return page.$eval('[data-testid="options-chain"]', (el) => {
    const box = el.querySelector('.chain-scroll')!;
    const heads = [...el.querySelectorAll('thead tr:nth-child(2) th')];
    return {
      columns: (el as HTMLElement).dataset.columns ?? '',
      scrollWidth: box.scrollWidth,
      clientWidth: box.clientWidth,
      lastHeadRight: heads[heads.length - 1]!.getBoundingClientRect().right,
      panelRight: el.getBoundingClientRect().right,
    };
  });
}

/** Waits until the chain has no sideways scroll and its last put column ends inside the panel. */
async function waitPutsInView(page: Page): Promise<ColumnFit> {
  await page
    .waitForFunction(
      () => {
        const el = document.querySelector('[data-testid="options-chain"]');
        const box = el?.querySelector('.chain-scroll');
        const heads = el ? [...el.querySelectorAll('thead tr:nth-child(2) th')] : [];
        if (!el || !box || !heads.length) return false;
        return box.scrollWidth <= box.clientWidth + 1 && heads[heads.length - 1]!.getBoundingClientRect().right <= el.getBoundingClientRect().right + 1;
      },
      null,
      { timeout: DEFAULT_WAIT_MS },
    )
    .catch(async () => assert.fail(`the puts stay cut off: ${JSON.stringify(await chainFit(page))}`));
  return chainFit(page);
}

describe('right column at 1600×900 and 1280×800 (GOOG 2015-12-24 11:00)', () => {
  let desk: TradingDesk;
  let page: Page;

  before(async () => {
    desk = await openGoogDesk('11:00', { width: 1600, height: 900 });
    page = desk.page;
    await page.addInitScript(() => {
      localStorage.setItem('optdesk.chart', JSON.stringify({ symbol: 'GOOG', tf: '5m', extended: false }));
      localStorage.setItem('optdesk.chain.columns', JSON.stringify(['iv', 'delta']));
    });
    await page.goto(desk.server.url);
    await page.waitForSelector(`[data-testid="ask-${C750}"]`, { timeout: DEFAULT_WAIT_MS });
  });

  after(async () => {
    await desk?.close();
  });

  test('a narrower window drops chain columns until the puts are in view; a wider one brings them back', async () => {
    assert.equal((await waitPutsInView(page)).columns, 'iv,delta', 'both picked columns fit a 440 px column');
    // The replay is paused, so only the dashboard's 15 s health poll would re-render the
    // chain by chance: hold it off, so that only the resize itself can make the chain re-fit.
    await page.route('**/api/health', (route) => route.abort());
    await page.setViewportSize({ width: 1280, height: 800 });
    const narrow = await waitPutsInView(page);
    assert.notEqual(narrow.columns, 'iv,delta', `a 360 px column has no room for IV and delta on both sides: ${JSON.stringify(narrow)}`);
    assert.match(narrow.columns, /delta/, 'delta is the last column to give way');
    await page.setViewportSize({ width: 1600, height: 900 });
    await page.waitForFunction(() => (document.querySelector('[data-testid="options-chain"]') as HTMLElement).dataset.columns === 'iv,delta', null, { timeout: DEFAULT_WAIT_MS });
    await waitPutsInView(page);
    await page.unroute('**/api/health');
    // The held-off polls are logged as failed loads; anything else is a real error.
    const rest = desk.errors.filter((e) => e !== 'Failed to load resource: net::ERR_FAILED');
    desk.errors.splice(0, desk.errors.length, ...rest);
  });

  for (const size of [{ width: 1600, height: 900 }, { width: 1280, height: 800 }]) {
    test(`${size.width}×${size.height}: chain, screener and a filled ticket share the column, nothing off screen`, async () => {
      await page.setViewportSize(size);
      await page.locator(`[data-testid="ask-${C750}"]`).scrollIntoViewIfNeeded();
      await page.click(`[data-testid="ask-${C750}"]`);
      await page.waitForSelector(`[data-testid="selected-contract"][data-ticker="${C750}"]`, { timeout: DEFAULT_WAIT_MS });
      await waitPutsInView(page);

      // A string, not a function: tsx would wrap inner arrow functions in a helper the page lacks.
      const layout: Layout = await page.evaluate(`(() => {
        const scroll = document.querySelector('.chain-scroll');
        const view = scroll.getBoundingClientRect();
        // The header cells are sticky (the thead itself scrolls away): the last header row's cell.
        const head = scroll.querySelector('thead tr:nth-child(2) th').getBoundingClientRect();
        // Strike rows wholly between the sticky header and the bottom of the scroll box.
        const rowsInView = [...scroll.querySelectorAll('[data-testid^="chain-row-"]')].filter((r) => {
          const b = r.getBoundingClientRect();
          return b.top >= head.bottom - 1 && b.bottom <= view.bottom + 1;
        }).length;
        const ticket = document.querySelector('[data-testid="panel-order-ticket"]');
        const controls = ${JSON.stringify(TICKET_CONTROLS)}.map((id) => {
          const b = document.querySelector('[data-testid="' + id + '"]')?.getBoundingClientRect();
          return { id, right: b ? b.right : 1e9, bottom: b ? b.bottom : 1e9 };
        });
        return { rowsInView, ticketScrolls: ticket.scrollHeight > ticket.clientHeight + 1, ticketBottom: ticket.getBoundingClientRect().bottom, controls, vw: window.innerWidth };
      })()`);
      assert.ok(layout.rowsInView >= 12, `the chain shows ${layout.rowsInView} strike rows beside the ticket (want ≥ 12)`);
      assert.equal(layout.ticketScrolls, false, 'the ticket fits without scrolling');
      for (const c of layout.controls) {
        assert.ok(c.right <= layout.vw + 0.5, `${c.id} ends at x=${c.right}, past the ${layout.vw} px screen`);
        assert.ok(c.bottom <= layout.ticketBottom + 0.5, `${c.id} is below the ticket's bottom`);
      }

      await page.click('[data-testid="covered-calls-toggle"]');
      await page.waitForSelector('[data-testid="covered-calls-table"], [data-testid="covered-calls-empty"]', { timeout: DEFAULT_WAIT_MS });
      const open: { chainRight: number; qtyRight: number; vw: number } = await page.evaluate(`({
        chainRight: document.querySelector('[data-testid="options-chain"]').getBoundingClientRect().right,
        qtyRight: document.querySelector('[data-testid="entry-qty"]').getBoundingClientRect().right,
        vw: window.innerWidth,
      })`);
      assert.ok(open.chainRight <= open.vw + 0.5, `with the screener open the chain ends at x=${open.chainRight}, past the ${open.vw} px screen`);
      assert.ok(open.qtyRight <= open.vw + 0.5, `with the screener open the ticket's quantity ends at x=${open.qtyRight}`);
      await waitPutsInView(page);
      await page.click('[data-testid="covered-calls-toggle"]');
      assert.deepEqual(desk.errors, []);
    });
  }
});
