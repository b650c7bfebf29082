/**
 * RecordedChainSource: the option quotes recorded for the replay session, in Massive's
 * flat-file layout under the data dir —
 * `flatfiles/us_options_opra/quotes_v1/YYYY/MM/DATE.csv.gz` (NBBO per contract per minute),
 * `flatfiles/us_options_opra/minute_aggs_v1/…` (trades → last and volume) and
 * `reference/open_interest/DATE.csv.gz`.
 *
 * Each (session, underlying) is read once, lazily, and indexed (OptionChainIndex); the
 * chain at any replay instant is then the last quote at or before it — never a later one.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { IsoDate } from '../../core/types.js';
import { OptionChainIndex, type ChainExpiration, type ChainSnapshot } from '../chain.js';
import { type OptionMinuteTrade, readOpenInterestCsv, readOptionMinuteTrades, readOptionQuotesCsv, tradeStatsAt } from '../flatfile-quotes.js';
import type { ChainContext, ChainSource } from './types.js';

export const OPTION_QUOTES_DIR = 'flatfiles/us_options_opra/quotes_v1';
export const OPTION_MINUTES_DIR = 'flatfiles/us_options_opra/minute_aggs_v1';
export const OPEN_INTEREST_DIR = 'reference/open_interest';

interface RecordedBook {
  index: OptionChainIndex;
  openInterest: Map<string, number>;
  trades: Map<string, OptionMinuteTrade[]>;
}

export function datedFile(dataDir: string, dir: string, date: IsoDate): string {
  return path.join(dataDir, dir, date.slice(0, 4), date.slice(5, 7), `${date}.csv.gz`);
}

export class RecordedChainSource implements ChainSource {
  readonly kind = 'recorded' as const;
  /** `date|underlying` → the loaded book (null: nothing recorded). Promises, so concurrent first requests share one read. */
  private readonly books = new Map<string, Promise<RecordedBook | null>>();

  constructor(private readonly dataDir: string) {}

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
      hit = this.load(underlying, session);
      this.books.set(key, hit);
      // A failed read (bad file) is reported to this caller and retried by the next one.
      hit.catch(() => this.books.delete(key));
    }
    return hit;
  }

  private async load(underlying: string, session: IsoDate): Promise<RecordedBook | null> {
    const quotesFile = datedFile(this.dataDir, OPTION_QUOTES_DIR, session);
    if (!existsSync(quotesFile)) return null;
    const quotes = await readOptionQuotesCsv(quotesFile, { underlying });
    if (quotes.length === 0) return null;
    const index = OptionChainIndex.fromQuotes(quotes);
    const oiFile = path.join(this.dataDir, OPEN_INTEREST_DIR, `${session}.csv.gz`);
    const tradesFile = datedFile(this.dataDir, OPTION_MINUTES_DIR, session);
    const [openInterest, trades] = await Promise.all([
      existsSync(oiFile) ? readOpenInterestCsv(oiFile) : Promise.resolve(new Map<string, number>()),
      existsSync(tradesFile) ? readOptionMinuteTrades(tradesFile, { underlying }) : Promise.resolve(new Map<string, OptionMinuteTrade[]>()),
    ]);
    return { index, openInterest, trades };
  }
}
