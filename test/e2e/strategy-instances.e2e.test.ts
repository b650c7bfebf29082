/**
 * Browser: strategy instances on the SPY 2013-10-08 replay. Two ORB instances on the paper
 * account (2 R and 1 R targets, 50 shares so the risk engine's per-order notional allows
 * them): switching one to `auto` with the kill switch on shows the risk engine's refusal;
 * released, one runs in `signal` and one in `auto`; the replay plays through the 10:10
 * breakout: a signal card with the rationale, the auto instance's trade, both instances'
 * opening range on the chart (the raw file's first five minutes), and the comparison page
 * with each instance's stats and trades as the API reports them.
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
    // The signal instance's card: its rationale, and the one-click order (not sent by itself).
    await page.waitForSelector('[data-testid="signal-card"] [data-testid="signal-place"]', WAIT);
    const card = (await page.textContent('[data-testid="signal-card"]:has([data-testid="signal-place"])'))!;
    assert.match(card, /ORB 2R · 10:10 · short SPY/);
    assert.match(card, /closed at [\d.]+, below the orb low/);
    assert.match(card, /sell 50 SPY at market · stop [\d.]+ · target [\d.]+/);
    // The auto instance trades until its exit; then the replay stops.
    const report = async (name: string) => {
      const id = (await json('GET', `${server.url}/api/strategies/instances`)).body.instances.find((i: { name: string }) => i.name === name).id;
      return (await json('GET', `${server.url}/api/strategies/instances/${id}/report`)).body;
    };
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
});
