/**
 * RecordedChainSource: the option data recorded for the replay session, read from the store
 * (what `optdesk import` wrote from Massive's `quotes_v1`, option `minute_aggs_v1` and
 * `reference/open_interest` flat files): NBBO per contract per minute, trades (→ last and
 * volume) and open interest.
 *
 * Each (session, underlying) is read once, lazily, and indexed (OptionChainIndex); the
 * chain at any replay instant is then the last quote at or before it — never a later one.
 * Whether an underlying has quotes at all is an index seek, so an unknown one costs nothing.
 */
import type { IsoDate, MinuteAggregate, OptionQuote } from '../../core/types.js';
import { addDays, nyMidnight } from '../../calendar/index.js';
import { OptionChainIndex, type ChainExpiration, type ChainSnapshot } from '../../options/chain.js';
import { type OptionMinuteTrade, tradeStatsAt } from '../../options/flatfile-quotes.js';
import { openingMark } from '../../options/metrics.js';
import type { ChainContext, ChainSource } from './types.js';
import { parseOccTicker } from '../../core/occ.js';

export interface RecordedBook {
  index: OptionChainIndex;
  openInterest: Map<string, number>;
  trades: Map<string, OptionMinuteTrade[]>;
}

/** The store's option reads the chain needs (src/store's MarketStore has them; named alike). */
export interface RecordedOptionData {
  hasOptionQuotes(underlying: string, fromMs: number, toMs: number): boolean;
  optionQuotesByContract(underlying: string, fromMs: number, toMs: number): OptionQuote[];
  optionMinuteBarsOf(underlying: string, fromMs: number, toMs: number): MinuteAggregate[];
  openInterest(date: IsoDate, underlying?: string): { ticker: string; openInterest: number }[];
}

/** A Map used as an LRU: reads move an entry to the end, inserts evict from the front. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number, private readonly onEvict: () => void) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.max) {
      this.map.delete(this.map.keys().next().value!);
      this.onEvict();
    }
  }
  /** Deletes `key` only while it still holds `value` (a newer load of the same key stays). */
  deleteIf(key: string, value: V): void {
    if (this.map.get(key) === value) this.map.delete(key);
  }
  keys(): string[] {
    return [...this.map.keys()];
  }
}

export class RecordedChainSource implements ChainSource {
  readonly kind = 'recorded' as const;
  /** `date|underlying` → the loaded book (null: nothing recorded). Promises, so concurrent first requests share one read. */
  private readonly books: Lru<Promise<RecordedBook | null>>;
  /** Book loads and evictions, for tests and the health panel. */
  readonly counters = { bookLoads: 0, evictions: 0 };

  /**
   * `maxBooks` bounds memory whatever a web page asks for (each book is one underlying on one
   * session: for GOOG 2015-12-24 about 275k quotes). Default 8.
   */
  constructor(private readonly data: RecordedOptionData, options: { maxBooks?: number } = {}) {
    this.books = new Lru(Math.max(1, options.maxBooks ?? 8), () => this.counters.evictions++);
  }

  async has(underlying: string, session: IsoDate): Promise<boolean> {
    return (await this.book(underlying, session)) !== null;
  }

  async expirations(ctx: ChainContext): Promise<ChainExpiration[]> {
    const book = await this.required(ctx);
    return book.index.expirations(ctx.at, ctx.underlyingPrice);
  }

  async chain(ctx: ChainContext, expiration: IsoDate): Promise<ChainSnapshot> {
    const book = await this.required(ctx);
    return book.index.snapshot({
      at: ctx.at,
      underlyingPrice: ctx.underlyingPrice,
      rate: ctx.rate,
      expirations: [expiration],
      openInterest: book.openInterest,
      trades: tradeStatsAt(book.trades, ctx.at),
    });
  }

  async openingMark(ticker: string, session: IsoDate, at: number): Promise<number | null> {
    const root = parseOccTicker(ticker)?.underlying;
    if (!root) return null;
    const series = (await this.book(root, session))?.index.contract(ticker);
    if (!series) return null;
    return openingMark(series.quotes, at);
  }

  /** Loaded books, for tests and the health panel. */
  loaded(): string[] {
    return [...this.books.keys()];
  }

  private async required(ctx: ChainContext): Promise<RecordedBook> {
    const book = await this.book(ctx.underlying, ctx.session);
    if (!book) throw new Error(`no recorded ${ctx.underlying} option quotes for ${ctx.session}`);
    return book;
  }

  private book(underlying: string, session: IsoDate): Promise<RecordedBook | null> {
    const key = `${session}|${underlying}`;
    let hit = this.books.get(key);
    if (!hit) {
      this.counters.bookLoads++;
      hit = this.load(underlying, session);
      this.books.set(key, hit);
      // A failed read is reported to this caller and retried by the next one; "nothing recorded"
      // is asked again too (an index seek), so an import made while the server runs shows up.
      const loading = hit;
      loading.then((book) => book ?? this.books.deleteIf(key, loading), () => this.books.deleteIf(key, loading));
    }
    return hit;
  }

  private async load(underlying: string, session: IsoDate): Promise<RecordedBook | null> {
    return loadRecordedBook(this.data, underlying, session);
  }
}

/**
 * One session's recorded option data of an underlying, indexed; null when nothing is recorded
 * (an index seek). Synchronous: the backtester's options mode reads it inside its day loop.
 */
export function loadRecordedBook(data: RecordedOptionData, underlying: string, session: IsoDate): RecordedBook | null {
  const from = nyMidnight(session);
  const to = nyMidnight(addDays(session, 1));
  if (!data.hasOptionQuotes(underlying, from, to)) return null;
  const index = OptionChainIndex.fromQuotes(data.optionQuotesByContract(underlying, from, to));
  const openInterest = new Map(data.openInterest(session, underlying).map((r) => [r.ticker, r.openInterest]));
  const trades = new Map<string, OptionMinuteTrade[]>();
  for (const m of data.optionMinuteBarsOf(underlying, from, to)) {
    let list = trades.get(m.symbol);
    if (!list) trades.set(m.symbol, (list = []));
    list.push({ start: m.start, close: m.close, volume: m.volume });
  }
  return { index, openInterest, trades };
}
