/**
 * Small readers for Massive flat files the chain needs: option NBBO quotes (`quotes_v1`),
 * option minute aggregates (for last price and volume) and open interest. They stream
 * gzip CSV line by line; the bulk importer into the store lives elsewhere.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { InputError } from '../core/errors.js';
import type { OptionQuote } from '../core/types.js';

type RowHandler = (cell: (column: string) => string, where: string) => void;

async function forEachCsvRow(path: string, required: readonly string[], onRow: RowHandler): Promise<void> {
  const input = createReadStream(path);
  const stream = path.endsWith('.gz') ? input.pipe(createGunzip()) : input;
  input.on('error', (e) => stream.destroy(e));
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let header: Map<string, number> | null = null;
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (line.length === 0) continue;
    const fields = line.split(',');
    if (!header) {
      header = new Map(fields.map((name, i) => [name.trim(), i]));
      const missing = required.filter((c) => !header!.has(c));
      if (missing.length) throw new InputError(`${path}:1`, `header lacks column(s) ${missing.join(', ')}`);
      continue;
    }
    const h = header;
    onRow((column) => fields[h.get(column)!] ?? '', `${path}:${lineNo}`);
  }
}

/** Empty → null (a missing side), otherwise a finite non-negative number or an InputError. */
function optionalNumber(text: string, where: string, column: string): number | null {
  if (text === '') return null;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new InputError(where, `${column} "${text}" is not a non-negative number`);
  return n;
}

/** Epoch nanoseconds as text → epoch ms, by dropping digits (Number() of 19 digits would round). */
function nsToMs(text: string, where: string, column: string): number {
  if (!/^\d{7,}$/.test(text)) throw new InputError(where, `${column} "${text}" must be epoch nanoseconds`);
  return Number(text.slice(0, -6));
}

export interface ReadQuotesOptions {
  /** Keep only contracts of this OCC root (e.g. "GOOG"); matches `O:<root><6 digits>`. */
  underlying?: string;
}

/**
 * Reads a `quotes_v1` file (`ticker,ask_exchange,ask_price,ask_size,bid_exchange,bid_price,
 * bid_size,sequence_number,sip_timestamp`). An empty price means that side is missing and
 * becomes null, never 0.
 */
export async function readOptionQuotesCsv(path: string, options: ReadQuotesOptions = {}): Promise<OptionQuote[]> {
  const out: OptionQuote[] = [];
  const prefix = options.underlying ? `O:${options.underlying}` : null;
  await forEachCsvRow(path, ['ticker', 'ask_price', 'ask_size', 'bid_price', 'bid_size', 'sip_timestamp'], (cell, where) => {
    const ticker = cell('ticker');
    if (prefix && !(ticker.startsWith(prefix) && /^\d{6}[CP]/.test(ticker.slice(prefix.length)))) return;
    if (!ticker.startsWith('O:')) throw new InputError(where, `ticker "${ticker}" is not an option ticker (O:…)`);
    const bid = optionalNumber(cell('bid_price'), where, 'bid_price');
    const ask = optionalNumber(cell('ask_price'), where, 'ask_price');
    const seq = cell('sequence_number');
    const quote: OptionQuote = {
      ticker,
      ts: nsToMs(cell('sip_timestamp'), where, 'sip_timestamp'),
      bid,
      bidSize: bid === null ? null : optionalNumber(cell('bid_size'), where, 'bid_size'),
      ask,
      askSize: ask === null ? null : optionalNumber(cell('ask_size'), where, 'ask_size'),
    };
    if (seq !== '') quote.sequence = Number(seq);
    out.push(quote);
  });
  return out;
}

/** Reads `reference/open_interest/*.csv.gz` (`ticker,open_interest`) into ticker → contracts. */
export async function readOpenInterestCsv(path: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  await forEachCsvRow(path, ['ticker', 'open_interest'], (cell, where) => {
    const oi = optionalNumber(cell('open_interest'), where, 'open_interest');
    if (oi !== null) out.set(cell('ticker'), oi);
  });
  return out;
}

/**
 * Last trade price and cumulative volume per contract from option `minute_aggs_v1`,
 * counting only minutes complete at `at` (window start + 1 min ≤ at); all minutes if omitted.
 */
export async function readOptionTradeStats(path: string, at = Infinity): Promise<Map<string, { last: number; volume: number }>> {
  const out = new Map<string, { last: number; volume: number; start: number }>();
  await forEachCsvRow(path, ['ticker', 'volume', 'close', 'window_start'], (cell, where) => {
    const start = nsToMs(cell('window_start'), where, 'window_start');
    if (start + 60_000 > at) return;
    const close = optionalNumber(cell('close'), where, 'close');
    const volume = optionalNumber(cell('volume'), where, 'volume') ?? 0;
    if (close === null) throw new InputError(where, 'close is empty');
    const ticker = cell('ticker');
    const prev = out.get(ticker);
    if (!prev) out.set(ticker, { last: close, volume, start });
    else {
      prev.volume += volume;
      if (start >= prev.start) { prev.last = close; prev.start = start; }
    }
  });
  return new Map([...out].map(([t, v]) => [t, { last: v.last, volume: v.volume }]));
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
  const prefix = options.underlying ? `O:${options.underlying}` : null;
  await forEachCsvRow(path, ['ticker', 'volume', 'close', 'window_start'], (cell, where) => {
    const ticker = cell('ticker');
    if (prefix && !(ticker.startsWith(prefix) && /^\d{6}[CP]/.test(ticker.slice(prefix.length)))) return;
    const close = optionalNumber(cell('close'), where, 'close');
    if (close === null) throw new InputError(where, 'close is empty');
    const volume = optionalNumber(cell('volume'), where, 'volume') ?? 0;
    let list = out.get(ticker);
    if (!list) out.set(ticker, (list = []));
    list.push({ start: nsToMs(cell('window_start'), where, 'window_start'), close, volume });
  });
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
