/**
 * Row parsers: one CSV row's fields → a typed record, or the reason the row is malformed.
 * Pure and allocation-light because they run once per row of multi-million-row files.
 */
import type { MinuteAggregate, OptionQuote } from '../../core/types.js';
import { parseOccTicker } from '../../core/occ.js';
import type { OpenInterest } from '../../store/types.js';
import type { FlatFileKind } from './kinds.js';

/** Parsed row, or a sentence fragment saying what is wrong with it. */
export type RowResult<T> = T | string;

export type FlatFileRecord = MinuteAggregate | OptionQuote | OpenInterest;

export type RowParser = (fields: readonly string[]) => RowResult<FlatFileRecord>;

// Anything outside these years is a unit mistake (ms or s written where ns belong), not data.
const MIN_PLAUSIBLE_MS = Date.UTC(1990, 0, 1);
const MAX_PLAUSIBLE_MS = Date.UTC(2100, 0, 1);
const MINUTE_MS = 60_000;
const DIGITS = /^\d+$/;

/**
 * Epoch nanoseconds (decimal string) → epoch ms, truncating sub-millisecond digits.
 * Done on the string: a 19-digit ns value exceeds 2^53 and would lose precision as a float.
 */
export function nsToMs(ns: string): number | undefined {
  if (!DIGITS.test(ns)) return undefined;
  return ns.length > 6 ? Number(ns.slice(0, -6)) : 0;
}

function timestamp(name: string, raw: string | undefined): number | string {
  const s = raw ?? '';
  const ms = nsToMs(s);
  if (ms === undefined) return `${name} "${s}" is not an integer epoch-nanosecond timestamp`;
  if (ms < MIN_PLAUSIBLE_MS || ms >= MAX_PLAUSIBLE_MS) {
    return `${name} ${s} is not epoch nanoseconds (it reads as ${new Date(ms).toISOString()})`;
  }
  return ms;
}

/**
 * A plain decimal (optional sign, digits, optional fraction, optional exponent). Number()
 * alone also takes `0xA7` (167), `0b101` (5), `0o7`, surrounding blanks and `Infinity`:
 * none of that is a price a vendor wrote, so it is a bad row, not a silently wrong number.
 */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A required non-negative number; the field name goes into the reason. */
function amount(name: string, raw: string | undefined): number | string {
  const s = raw ?? '';
  // Number('') is 0, which would silently turn a missing price into a free one.
  if (s === '') return `${name} is empty`;
  if (!DECIMAL.test(s)) return `${name} "${s}" is not a decimal number`;
  const n = Number(s);
  if (!Number.isFinite(n)) return `${name} "${s}" is not a number`;
  if (n < 0) return `${name} ${s} is negative`;
  return n;
}

/** An optional non-negative number: empty → null. */
function optionalAmount(name: string, raw: string | undefined): number | null | string {
  return raw === undefined || raw === '' ? null : amount(name, raw);
}

function count(name: string, raw: string | undefined): number | string {
  const n = amount(name, raw);
  if (typeof n === 'number' && !Number.isInteger(n)) return `${name} ${raw} is not a whole number`;
  return n;
}

/**
 * OCC validation with memory: a quotes file repeats a few thousand tickers hundreds of
 * times each, and the regex is a measurable share of the parse time.
 */
function occValidator(): (ticker: string) => boolean {
  const good = new Set<string>();
  return (ticker) => {
    if (good.has(ticker)) return true;
    if (!parseOccTicker(ticker)) return false;
    if (good.size > 100_000) good.clear();
    good.add(ticker);
    return true;
  };
}

function column(index: Map<string, number>, name: string): number {
  return index.get(name) ?? -1;
}

