/**
 * The market the paper broker trades against: NBBO quotes in time order and the
 * underlying's last price (for expiration). Two sources:
 * - RecordedMarket: the replay's recorded files — option NBBO from `quotes_v1`, stocks from
 *   their 1-minute bars (a stock "quote" is the minute's close on both sides, stamped at the
 *   minute's last millisecond like the option quotes; the recordings have no stock NBBO);
 * - LiveMarket: quotes as the live feed pushes them, kept in a bounded per-symbol buffer.
 *
 * Everything the broker's (synchronous) matching loop reads is loaded by `prepare()` first.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { IsoDate, MinuteAggregate, OptionQuote } from '../../core/types.js';
import { readFlatFile } from '../../feeds/flatfile/read.js';
import { tryParseOptionTicker } from '../../options/occ.js';
import { quotePrice } from '../money.js';
import type { Price } from '../types.js';

export interface PaperQuote {
  symbol: string;
  ts: number;
  bid: Price | null;
  bidSize: number | null;
  ask: Price | null;
  askSize: number | null;
}

export interface PaperMarket {
  /** Loads what `symbol` needs for trading day `date` (its quotes; an option's underlying too). */
  prepare(symbol: string, date: IsoDate): Promise<void>;
  /** Quotes of `symbols` with from < ts ≤ to, ascending by ts (ties keep the symbols' order). */
  quotesBetween(symbols: readonly string[], from: number, to: number): PaperQuote[];
  /** The latest quote of `symbol` at or before `at`. */
  quoteAt(symbol: string, at: number): PaperQuote | null;
  /** The last trade price of a stock at or before `at` (an option's underlying at expiry). */
  lastPrice(symbol: string, at: number): Price | null;
}

export function fromOptionQuote(q: OptionQuote): PaperQuote {
  return {
    symbol: q.ticker,
    ts: q.ts,
    bid: q.bid === null ? null : quotePrice(q.bid),
    bidSize: q.bidSize,
    ask: q.ask === null ? null : quotePrice(q.ask),
    askSize: q.askSize,
  };
}

