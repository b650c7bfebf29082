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
import type { IsoDate, MinuteAggregate, OptionQuote } from '../../core/types.js';
import { addDays, nyMidnight } from '../../calendar/index.js';
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
  /** A stock quote made from a minute bar carries that bar (dollars): bar-rule orders fill on it. */
  bar?: { start: number; open: number; high: number; low: number; close: number };
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

/** The store's reads the recorded market needs (src/store's MarketStore has them). */
export interface RecordedMarketData {
  optionQuotesByContract(underlying: string, fromMs: number, toMs: number): OptionQuote[];
  minuteBars(symbol: string, fromMs: number, toMs: number): MinuteAggregate[];
}

/**
 * The recorded sessions in the store — the same data the replay plays and the chain shows
 * (one data path: what `optdesk import` wrote). Loaded per (date, underlying) once. Stocks
 * have no recorded quotes, so a stock's "quote" is its minute close, stamped at the minute's end.
 */
export class RecordedMarket implements PaperMarket {
  private readonly quotes = new Map<string, PaperQuote[]>();
  private readonly loads = new Map<string, Promise<void>>();

  constructor(private readonly data: RecordedMarketData | Promise<RecordedMarketData>) {}

  async prepare(symbol: string, date: IsoDate): Promise<void> {
    const option = tryParseOptionTicker(symbol);
    const stock = option ? option.underlying : symbol;
    await Promise.all([
      option ? this.once(`o|${date}|${option.underlying}`, () => this.loadOptions(date, option.underlying)) : undefined,
      this.once(`s|${date}|${stock}`, () => this.loadStock(date, stock)),
    ]);
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
    const data = await this.data;
    const fresh = new Map<string, PaperQuote[]>();
    for (const q of data.optionQuotesByContract(root, nyMidnight(date), nyMidnight(addDays(date, 1)))) {
      let list = fresh.get(q.ticker);
      if (!list) fresh.set(q.ticker, (list = []));
      list.push(fromOptionQuote(q));
    }
    this.mergeIn(fresh);
  }

  private async loadStock(date: IsoDate, symbol: string): Promise<void> {
    const data = await this.data;
    const list: PaperQuote[] = [];
    for (const m of data.minuteBars(symbol, nyMidnight(date), nyMidnight(addDays(date, 1)))) {
      const close = quotePrice(m.close);
      list.push({ symbol, ts: m.start + 59_999, bid: close, ask: close, bidSize: null, askSize: null, bar: { start: m.start, open: m.open, high: m.high, low: m.low, close: m.close } });
    }
    this.mergeIn(new Map([[symbol, list]]));
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
  /** Closed 1-minute stock bars as quotes at the minute's end (bar-rule fills), apart from the quotes marks read. */
  private readonly bars = new Map<string, PaperQuote[]>();

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

  /** Feed this from the hub's closed regular 1-minute bars (dollars): stocks' bar-rule orders fill on them. */
  pushBar(symbol: string, bar: { start: number; open: number; high: number; low: number; close: number }): void {
    if (!this.quotes.has(symbol) || tryParseOptionTicker(symbol)) return; // nobody trades it
    let list = this.bars.get(symbol);
    if (!list) this.bars.set(symbol, (list = []));
    const ts = bar.start + 59_999;
    if (list.length && list[list.length - 1]!.ts >= ts) return; // a re-sent minute: its first close counts
    const close = quotePrice(bar.close);
    list.push({ symbol, ts, bid: close, ask: close, bidSize: null, askSize: null, bar: { start: bar.start, open: bar.open, high: bar.high, low: bar.low, close: bar.close } });
    const keep = this.options.keep ?? 5_000;
    if (list.length > keep) list.splice(0, list.length - keep);
  }

  quotesBetween(symbols: readonly string[], from: number, to: number): PaperQuote[] {
    return mergeBetween([...symbols.map((s) => this.quotes.get(s) ?? []), ...symbols.map((s) => this.bars.get(s) ?? [])], from, to);
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