function aggregateParser(kind: FlatFileKind, index: Map<string, number>): RowParser {
  const iTicker = column(index, 'ticker');
  const iVolume = column(index, 'volume');
  const iOpen = column(index, 'open');
  const iClose = column(index, 'close');
  const iHigh = column(index, 'high');
  const iLow = column(index, 'low');
  const iStart = column(index, 'window_start');
  const iTrades = column(index, 'transactions');
  const options = kind === 'options-minute';
  const isOcc = occValidator();
  const minute = kind !== 'stocks-day';

  return (f) => {
    const symbol = f[iTicker] ?? '';
    if (symbol === '') return 'ticker is empty';
    if (options) {
      if (!isOcc(symbol)) return `ticker "${symbol}" is not an OCC option ticker like O:GOOG151224C00750000`;
    } else if (symbol.startsWith('O:')) {
      return `ticker "${symbol}" is an option in a stocks file`;
    }
    const open = amount('open', f[iOpen]);
    if (typeof open === 'string') return open;
    const high = amount('high', f[iHigh]);
    if (typeof high === 'string') return high;
    const low = amount('low', f[iLow]);
    if (typeof low === 'string') return low;
    const close = amount('close', f[iClose]);
    if (typeof close === 'string') return close;
    const volume = amount('volume', f[iVolume]);
    if (typeof volume === 'string') return volume;
    if (high < low) return `high ${high} is below low ${low}`;
    if (open > high || open < low) return `open ${open} is outside low–high ${low}–${high}`;
    if (close > high || close < low) return `close ${close} is outside low–high ${low}–${high}`;
    const start = timestamp('window_start', f[iStart]);
    if (typeof start === 'string') return start;
    if (minute && start % MINUTE_MS !== 0) return `window_start ${f[iStart]} is not on a minute boundary`;

    const agg: MinuteAggregate = { symbol, start, open, high, low, close, volume };
    const tradesRaw = iTrades < 0 ? '' : (f[iTrades] ?? '');
    if (tradesRaw !== '') {
      const trades = count('transactions', tradesRaw);
      if (typeof trades === 'string') return trades;
      agg.trades = trades;
    }
    return agg;
  };
}

function quoteParser(index: Map<string, number>): RowParser {
  const iTicker = column(index, 'ticker');
  const iAsk = column(index, 'ask_price');
  const iAskSize = column(index, 'ask_size');
  const iBid = column(index, 'bid_price');
  const iBidSize = column(index, 'bid_size');
  const iSeq = column(index, 'sequence_number');
  const iTs = column(index, 'sip_timestamp');
  const isOcc = occValidator();

  return (f) => {
    const ticker = f[iTicker] ?? '';
    if (!isOcc(ticker)) return `ticker "${ticker}" is not an OCC option ticker like O:GOOG151224C00750000`;
    // Empty bid/ask = no bid/ask on that side (far OTM contracts): null, never 0. Massive
    // writes size 0 next to an empty price; a side without a price has no size either, so
    // the whole side is null rather than "no price, zero contracts".
    const bid = optionalAmount('bid_price', f[iBid]);
    if (typeof bid === 'string') return bid;
    const bidSize = bid === null ? null : optionalAmount('bid_size', f[iBidSize]);
    if (typeof bidSize === 'string') return bidSize;
    const ask = optionalAmount('ask_price', f[iAsk]);
    if (typeof ask === 'string') return ask;
    const askSize = ask === null ? null : optionalAmount('ask_size', f[iAskSize]);
    if (typeof askSize === 'string') return askSize;
    const ts = timestamp('sip_timestamp', f[iTs]);
    if (typeof ts === 'string') return ts;
    const quote: OptionQuote = { ticker, ts, bid, bidSize, ask, askSize };
    const seqRaw = iSeq < 0 ? '' : (f[iSeq] ?? '');
    if (seqRaw !== '') {
      const sequence = count('sequence_number', seqRaw);
      if (typeof sequence === 'string') return sequence;
      quote.sequence = sequence;
    }
    return quote;
  };
}

function openInterestParser(index: Map<string, number>, fileDate: string | undefined): RowParser {
  const iTicker = column(index, 'ticker');
  const iOi = column(index, 'open_interest');
  const iDate = column(index, 'date');
  const isOcc = occValidator();
  return (f) => {
    const ticker = f[iTicker] ?? '';
    if (!isOcc(ticker)) return `ticker "${ticker}" is not an OCC option ticker like O:GOOG151224C00750000`;
    const openInterest = count('open_interest', f[iOi]);
    if (typeof openInterest === 'string') return openInterest;
    const date = iDate >= 0 && f[iDate] ? f[iDate] : fileDate;
    if (!date || !/^\d{4}-\d{2}-\d{2}$/.test(date)) return `date "${date ?? ''}" is not a date like 2015-12-24`;
    return { date, ticker, openInterest };
  };
}

export function rowParser(kind: FlatFileKind, index: Map<string, number>, fileDate?: string): RowParser {
  switch (kind) {
    case 'stocks-minute':
    case 'stocks-day':
    case 'options-minute':
      return aggregateParser(kind, index);
    case 'options-quotes':
      return quoteParser(index);
    case 'open-interest':
      return openInterestParser(index, fileDate);
  }
}
