/**
 * Trading test kit: a paper broker on the real recorded GOOG 2015-12-24 data with a clock
 * the test moves, an in-memory store, and an independent reader of the recorded quotes
 * (plain gunzip + split, not the production reader) for computing expectations.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { nyTimeToMs } from '../../src/calendar/index.js';
import { PaperBroker, type PaperBrokerOptions } from '../../src/broker/paper/broker.js';
import { RecordedMarket } from '../../src/broker/paper/market.js';
import { openStore } from '../../src/store/index.js';
import { TradingRepository, tradingRepository } from '../../src/store/trading.js';
import type { ApprovedIntent, OrderIntent } from '../../src/broker/types.js';
import { AuditTrail } from '../../src/audit/index.js';
import { connectPaper, TradingDesk } from '../../src/risk/index.js';
import { DATA_DIR, readAggregates, stockMinuteFile } from './data.js';
import { recordedStore } from './store.js';

export const GOOG_DAY = '2015-12-24';
export const C750 = 'O:GOOG151224C00750000';
export const C745 = 'O:GOOG151224C00745000';

/** New York wall time on 2015-12-24 → epoch ms. */
export function at(hhmm: string, date = GOOG_DAY): number {
  return nyTimeToMs(date, hhmm);
}

export interface RecordedQuote {
  ts: number;
  bid: number | null;
  bidSize: number | null;
  ask: number | null;
  askSize: number | null;
}

const quoteCache = new Map<string, RecordedQuote[]>();

/** The recorded NBBO of one contract on 2015-12-24, ascending, prices in dollars. */
export function recordedQuotes(ticker: string): RecordedQuote[] {
  const hit = quoteCache.get(ticker);
  if (hit) return hit;
  const file = path.join(DATA_DIR, 'flatfiles/us_options_opra/quotes_v1/2015/12/2015-12-24.csv.gz');
  const out: RecordedQuote[] = [];
  for (const line of gunzipSync(readFileSync(file)).toString('utf8').split('\n')) {
    if (!line.startsWith(`${ticker},`)) continue;
    const f = line.trimEnd().split(',');
    const num = (s: string | undefined): number | null => (s === undefined || s === '' ? null : Number(s));
    out.push({ ts: Number(f[8]!.slice(0, -6)), ask: num(f[2]), askSize: num(f[3]), bid: num(f[5]), bidSize: num(f[6]) });
  }
  out.sort((a, b) => a.ts - b.ts);
  quoteCache.set(ticker, out);
  return out;
}

export function quoteAtOrBefore(ticker: string, ms: number): RecordedQuote {
  const list = recordedQuotes(ticker).filter((q) => q.ts <= ms);
  if (!list.length) throw new Error(`no recorded ${ticker} quote before ${new Date(ms).toISOString()}`);
  return list[list.length - 1]!;
}

/** GOOG's last regular 1-minute close at or before `ms` (bar end ≤ ms). */
export function googLastClose(ms: number): number {
  const bars = readAggregates(stockMinuteFile(GOOG_DAY), 'GOOG').filter((b) => b.start + 60_000 <= ms);
  return bars[bars.length - 1]!.close;
}

export class ManualClock {
  constructor(public ms: number) {}
  readonly now = (): number => this.ms;
}

/** One recorded market for all tests of a file: loading the day's 275k quotes once is enough. */
let sharedMarket: RecordedMarket | undefined;
export function recordedMarket(): RecordedMarket {
  return (sharedMarket ??= new RecordedMarket(recordedStore()));
}

export interface PaperKit {
  broker: PaperBroker;
  repo: TradingRepository;
  clock: ManualClock;
  close(): void;
}

/** A paper broker on the recorded data; pass `db` to reopen a file after a "restart". */
export function paperKit(options: Partial<PaperBrokerOptions> & { start?: number; db?: string; market?: RecordedMarket } = {}): PaperKit {
  const store = openStore(options.db ?? ':memory:');
  const repo = tradingRepository(store);
  const clock = new ManualClock(options.start ?? at('09:40'));
  const broker = new PaperBroker({
    repo, market: options.market ?? recordedMarket(), now: clock.now, accounts: [{ name: 'paper', cash: 10_000_00 }], ...options,
  });
  return { broker, repo, clock, close: () => store.close() };
}

let seq = 0;
/** An intent as the risk engine would pass it (tests of the broker alone). */
export function approved(i: OrderIntent): ApprovedIntent {
  return {
    timeInForce: 'day', role: 'entry', clientOrderId: `t-${++seq}-${Date.now()}`,
    approval: { decisionId: 'test', at: 0 }, ...i,
  } as ApprovedIntent;
}

export interface DeskKit extends PaperKit {
  desk: TradingDesk;
  audit: AuditTrail;
}

/** The paper kit behind a TradingDesk (risk + audit + exits), wired as the server wires it. */
export function deskKit(options: Parameters<typeof paperKit>[0] & { flattenAt?: string | null } = {}): DeskKit {
  const kit = paperKit(options);
  const audit = new AuditTrail(kit.repo);
  const desk = new TradingDesk({
    repo: kit.repo, brokers: [kit.broker], audit,
    marketNow: () => kit.broker.currentTime(), quote: (s) => kit.broker.quoteNow(s),
    exits: { flattenAt: options.flattenAt === undefined ? null : options.flattenAt },
  });
  connectPaper(desk, kit.broker);
  return { ...kit, desk, audit, close: () => { desk.stop(); kit.close(); } };
}
