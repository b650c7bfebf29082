/**
 * Browser: the backtest panel on the recorded SPY week. A bad parameter is named on its
 * field; an ORB run on 2013-10-07..11 shows progress, stats with confidence intervals and the
 * too-few-trades warning, the equity curve and the trades; clicking a trade jumps the replay
 * to its day (paused after the exit) and the chart draws that trade's entry and exit markers
 * (and no later trade's) and the day's opening range as lines. Screenshots go to
 * /work/shots/stratui/ (or $SHOTS_DIR).
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
import type { BacktestJobView } from '../../src/wire/backtest-protocol.js';

const SHOTS = process.env.SHOTS_DIR ?? '/work/shots/stratui';
const WAIT = { timeout: 120_000 };

/** Chart time (New York wall clock as UTC seconds) of the 5-minute bar holding an ISO time with its offset. */
function fiveMinuteBar(iso: string): number {
  const wall = Date.parse(iso.slice(0, 19) + 'Z') / 1000;
  return Math.floor(wall / 300) * 300;
}

interface DrawnMarker { id: string; time: number; position: string; text: string }

describe('backtest panel e2e (ORB on SPY 2013-10-07..11)', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let errors: string[] = [];
  const attr = async (name: string) => page.getAttribute('[data-testid="chart"]', name);

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startTestServer({ session: '2013-10-11', time: '15:00', state: 'pause' });
    ({ browser, page, errors } = await openStrategiesDock(server.url, WAIT.timeout));
    await page.waitForSelector('[data-testid="bt-run"]', WAIT);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('a bad parameter value is refused and named on its field', async () => {
    await page.selectOption('[data-testid="bt-strategy"]', 'orb');
    await page.fill('[data-testid="bt-symbol"]', 'SPY');
    await page.fill('[data-testid="bt-from"]', '2013-10-07');
    await page.fill('[data-testid="bt-to"]', '2013-10-11');
    await page.click('.bt-params-toggle');
    assert.equal(await page.inputValue('[data-testid="bt-param-targetR"]'), '2', 'the default from the strategy spec');
    await page.fill('[data-testid="bt-param-targetR"]', '-1');
    await page.click('[data-testid="bt-run"]');
    await page.waitForSelector('[data-testid="bt-error"]', WAIT);
    assert.match((await page.textContent('[data-testid="bt-error"]'))!, /^params\.targetR: Must be from 0\.1 to 100, got -1\.$/);
    assert.ok(await page.$('label.bt-bad [data-testid="bt-param-targetR"]'), 'the field is marked');
    await page.fill('[data-testid="bt-param-targetR"]', '2');
    // The refused POST is the one console error expected (the browser logs the 400).
    assert.deepEqual(errors.splice(0), ['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
  });

  test('a run shows stats with CIs and warnings, the equity curve and the trades; a trade click jumps the chart with its markers and levels', async () => {
    await page.click('[data-testid="bt-run"]');
    await page.waitForSelector('[data-testid="bt-result"]', WAIT);
    assert.equal(await page.$('[data-testid="bt-error"]'), null);
    // The panel shows what the API reports for the same run.
    const started = await (await fetch(`${server.url}/api/backtests`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ strategy: 'orb', symbol: 'SPY', from: '2013-10-07', to: '2013-10-11' }) })).json() as { id: string };
    let view: BacktestJobView;
    do view = (await (await fetch(`${server.url}/api/backtests/${started.id}`)).json()) as BacktestJobView;
    while (view.status === 'running' && (await new Promise((r) => setTimeout(r, 50)), true));
    const r = view.result!;
    const rows = await page.$$('[data-testid="bt-trades"] tbody tr');
    assert.equal(rows.length, r.trades.length);
    const stats = (await page.textContent('[data-testid="bt-stats"]'))!;
    assert.ok(stats.includes(`Trades${r.stats.trades} (${r.stats.wins} W / ${r.stats.losses} L)`), stats);
    const ci = r.stats.ci95.winRate!;
    assert.ok(stats.includes(`95% CI ${(ci.low * 100).toFixed(1)}% – ${(ci.high * 100).toFixed(1)}%`), stats);
    const warnings = await page.$$eval('[data-testid="bt-warning"]', (els) => els.map((e) => e.textContent));
    assert.deepEqual(warnings, r.stats.warnings);
    assert.ok(warnings.some((w) => w!.startsWith('Too few trades')));
    assert.equal(await page.getAttribute('[data-testid="bt-equity"]', 'data-points'), String(new Set(r.equity.map((e) => e.time)).size));
    await page.screenshot({ path: path.join(SHOTS, 'e2e-1-result-1600x900.png') });

    // The second trade: another day than the replay's; after the click the replay is paused on its day.
    const i = 1;
    const t = r.trades[i]!;
    const day = t.entryTime.slice(0, 10);
    await page.click(`[data-testid="bt-trade-${i}"]`);
    await page.waitForFunction((d) => document.querySelector('[data-testid="replay-clock"]')!.textContent!.includes(d), day, WAIT);
    const replay = (await (await fetch(`${server.url}/api/health`)).json()) as { replay: { session: string; state: string; clock: number } };
    assert.equal(replay.replay.session, day);
    assert.equal(replay.replay.state, 'pause');
    assert.ok(replay.replay.clock > Date.parse(t.exitTime), 'paused after the exit');
    // The chart's markers: this trade's entry and exit on their 5-minute bars, nothing from a later day.
    await page.waitForFunction(
      (id) => (JSON.parse((document.querySelector('[data-testid="chart"]') as HTMLElement).dataset.fillMarkers ?? '[]') as DrawnMarker[]).some((m) => m.id.endsWith(`:${id}:out`)),
      i, WAIT,
    );
    const drawn = JSON.parse((await attr('data-fill-markers')) ?? '[]') as DrawnMarker[];
    const mine = drawn.filter((m) => m.id.startsWith('fill:bt:'));
    const entry = mine.find((m) => m.id.endsWith(`:${i}:in`))!;
    const exit = mine.find((m) => m.id.endsWith(`:${i}:out`))!;
    assert.equal(entry.time, fiveMinuteBar(t.entryTime));
    assert.equal(exit.time, fiveMinuteBar(t.exitTime));
    const short = t.side === 'short';
    assert.equal(entry.position, short ? 'aboveBar' : 'belowBar');
    assert.equal(entry.text, `${short ? 'S' : 'B'} ${t.entryPrice.toFixed(2)}`);
    assert.equal(exit.text, `${short ? 'B' : 'S'} ${t.exitPrice.toFixed(2)}`);
    assert.ok(mine.every((m) => !r.trades.slice(i + 1).some((later) => m.time >= fiveMinuteBar(later.entryTime))), 'no later trade drawn');
    // The levels: that day's opening range (first five minutes of the raw file), up to the clock.
    const raw = readAggregates(stockMinuteFile(day), 'SPY').filter((b) => b.start >= nyTimeToMs(day, '09:30') && b.start < nyTimeToMs(day, '09:35'));
    const [high, low] = [Math.max(...raw.map((b) => b.high)), Math.min(...raw.map((b) => b.low))];
    await page.waitForFunction((d) => {
      const sets = JSON.parse((document.querySelector('[data-testid="chart"]') as HTMLElement).dataset.strategyLevels ?? '[]') as Array<{ high: [number, number][] }>;
      return sets.some((s) => s.high.some(([time]) => new Date(time * 1000).toISOString().startsWith(d)));
    }, day, WAIT);
    const sets = JSON.parse((await attr('data-strategy-levels')) ?? '[]') as Array<{ set: string; high: [number, number][]; low: [number, number][] }>;
    const orb = sets.find((s) => s.set === 'orb')!;
    const onDay = (pts: [number, number][]) => pts.filter(([time]) => new Date(time * 1000).toISOString().startsWith(day));
    assert.ok(onDay(orb.high).length >= 2 && onDay(orb.high).every(([, v]) => v === high), JSON.stringify(orb.high));
    assert.ok(onDay(orb.low).every(([, v]) => v === low), JSON.stringify(orb.low));
    // Nothing after the replay clock (chart times are New York wall clock, UTC−4 in October).
    const lastDrawn = Math.max(...orb.high.map(([time]) => time));
    assert.ok(lastDrawn <= (replay.replay.clock - 4 * 3600e3) / 1000, 'no level after the replay clock');
    // The trade's span is in view: the chart focused it once its day loaded.
    await page.waitForSelector('[data-testid="chart"][data-focus]', WAIT);
    await page.screenshot({ path: path.join(SHOTS, 'e2e-2-trade-on-chart-1600x900.png') });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: path.join(SHOTS, 'e2e-2-trade-on-chart-1280x800.png') });
    assert.deepEqual(errors, []);
  });
});
