/**
 * Journal benchmark: what a `GET /api/journal/trades` costs the server (every trade built
 * from the fills, reviewed and put on the wire) for a desk with 1,000 round trips (2,000
 * paper fills over 50 sessions, the last on the recorded GOOG 2015-12-24 quotes) — a cold request, a repeated one with nothing new, and a
 * request right after one new fill — against the same request on a fresh service (no
 * cache: what every request cost before the build cache), interleaved in the same run.
 *
 * Run alone: node --import tsx bench/journal.bench.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Fill } from '../src/broker/types.js';
import { nyTimeToMs, previousSession } from '../src/calendar/index.js';
import { RecordedHistory } from '../src/journal/recorded-history.js';
import { JournalService } from '../src/journal/service.js';
import { journalRepository } from '../src/store/journal.js';
import { openStore } from '../src/store/index.js';
import { tradingRepository } from '../src/store/trading.js';
import { isMain, median } from './util.js';

const ROUND_TRIPS = 1_000;
const DATA = fileURLToPath(new URL('../../shared/data/', import.meta.url));

function fill(i: number, side: 'buy' | 'sell', time: number, price: number): Fill {
  return {
    id: `bf${i}`, orderId: `bo${i}`, account: 'paper', symbol: 'O:GOOG151224C00750000', side, qty: 1 + (i % 3), price, time,
    fees: { orf: 3, occ: 2, taf: 0, sec: 0, commission: 0, total: 5 }, reason: 'execution', note: null,
  };
}

export async function runJournalBench(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'optdesk-journal-bench-'));
  const store = openStore(path.join(dir, 'journal.db'));
  try {
    const trading = tradingRepository(store);
    // 50 sessions ending on the recorded GOOG 0-DTE day, whose quotes give the last 20 trades their MAE/MFE.
    const sessions = ['2015-12-24'];
    while (sessions.length < ROUND_TRIPS / 20) sessions.unshift(previousSession(sessions[0]!).date);
    let date = sessions[0]!;
    let n = 0;
    for (let k = 0; k < ROUND_TRIPS; k++) {
      date = sessions[Math.floor(k / 20)]!;
      const t = nyTimeToMs(date, '10:00') + (k % 20) * 10 * 60_000;
      const q = 1 + (k % 3);
      trading.insertFill({ ...fill(n++, 'buy', t, 20_000 + (k % 7) * 1_000), qty: q });
      trading.insertFill({ ...fill(n++, 'sell', t + 5 * 60_000, 20_000 + (k % 11) * 900), qty: q });
    }
    const history = new RecordedHistory(store, DATA);
    const make = () => new JournalService({ trading, journal: journalRepository(store), history });
    const svc = make();
    await history.prepare(svc.fills());
    const request = (s: JournalService) => s.trades().map((t) => s.wire(t)).length;
    const time = (fn: () => unknown) => { const t0 = performance.now(); fn(); return performance.now() - t0; };
    const cold = time(() => request(svc));
    const cached: number[] = [];
    const uncached: number[] = [];
    for (let i = 0; i < 10; i++) {
      cached.push(time(() => request(svc)));
      uncached.push(time(() => request(make())));
    }
    const afterFill: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = nyTimeToMs(date, '15:30') + i * 60_000;
      trading.insertFill({ ...fill(n++, i % 2 ? 'sell' : 'buy', t, 20_000), qty: 1 });
      afterFill.push(time(() => request(svc)));
    }
    const ms = (xs: number[]) => Math.round(median(xs) * 10) / 10;
    return {
      trades: svc.trades().length, fills: n, coldMs: Math.round(cold),
      repeatCachedMedianMs: ms(cached), repeatUncachedMedianMs: ms(uncached), speedup: Math.round((median(uncached) / median(cached)) * 10) / 10,
      afterNewFillMedianMs: ms(afterFill),
    };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) console.log(JSON.stringify(await runJournalBench(), null, 2));