/** Index of the first element with ts > t (binary search over an ascending list). */
function upperBound(list: readonly { ts: number }[], t: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.ts <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Per-symbol ascending quote lists → the merged, time-ordered quotes in (from, to]. */
function mergeBetween(lists: readonly (readonly PaperQuote[])[], from: number, to: number): PaperQuote[] {
  const out: PaperQuote[] = [];
  for (const list of lists) {
    for (let i = upperBound(list, from); i < list.length && list[i]!.ts <= to; i++) out.push(list[i]!);
  }
  if (lists.length > 1) out.sort((a, b) => a.ts - b.ts); // stable: same-ts quotes keep symbol order
  return out;
}

function lastAtOrBefore<T extends { ts: number }>(list: readonly T[] | undefined, at: number): T | null {
  if (!list) return null;
  const i = upperBound(list, at);
  return i > 0 ? list[i - 1]! : null;
}

const OPTION_QUOTES_DIR = 'flatfiles/us_options_opra/quotes_v1';
const STOCK_MINUTES_DIR = 'flatfiles/us_stocks_sip/minute_aggs_v1';

function dated(dataDir: string, dir: string, date: IsoDate): string {
  return path.join(dataDir, dir, date.slice(0, 4), date.slice(5, 7), `${date}.csv.gz`);
}

/** The recorded session files under `dataDir` (../shared/data), loaded per (kind, date, root) once. */
export class RecordedMarket implements PaperMarket {
  private readonly quotes = new Map<string, PaperQuote[]>();
  private readonly loads = new Map<string, Promise<void>>();

  constructor(private readonly dataDir: string) {}

  async prepare(symbol: string, date: IsoDate): Promise<void> {
    const option = tryParseOptionTicker(symbol);
    if (option) {
      await Promise.all([this.once(`o|${date}|${option.underlying}`, () => this.loadOptions(date, option.underlying)),
        this.once(`s|${date}`, () => this.loadStocks(date))]);
    } else {
      await this.once(`s|${date}`, () => this.loadStocks(date));
    }
  }

  quotesBetween(symbols: readonly string[], from: number, to: number): PaperQuote[] {
    const lists = symbols.map((s) => this.quotes.get(s)).filter((l): l is PaperQuote[] => l !== undefined);
    return mergeBetween(lists, from, to);
  }

  quoteAt(symbol: string, at: number): PaperQuote | null {
    return lastAtOrBefore(this.quotes.get(symbol), at);
  }

  lastPrice(symbol: string, at: number): Price | null {
    const q = lastAtOrBefore(this.quotes.get(symbol), at);
    return q?.bid ?? null;
  }

  private once(key: string, load: () => Promise<void>): Promise<void> {
    let p = this.loads.get(key);
    if (!p) {
      p = load();
      this.loads.set(key, p);
      p.catch(() => this.loads.delete(key));
    }
    return p;
  }

  private async loadOptions(date: IsoDate, root: string): Promise<void> {
    const file = dated(this.dataDir, OPTION_QUOTES_DIR, date);
    if (!existsSync(file)) return;
    const prefix = `O:${root}`;
    const fresh = new Map<string, PaperQuote[]>();
    await readFlatFile(file, 'options-quotes', (q) => {
      if (!q.ticker.startsWith(prefix) || !/^\d{6}[CP]/.test(q.ticker.slice(prefix.length))) return;
      let list = fresh.get(q.ticker);
      if (!list) fresh.set(q.ticker, (list = []));
      list.push(fromOptionQuote(q));
    });
    this.mergeIn(fresh);
  }

  private async loadStocks(date: IsoDate): Promise<void> {
    const file = dated(this.dataDir, STOCK_MINUTES_DIR, date);
    if (!existsSync(file)) return;
    const fresh = new Map<string, PaperQuote[]>();
    await readFlatFile(file, 'stocks-minute', (m: MinuteAggregate) => {
      let list = fresh.get(m.symbol);
      if (!list) fresh.set(m.symbol, (list = []));
      const close = quotePrice(m.close);
      list.push({ symbol: m.symbol, ts: m.start + 59_999, bid: close, ask: close, bidSize: null, askSize: null });
    });
    this.mergeIn(fresh);
  }

  private mergeIn(fresh: Map<string, PaperQuote[]>): void {
    for (const [symbol, list] of fresh) {
      const merged = [...(this.quotes.get(symbol) ?? []), ...list];
      merged.sort((a, b) => a.ts - b.ts);
      this.quotes.set(symbol, merged);
    }
  }
}

/**
 * Quotes pushed by a live feed. Keeps the last `keep` quotes per symbol (the matching loop
 * only looks back to its last evaluated instant, seconds ago). Stocks take `lastTrade`.
 */
export class LiveMarket implements PaperMarket {
  private readonly quotes = new Map<string, PaperQuote[]>();

  constructor(
    private readonly options: {
      /** Ask the feed to stream `symbol` (e.g. ChartHub feed subscribe). */
      subscribe?: (symbol: string) => void;
      /** The last trade of a stock at or before `at`, in dollars. */
      lastTrade?: (symbol: string, at: number) => number | null;
      keep?: number;
    } = {},
  ) {}

  async prepare(symbol: string): Promise<void> {
    if (!this.quotes.has(symbol)) {
      this.quotes.set(symbol, []);
      this.options.subscribe?.(symbol);
      const option = tryParseOptionTicker(symbol);
      if (option) this.options.subscribe?.(option.underlying);
    }
  }

  /** Feed this from the hub's onQuote. */
  push(q: PaperQuote): void {
    const list = this.quotes.get(q.symbol);
    if (!list) return; // nobody trades it
    if (list.length && list[list.length - 1]!.ts > q.ts) return; // out of order: keep time monotonic
    list.push(q);
    const keep = this.options.keep ?? 5_000;
    if (list.length > keep) list.splice(0, list.length - keep);
  }

  quotesBetween(symbols: readonly string[], from: number, to: number): PaperQuote[] {
    return mergeBetween(symbols.map((s) => this.quotes.get(s) ?? []), from, to);
  }

  quoteAt(symbol: string, at: number): PaperQuote | null {
    const q = lastAtOrBefore(this.quotes.get(symbol), at);
    if (q || tryParseOptionTicker(symbol)) return q;
    const last = this.options.lastTrade?.(symbol, at) ?? null;
    if (last === null) return null;
    const p = quotePrice(last);
    return { symbol, ts: at, bid: p, ask: p, bidSize: null, askSize: null };
  }

  lastPrice(symbol: string, at: number): Price | null {
    const last = this.options.lastTrade?.(symbol, at);
    return last === null || last === undefined ? null : quotePrice(last);
  }
}
