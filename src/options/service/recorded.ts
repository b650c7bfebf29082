/**
 * RecordedChainSource: the option quotes recorded for the replay session, in Massive's
 * flat-file layout under the data dir —
 * `flatfiles/us_options_opra/quotes_v1/YYYY/MM/DATE.csv.gz` (NBBO per contract per minute),
 * `flatfiles/us_options_opra/minute_aggs_v1/…` (trades → last and volume) and
 * `reference/open_interest/DATE.csv.gz`.
 *
 * Cost bounds (a web page can ask for any underlying, so none of this may grow with requests):
 * - **Session index.** The first request for a session reads its quotes file once and notes
 *   every OCC root in it. After that, an underlying that is not in the index is answered "not
 *   recorded" without touching a file; a session without a quotes file costs one `stat`.
 * - **Books.** Each (session, underlying) with quotes is read once, lazily, and indexed
 *   (OptionChainIndex); the chain at any replay instant is then the last quote at or before
 *   it — never a later one. Books and session indexes live in LRU caches of bounded size.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { IsoDate, OptionQuote } from '../../core/types.js';
import { OptionChainIndex, type ChainExpiration, type ChainSnapshot } from '../chain.js';
import {
  type OptionMinuteTrade,
  type ReadQuotesOptions,
  occRoot,
  readOpenInterestCsv,
  readOptionMinuteTrades,
  readOptionQuotesCsv,
  tradeStatsAt,
} from '../flatfile-quotes.js';
import type { ChainContext, ChainSource } from './types.js';

export const OPTION_QUOTES_DIR = 'flatfiles/us_options_opra/quotes_v1';
export const OPTION_MINUTES_DIR = 'flatfiles/us_options_opra/minute_aggs_v1';
export const OPEN_INTEREST_DIR = 'reference/open_interest';

interface RecordedBook {
  index: OptionChainIndex;
  openInterest: Map<string, number>;
  trades: Map<string, OptionMinuteTrade[]>;
}

/** Which roots a session's quotes file holds (null: the session has no quotes file). */
type SessionIndex = ReadonlySet<string> | null;

export function datedFile(dataDir: string, dir: string, date: IsoDate): string {
  return path.join(dataDir, dir, date.slice(0, 4), date.slice(5, 7), `${date}.csv.gz`);
}

/** The file readers, injectable so tests can count reads. */
export interface RecordedReaders {
  quotes(file: string, options: ReadQuotesOptions): Promise<OptionQuote[]>;
  trades(file: string, options: { underlying: string }): Promise<Map<string, OptionMinuteTrade[]>>;
  openInterest(file: string): Promise<Map<string, number>>;
  exists(file: string): boolean;
}

export interface RecordedChainSourceOptions {
  /** Loaded books kept (each one underlying on one session). Default 8. */
  maxBooks?: number;
  /** Session indexes kept. Default 32. */
  maxSessions?: number;
  readers?: Partial<RecordedReaders>;
}

const DEFAULT_READERS: RecordedReaders = {
  quotes: readOptionQuotesCsv,
  trades: readOptionMinuteTrades,
  openInterest: readOpenInterestCsv,
  exists: existsSync,
};

