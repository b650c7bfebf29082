/**
 * The chain's view of recorded Massive flat files: option NBBO quotes (`quotes_v1`), option
 * minute aggregates (for last price and volume) and open interest. Reading and row
 * validation are src/feeds/flatfile's (the importer's parsers); this adds the chain's
 * filters and shapes. A malformed row is an error naming `file:line` — a chain built on a
 * half-read file would be silently wrong.
 */
import { InputError } from '../core/errors.js';
import type { OptionQuote } from '../core/types.js';
import { occRoot } from '../core/occ.js';
import { readFlatFile, type ReadFlatFileOptions } from '../feeds/flatfile/read.js';

function failOnBadRow(path: string): ReadFlatFileOptions {
  return { onBadRow: (line, reason) => { throw new InputError(`${path}:${line}`, reason); } };
}

/** True when `ticker` is a contract of `root` (the whole root, so GOOG ≠ GOOGL); null keeps all. */
function ofRoot(ticker: string, root: string | null): boolean {
  return !root || occRoot(ticker) === root;
}

export interface ReadQuotesOptions {
  /** Keep only contracts of this OCC root (e.g. "GOOG"); matches `O:<root><6 digits>`. */
  underlying?: string;
  /** Filled with every OCC root seen in the file (kept or not), so one read also indexes the file. */
  roots?: Set<string>;
}

/**
 * Reads a `quotes_v1` file (`ticker,ask_exchange,ask_price,ask_size,bid_exchange,bid_price,
 * bid_size,sequence_number,sip_timestamp`). An empty price means that side is missing and
 * becomes null, never 0.
 */
export async function readOptionQuotesCsv(path: string, options: ReadQuotesOptions = {}): Promise<OptionQuote[]> {
  const out: OptionQuote[] = [];
  const root = options.underlying ?? null;
  const roots = options.roots;
  let lastTicker = '';
  await readFlatFile(path, 'options-quotes', (quote) => {
    // Rows come grouped by contract: only a ticker change can bring a new root.
    if (roots && quote.ticker !== lastTicker) {
      lastTicker = quote.ticker;
      roots.add(occRoot(quote.ticker));
    }
    if (ofRoot(quote.ticker, root)) out.push(quote);
  }, failOnBadRow(path));
  return out;
}

/** Reads `reference/open_interest/*.csv.gz` (`ticker,open_interest`) into ticker → contracts. */
export async function readOpenInterestCsv(path: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  await readFlatFile(path, 'open-interest', (row) => out.set(row.ticker, row.openInterest), failOnBadRow(path));
  return out;
}

/**
 * Last trade price and cumulative volume per contract from option `minute_aggs_v1`,
 * counting only minutes complete at `at` (window start + 1 min ≤ at); all minutes if omitted.
 */
export async function readOptionTradeStats(path: string, at = Infinity): Promise<Map<string, { last: number; volume: number }>> {
  return tradeStatsAt(await readOptionMinuteTrades(path), at);
}

/** One option minute aggregate as the chain needs it: when, last price, volume. */
export interface OptionMinuteTrade {
  start: number;
  close: number;
  volume: number;
}

/**
 * Reads option `minute_aggs_v1` once into ticker → minutes ascending, so "last and volume
 * at instant t" can be answered for many instants without re-reading the file
 * (see `tradeStatsAt`). `underlying` keeps only that OCC root.
 */
export async function readOptionMinuteTrades(path: string, options: ReadQuotesOptions = {}): Promise<Map<string, OptionMinuteTrade[]>> {
  const out = new Map<string, OptionMinuteTrade[]>();
  const root = options.underlying ?? null;
  await readFlatFile(path, 'options-minute', (m) => {
    if (!ofRoot(m.symbol, root)) return;
    let list = out.get(m.symbol);
    if (!list) out.set(m.symbol, (list = []));
    list.push({ start: m.start, close: m.close, volume: m.volume });
  }, failOnBadRow(path));
  for (const list of out.values()) list.sort((a, b) => a.start - b.start);
  return out;
}

/** Last price and cumulative volume per contract over the minutes complete at `at` (start + 1 min ≤ at). */
export function tradeStatsAt(trades: ReadonlyMap<string, readonly OptionMinuteTrade[]>, at: number): Map<string, { last: number; volume: number }> {
  const out = new Map<string, { last: number; volume: number }>();
  for (const [ticker, list] of trades) {
    let volume = 0;
    let last: number | null = null;
    for (const m of list) {
      if (m.start + 60_000 > at) break;
      volume += m.volume;
      last = m.close;
    }
    if (last !== null) out.set(ticker, { last, volume });
  }
  return out;
}
