/**
 * Browser: strategy instances on the SPY 2013-10-08 replay. Two ORB instances on the paper
 * account (2 R and 1 R targets, 50 shares so the risk engine's per-order notional allows
 * them): switching one to `auto` with the kill switch on shows the risk engine's refusal;
 * released, one runs in `signal` and one in `auto`; the replay plays through the 10:10
 * breakout: a signal card with the rationale, the auto instance's trade, both instances'
 * opening range on the chart (the raw file's first five minutes), and the comparison page
 * with each instance's stats and trades as the API reports them. The signal card's one click
 * fills the order ticket's shares side with exactly the signal's order (sending nothing); from
 * the ticket, 100 shares are refused by the risk engine's per-order notional (with the
 * ticket's warning before sending); the signal's 50-share short passes the risk engine and is
 * refused by the paper broker (short selling is off there); a 50-share long with a stop and a
 * target fills, marks the chart and arms both exits.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { openStrategiesDock } from '../helpers/strategies-desk.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { readAggregates, stockMinuteFile } from '../helpers/data.js';
import { nyTimeToMs } from '../../src/calendar/index.js';

const SHOTS = process.env.SHOTS_DIR ?? '/work/shots/stratui';
const WAIT = { timeout: 180_000 };
const DAY = '2013-10-08';

async function json(method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
  return { status: res.status, body: await res.json() };
}

describe('strategy instances e2e (ORB on SPY 2013-10-08)', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let errors: string[] = [];
  const row = (name: string) => `[data-testid="instance-${name}"]`;
  const report = async (name: string) => {
    const id = (await json('GET', `${server.url}/api/strategies/instances`)).body.instances.find((i: { name: string }) => i.name === name).id;
    return (await json('GET', `${server.url}/api/strategies/instances/${id}/report`)).body;
  };

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startTestServer({ session: DAY, time: '09:31', state: 'pause' });
    for (const [name, targetR] of [['ORB 2R', 2], ['ORB 1R', 1]] as const) {
      const r = await json('POST', `${server.url}/api/strategies/instances`, { name, strategy: 'orb', symbol: 'SPY', account: 'paper', params: { targetR, qty: 50 } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    ({ browser, page, errors } = await openStrategiesDock(server.url, WAIT.timeout));
    await page.click('[data-testid="tab-instances"]');
    await page.waitForSelector(row('ORB 1R'), WAIT);
  });
  const shootTicket = async (name: string) => {
    for (const size of [{ width: 1600, height: 900 }, { width: 1280, height: 800 }]) {
      await page.setViewportSize(size);
      await page.screenshot({ path: path.join(SHOTS, `${name}-${size.width}x${size.height}.png`) });
      // The ticket's controls fit the right column: nothing past the screen's right edge.
      const overflow = await page.$$eval('[data-testid="stock-ticket"] input, [data-testid="stock-ticket"] button, [data-testid="stock-ticket"] select', (els) => els.map((e) => e.getBoundingClientRect().right).filter((r) => r > window.innerWidth + 0.5));
      assert.deepEqual(overflow, [], `controls past the ${size.width} px screen`);
    }
    await page.setViewportSize({ width: 1600, height: 900 });
  };
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('auto is refused with the risk engine\'s sentence while the kill switch is on', async () => {
    assert.equal((await json('POST', `${server.url}/api/risk/kill`, { reason: 'e2e' })).status, 200);
    await page.click(`${row('ORB 1R')} [data-testid="mode-auto"]`);
    await page.waitForSelector(`${row('ORB 1R')} [data-testid="mode-refusal"]`, WAIT);
    const text = (await page.textContent(`${row('ORB 1R')} [data-testid="mode-refusal"]`))!;
    assert.match(text, /^kill switch: The kill switch is on \(e2e\)/);
    assert.equal(await page.getAttribute(`${row('ORB 1R')} [data-testid="mode-off"]`, 'aria-pressed'), 'true', 'still off');
    const list = await json('GET', `${server.url}/api/strategies/instances`);
    assert.equal(list.body.instances.find((i: { name: string }) => i.name === 'ORB 1R').mode, 'off');
    await page.screenshot({ path: path.join(SHOTS, 'e2e-inst-1-refused-1600x900.png') });
    assert.equal((await json('DELETE', `${server.url}/api/risk/kill`)).status, 200);
    // The refused PATCH is the one console error expected (the browser logs the 422).
    assert.deepEqual(errors.splice(0), ['Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)']);
  });

  test('signal and auto side by side through the breakout: signal card, the auto trade, levels on the chart, the comparison page', async () => {
    await page.click(`${row('ORB 2R')} [data-testid="mode-signal"]`);
    await page.click(`${row('ORB 1R')} [data-testid="mode-auto"]`);
    await page.waitForSelector(`${row('ORB 1R')} [data-testid="mode-auto"][aria-pressed="true"]`, WAIT);
    await page.waitForSelector(`${row('ORB 2R')} [data-testid="mode-signal"][aria-pressed="true"]`, WAIT);
    await json('POST', `${server.url}/api/replay`, { speed: 60, state: 'play' });
    // The signal instance's card: its rationale, and the one-click fill of the ticket (it sends nothing).
    await page.waitForSelector('[data-testid="signal-card"] [data-testid="signal-place"]', WAIT);
    const card = (await page.textContent('[data-testid="signal-card"]:has([data-testid="signal-place"])'))!;
    assert.match(card, /ORB 2R · 10:10 · short SPY/);
    assert.match(card, /closed at [\d.]+, below the orb low/);
    assert.match(card, /sell 50 SPY at market · stop [\d.]+ · target [\d.]+/);
    assert.match(card, /Sell 50 SPY: fill the order ticket/);
    // The auto instance trades until its exit; then the replay stops.
    const deadline = Date.now() + WAIT.timeout;
    while ((await report('ORB 1R')).trades.length === 0) {
      assert.ok(Date.now() < deadline, 'the auto instance traded');
      await new Promise((r) => setTimeout(r, 200));
    }
    await json('POST', `${server.url}/api/replay`, { state: 'pause' });
    assert.equal((await report('ORB 2R')).trades.length, 0, 'signal mode sends nothing');
    // Both instances' opening range on the chart: the first five minutes of the raw file.
    const raw = readAggregates(stockMinuteFile(DAY), 'SPY').filter((b) => b.start >= nyTimeToMs(DAY, '09:30') && b.start < nyTimeToMs(DAY, '09:35'));
    const [high, low] = [Math.max(...raw.map((b) => b.high)), Math.min(...raw.map((b) => b.low))];
    await page.waitForFunction(() => ((JSON.parse((document.querySelector('[data-testid="chart"]') as HTMLElement).dataset.strategyLevels ?? '[]')) as unknown[]).length === 2, null, WAIT);
    const sets = JSON.parse((await page.getAttribute('[data-testid="chart"]', 'data-strategy-levels'))!) as Array<{ set: string; high: [number, number][]; low: [number, number][] }>;
    assert.deepEqual(sets.map((s) => s.set).sort(), ['ORB 1R', 'ORB 2R']);
    for (const s of sets) {
      assert.ok(s.high.length >= 2 && s.high.every(([, v]) => v === high) && s.low.every(([, v]) => v === low), JSON.stringify(s));
    }
    await page.screenshot({ path: path.join(SHOTS, 'e2e-inst-2-signal-and-levels-1600x900.png') });

    await page.click('[data-testid="compare-open"]');
    await page.waitForSelector('[data-testid="compare-ORB 1R"] [data-testid="bt-trades"]', WAIT);
    const r1 = await report('ORB 1R');
    const t = r1.trades[0];
    const rows = await page.$$eval('[data-testid="compare-ORB 1R"] [data-testid="bt-trades"] tbody tr', (els) => els.map((e) => e.textContent));
    assert.equal(rows.length, r1.trades.length);
    assert.ok(rows[0]!.includes(`${t.entryTime.slice(11, 16)} ${t.entryPrice.toFixed(2)}`), rows[0]!);
    assert.ok((await page.textContent('[data-testid="compare-ORB 1R"] [data-testid="bt-stats"]'))!.includes(`Trades${r1.stats.trades} (`));
    assert.match((await page.textContent('[data-testid="compare-ORB 2R"]'))!, /No trades in this run/);
    // One equity line per instance with trades (ORB 1R only), one point per distinct time.
    assert.equal(await page.getAttribute('[data-testid="cmp-equity"]', 'data-points'), String(new Set(r1.equity.map((e: { time: string }) => e.time)).size));
    await page.screenshot({ path: path.join(SHOTS, 'e2e-inst-3-compare-1600x900.png') });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: path.join(SHOTS, 'e2e-inst-3-compare-1280x800.png') });
    assert.deepEqual(errors, []);
  });

  test('the signal card fills the order ticket with the signal\'s order; sent from the ticket it meets the risk engine', async () => {
    // Closing the comparison unmounts its equity chart (that once threw and blanked the page).
    await page.click('[data-testid="compare-view"] button[aria-label="Close"]');
    await page.waitForSelector('[data-testid="signal-card"] [data-testid="signal-place"]', WAIT);
    assert.deepEqual(errors, []);
    await page.setViewportSize({ width: 1600, height: 900 });
    const orders = async () => (await json('GET', `${server.url}/api/orders?status=all`)).body.orders as Array<{ id: string; symbol: string; side: string; qty: number; status: string; role: string; source: string; fills: Array<{ id: string }> }>;
    const before = (await orders()).length;
    const sig = (await report('ORB 2R')).signals.find((x: { side: string }) => x.side !== 'exit');
    assert.ok(sig, 'the signal instance stored its signal');
    await page.screenshot({ path: path.join(SHOTS, 'e2e-inst-4-signal-card-1600x900.png') });
    await page.click('[data-testid="signal-card"] [data-testid="signal-place"]');
    // The dock closes to show the ticket, switched to shares and filled with the stored signal's order.
    await page.waitForSelector('[data-testid="panel-order-ticket"][data-mode="stock"]', WAIT);
    assert.equal(await page.$('[data-testid="strategies-dock"]'), null, 'the dock no longer hides the ticket');
    const t = '[data-testid="stock-ticket"]';
    assert.deepEqual(
      {
        symbol: await page.inputValue('[data-testid="stock-symbol"]'),
        side: await page.getAttribute(t, 'data-side'),
        qty: await page.inputValue('[data-testid="stock-qty"]'),
        type: await page.inputValue('[data-testid="stock-type"]'),
        stop: await page.inputValue('[data-testid="stock-stop"]'),
        target: await page.inputValue('[data-testid="stock-target"]'),
      },
      { symbol: sig.order.symbol, side: sig.order.side, qty: String(sig.order.qty), type: sig.order.type, stop: String(sig.order.stop), target: String(sig.order.target) },
    );
    assert.match((await page.getAttribute('[data-testid="stock-side-sell"]', 'class'))!, /\bactive\b/);
    assert.equal((await page.textContent('[data-testid="ticket-source"]'))!.includes(sig.rationale.text), true, 'the rationale stays in view');
    assert.equal((await orders()).length, before, 'the card sent nothing');
    // The per-order notional limit from the risk settings, and the estimate at the last price.
    const limit = (await json('GET', `${server.url}/api/risk`)).body.settings.maxNotionalPerOrder as number;
    const dollars = (v: number) => `$${v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
    await page.waitForFunction((want) => document.querySelector('[data-testid="stock-notional-limit"]')?.textContent === want, dollars(limit), WAIT);
    await shootTicket('e2e-inst-5-ticket-filled');

    // A stop on the wrong side of a short is named and blocks the button.
    await page.fill('[data-testid="stock-stop"]', '150');
    await page.waitForSelector('[data-testid="stock-problems"]', WAIT);
    assert.match((await page.textContent('[data-testid="stock-problems"]'))!, /^stopLoss\.stopPrice: must be above the last price [\d.]+ for a sell$/);
    assert.equal(await page.isDisabled('[data-testid="stock-submit"]'), true);
    await page.fill('[data-testid="stock-stop"]', String(sig.order.stop));
    assert.equal(await page.$('[data-testid="stock-problems"]'), null);

    // 100 shares: the ticket warns before sending; the risk engine refuses with its sentence.
    await page.fill('[data-testid="stock-qty"]', '100');
    await page.waitForSelector('[data-testid="stock-over-limit"]', WAIT);
    const last = Number((await page.textContent('[data-testid="stock-last"]'))!.replace('last ', ''));
    assert.equal(await page.textContent('[data-testid="stock-notional"]'), dollars(Math.round(last * 100) * 100 / 100));
    assert.ok(last * 100 > limit, `100 SPY at ${last} is over the ${limit} limit`);
    await page.click('[data-testid="stock-submit"]');
    await page.waitForSelector('[data-testid="panel-order-ticket"] [data-testid="ticket-error"]', WAIT);
    assert.equal(await page.getAttribute('[data-testid="ticket-error"]', 'data-check'), 'max_notional');
    assert.match((await page.textContent('[data-testid="ticket-error"]'))!, /^max notional: the order is worth \$[\d,.]+, more than the \$[\d,.]+ allowed per order$/);
    assert.ok((await page.textContent('[data-testid="ticket-error"]'))!.includes(`more than the ${dollars(limit)} allowed`));
    assert.equal((await orders()).length, before, 'nothing reached the broker');
    await shootTicket('e2e-inst-6-ticket-refused');
    errors.splice(0); // the browser logs the 422

    // The signal's 50 shares pass the risk engine; the paper broker refuses the short sale
    // (short selling is off on the paper account) and the ticket says so in its words.
    await page.fill('[data-testid="stock-qty"]', '50');
    await page.click('[data-testid="stock-submit"]');
    await page.waitForSelector('[data-testid="ticket-error"][data-check="broker:insufficient_qty"]', WAIT);
    assert.match((await page.textContent('[data-testid="ticket-error"]'))!, /short selling is off$/);
    errors.splice(0); // the browser logs the 422

    // A long instead: 50 shares with a stop under and a target over the last price are
    // accepted, filled, the fill is on the chart and the two exits are armed.
    await page.click('[data-testid="stock-side-buy"]');
    const [stop, target] = [(Math.round(last * 100) - 30) / 100, (Math.round(last * 100) + 60) / 100];
    await page.fill('[data-testid="stock-stop"]', String(stop));
    await page.fill('[data-testid="stock-target"]', String(target));
    assert.equal(await page.$('[data-testid="stock-problems"]'), null);
    await page.click('[data-testid="stock-submit"]');
    await page.waitForSelector('[data-testid="panel-order-ticket"] [data-testid="entry-sent"], [data-testid="panel-order-ticket"] [data-testid="ticket-error"]', WAIT);
    assert.equal(await page.$('[data-testid="ticket-error"]'), null, (await page.textContent('[data-testid="stock-ticket"]'))!);
    const sent = (await orders()).slice(before).filter((x) => x.role === 'entry');
    assert.equal(sent.length, 1, JSON.stringify(sent));
    const o = sent[0]!;
    assert.deepEqual([o.symbol, o.side, o.qty, o.source], ['SPY', 'buy', 50, 'manual']);
    const deadline = Date.now() + WAIT.timeout;
    let filled = o;
    while (filled.status !== 'filled') {
      assert.ok(Date.now() < deadline, 'the order filled');
      await new Promise((r) => setTimeout(r, 200));
      filled = (await orders()).find((x) => x.id === o.id)!;
    }
    const pos = (await json('GET', `${server.url}/api/positions`)).body.positions.find((p: { symbol: string }) => p.symbol === 'SPY');
    assert.deepEqual([pos.qty, pos.stopLoss?.stopPrice, pos.takeProfit?.limitPrice], [50, stop, target]);
    // The fill's marker lands on its 5-minute bar once the replay has drawn that bar.
    await json('POST', `${server.url}/api/replay`, { speed: 60, state: 'play' });
    await page.waitForFunction(
      (id) => (JSON.parse((document.querySelector('[data-testid="chart"]') as HTMLElement).dataset.fillMarkers ?? '[]') as Array<{ id: string }>).some((m) => m.id === `fill:${id}`),
      filled.fills[0]!.id,
      WAIT,
    );
    await json('POST', `${server.url}/api/replay`, { state: 'pause' });
    assert.match((await page.textContent('[data-testid="entry-sent"]'))!, /^buy 50 SPY: filled @ [\d.]+$/);
    await shootTicket('e2e-inst-7-ticket-filled-order');
    assert.deepEqual(errors, []);
  });
});
