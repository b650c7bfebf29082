/**
 * Trading benchmark:
 * - risk check cost per intent: RiskEngine.check alone (all checks pass — the full path),
 *   and the whole gate of the TradingDesk (audit intent + decision rows, account/position
 *   look-ups, risk check) for an intent the risk engine refuses, so no broker work is timed;
 * - paper order-to-fill latency: wall time from `desk.submit()` of a marketable order to
 *   its fill event, on the recorded GOOG 2015-12-24 quotes with a store file on disk
 *   (WAL, as the server runs it). Buys and sells alternate so the account stays flat.
 *
 * Run alone: node --import tsx bench/trading.bench.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuditTrail } from '../src/audit/index.js';
import { PaperBroker } from '../src/broker/paper/broker.js';
import { RecordedMarket } from '../src/broker/paper/market.js';
import type { Account, OrderIntent } from '../src/broker/types.js';
import { nyTimeToMs } from '../src/calendar/index.js';
import { RiskEngine, type RiskContext, connectPaper, TradingDesk } from '../src/risk/index.js';
import { openStore } from '../src/store/index.js';
import { importDirectory } from '../src/feeds/flatfile/index.js';
import { tradingRepository } from '../src/store/trading.js';
import { isMain, median, percentile } from './util.js';

const DATA = fileURLToPath(new URL('../../shared/data/', import.meta.url));
const C750 = 'O:GOOG151224C00750000';

function riskCheckCost(): { medianMicros: number; checksPerRun: number } {
  const risk = new RiskEngine();
  risk.updateSettings({ ordersPerMinute: 10_000, duplicateWindowSeconds: 0 });
  const account: Account = {
    name: 'paper', broker: 'paper', mode: 'paper', cash: 1e7, buyingPower: 1e7, equity: 1e7, startOfDayEquity: 1e7,
    dayPnl: 0, dayRealizedPnl: 0, dayFees: 0, totalFees: 0, tradingDay: '2015-12-24', updatedAt: 0,
  };
  const ctx: RiskContext = { now: nyTimeToMs('2015-12-24', '11:00'), wallNow: 0, account, positions: [], quote: { bid: 9_000, ask: 10_000 }, liveAllowed: false };
  const intent: OrderIntent = { account: 'paper', symbol: C750, side: 'buy', qty: 1, type: 'limit', limitPrice: 10_000, clientOrderId: 'x' };
  // Keep a realistic backlog of recent intents (rate and duplicate checks scan it).
  for (let i = 0; i < 50; i++) risk.record({ ...intent, clientOrderId: `r${i}` }, -i);
  const N = 20_000;
  const runs: number[] = [];
  for (let r = 0; r < 12; r++) {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      if (!risk.check(intent, ctx).ok) throw new Error('the benchmark intent must pass');
    }
    runs.push(((performance.now() - t0) * 1000) / N);
  }
  return { medianMicros: median(runs.slice(2)), checksPerRun: N };
}

async function gateAndLatency(): Promise<{ gateMedianMicros: number; gateP99Micros: number; fillP50Ms: number; fillP99Ms: number; orders: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'optdesk-bench-'));
  const store = openStore(path.join(dir, 'bench.db'));
  try {
    const repo = tradingRepository(store);
    const start = nyTimeToMs('2015-12-24', '11:00');
    let now = start;
    // The paper market reads the store (what the replay plays): import the recorded GOOG day.
    await importDirectory(path.join(DATA, 'flatfiles/us_options_opra/quotes_v1/2015/12'), store);
    await importDirectory(path.join(DATA, 'flatfiles/us_stocks_sip/minute_aggs_v1/2015/12'), store);
    const market = new RecordedMarket(store);
    const paper = new PaperBroker({ repo, market, now: () => now, accounts: [{ name: 'paper', cash: 1_000_000_00 }] });
    const desk = new TradingDesk({
      repo, brokers: [paper], audit: new AuditTrail(repo), marketNow: () => paper.currentTime(), quote: (s) => paper.quoteNow(s),
      exits: { flattenAt: null },
    });
    desk.updateRiskSettings({ ordersPerMinute: 10_000, duplicateWindowSeconds: 0, maxContractsPerOrder: 10, cooldownMinutes: 0, dailyLossLimit: 1_000_000 }, 'bench');
    connectPaper(desk, paper);
    await paper.quoteNow(C750); // load the day's quotes before timing

    const gate: number[] = [];
    for (let i = 0; i < 400; i++) {
      const t0 = performance.now();
      const out = await desk.submit({ account: 'paper', symbol: C750, side: 'buy', qty: 11, type: 'market' });
      gate.push((performance.now() - t0) * 1000);
      if (out.ok) throw new Error('the gate benchmark intent must be refused (max_qty)');
    }

    const filledAt = new Map<string, number>();
    paper.onEvent((e) => {
      if (e.kind === 'order' && e.event.type === 'fill') filledAt.set(e.event.order.clientOrderId, performance.now());
    });
    const latency: number[] = [];
    // Each recorded quote's size is consumed by the orders that trade on it: step through
    // the day's two-sided quotes, one buy and one sell per quote.
    const quotes = market.quotesBetween([C750], start, Number.MAX_SAFE_INTEGER).filter((q) => (q.askSize ?? 0) >= 1 && (q.bidSize ?? 0) >= 1);
    const N = quotes.length * 2;
    for (let i = 0; i < N; i++) {
      if (i % 2 === 0) {
        now = quotes[i / 2]!.ts;
        await paper.advanceTo(now);
      }
      const clientOrderId = `bench-${i}`;
      const t0 = performance.now();
      const out = await desk.submit({ account: 'paper', symbol: C750, side: i % 2 === 0 ? 'buy' : 'sell', qty: 1, type: 'market', clientOrderId });
      if (!out.ok) throw new Error(`bench order refused: ${out.message}`);
      const t1 = filledAt.get(clientOrderId);
      if (t1 === undefined) throw new Error('a marketable paper order must fill on arrival');
      if (i >= 20) latency.push(t1 - t0);
    }
    desk.stop();
    return {
      gateMedianMicros: median(gate.slice(50)), gateP99Micros: percentile(gate.slice(50), 99),
      fillP50Ms: percentile(latency, 50), fillP99Ms: percentile(latency, 99), orders: latency.length,
    };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runTradingBench(): Promise<Record<string, unknown>> {
  const risk = riskCheckCost();
  const rest = await gateAndLatency();
  console.log('\ntrading');
  console.log(`  risk check (RiskEngine.check, all 11 checks pass): ${risk.medianMicros.toFixed(2)} µs per intent (median of runs of ${risk.checksPerRun})`);
  console.log(`  desk gate (audit ×2 + account/positions + risk, refused): median ${rest.gateMedianMicros.toFixed(0)} µs, p99 ${rest.gateP99Micros.toFixed(0)} µs per intent`);
  console.log(`  paper order-to-fill (marketable, desk → fill event, store on disk): p50 ${rest.fillP50Ms.toFixed(3)} ms, p99 ${rest.fillP99Ms.toFixed(3)} ms over ${rest.orders} orders`);
  return { riskCheckMicros: risk.medianMicros, ...rest };
}

if (isMain(import.meta.url)) await runTradingBench();