/** A Map used as an LRU: reads move an entry to the end, inserts evict from the front. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
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
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
  delete(key: string): void {
    this.map.delete(key);
  }
  keys(): string[] {
    return [...this.map.keys()];
  }
  get size(): number {
    return this.map.size;
  }
}

export class RecordedChainSource implements ChainSource {
  readonly kind = 'recorded' as const;
  /** `date|underlying` → the loaded book. Promises, so concurrent first requests share one read. */
  private readonly books: Lru<Promise<RecordedBook | null>>;
  /** `date` → roots with recorded quotes. */
  private readonly sessions: Lru<Promise<SessionIndex>>;
  private readonly read: RecordedReaders;
  /** Books built while the session index was being read (the first request's underlying). */
  private readonly firstQuotes = new Map<string, OptionQuote[]>();
  /** File reads, for tests and the health panel. */
  readonly counters = { quoteFileReads: 0, bookLoads: 0, evictions: 0 };

  constructor(private readonly dataDir: string, options: RecordedChainSourceOptions = {}) {
    this.books = new Lru(Math.max(1, options.maxBooks ?? 8));
    this.sessions = new Lru(Math.max(1, options.maxSessions ?? 32));
    this.read = { ...DEFAULT_READERS, ...options.readers };
  }

  async has(underlying: string, session: IsoDate): Promise<boolean> {
    return (await this.sessionIndex(session, underlying))?.has(underlying) ?? false;
  }

  /** Roots with recorded quotes on `session` (reads the quotes file once per session). */
  async underlyings(session: IsoDate): Promise<string[]> {
    return [...((await this.sessionIndex(session)) ?? [])].sort();
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
    const root = /^O:([A-Z][A-Z0-9.]*?)\d{6}[CP]/.exec(ticker)?.[1];
    if (!root) return null;
    const series = (await this.book(root, session))?.index.contract(ticker);
    if (!series) return null;
    for (const q of series.quotes) {
      if (q.ts > at) break;
      if (q.bid !== null && q.ask !== null && q.bid <= q.ask) return (q.bid + q.ask) / 2;
    }
    return null;
  }

  /** Loaded books (`date|underlying`), least recently used first, for tests and the health panel. */
  loaded(): string[] {
    return this.books.keys();
  }

  private async required(ctx: ChainContext): Promise<RecordedBook> {
    const book = await this.book(ctx.underlying, ctx.session);
    if (!book) throw new Error(`no recorded ${ctx.underlying} option quotes for ${ctx.session}`);
    return book;
  }

  /**
   * The session's root index. The read that builds it also keeps the quotes of `wanted`
   * (the underlying the first request asked for), so the common first chain costs one read.
   */
  private sessionIndex(session: IsoDate, wanted?: string): Promise<SessionIndex> {
    let hit = this.sessions.get(session);
    if (!hit) {
      hit = (async (): Promise<SessionIndex> => {
        const file = datedFile(this.dataDir, OPTION_QUOTES_DIR, session);
        if (!this.read.exists(file)) return null;
        const roots = new Set<string>();
        this.counters.quoteFileReads++;
        const quotes = await this.read.quotes(file, { ...(wanted ? { underlying: wanted } : {}), roots });
        // At most one pending hand-over: a caller that never loads its book must not pin quotes.
        this.firstQuotes.clear();
        if (wanted && quotes.length > 0) this.firstQuotes.set(`${session}|${wanted}`, quotes);
        return roots;
      })();
      const stored = hit;
      this.sessions.set(session, stored);
      // A failed read (bad file) is reported to this caller and retried by the next one.
      stored.catch(() => {
        if (this.sessions.get(session) === stored) this.sessions.delete(session);
      });
    }
    return hit;
  }

  private book(underlying: string, session: IsoDate): Promise<RecordedBook | null> {
    const key = `${session}|${underlying}`;
    let hit = this.books.get(key);
    if (!hit) {
      const stored = (hit = this.load(underlying, session));
      const before = this.books.size;
      this.books.set(key, stored);
      if (this.books.size === before) this.counters.evictions++;
      // Unknown underlyings (answered by the index) never keep a book slot; a failed read
      // (bad file) is reported to this caller and retried by the next one.
      const forget = (): void => {
        if (this.books.get(key) === stored) this.books.delete(key);
      };
      void stored.then((book) => book ?? forget(), forget);
    }
    return hit;
  }

  private async load(underlying: string, session: IsoDate): Promise<RecordedBook | null> {
    const roots = await this.sessionIndex(session, underlying);
    if (!roots?.has(underlying)) return null;
    const key = `${session}|${underlying}`;
    let quotes = this.firstQuotes.get(key);
    this.firstQuotes.delete(key);
    if (!quotes) {
      this.counters.quoteFileReads++;
      quotes = await this.read.quotes(datedFile(this.dataDir, OPTION_QUOTES_DIR, session), { underlying });
    }
    if (quotes.length === 0) return null;
    this.counters.bookLoads++;
    const index = OptionChainIndex.fromQuotes(quotes);
    const oiFile = path.join(this.dataDir, OPEN_INTEREST_DIR, `${session}.csv.gz`);
    const tradesFile = datedFile(this.dataDir, OPTION_MINUTES_DIR, session);
    const [openInterest, trades] = await Promise.all([
      this.read.exists(oiFile) ? this.read.openInterest(oiFile) : Promise.resolve(new Map<string, number>()),
      this.read.exists(tradesFile) ? this.read.trades(tradesFile, { underlying }) : Promise.resolve(new Map<string, OptionMinuteTrade[]>()),
    ]);
    return { index, openInterest, trades };
  }
}
