/**
 * `optdesk chain` — the option chain of an underlying at a New York time, from the stored
 * quotes: the last quote of each contract at or before `--at`, priced against the
 * underlying's last trade at or before `--at`, with IV and greeks (or why there is no IV).
 */
import { z } from 'zod';
import { InputError } from '../../core/errors.js';
import { MINUTE_MS } from '../../core/types.js';
import { nyMidnight, nyTimeToMs, formatNyIso } from '../../calendar/index.js';
import { OptionChainIndex, defaultRiskFreeRate, type ChainRow } from '../../options/index.js';
import { openStore, resolveDbPath, type MarketStore } from '../../store/index.js';
import { dateArg, formatArg, parseArg, symbolArg } from '../args.js';
import { warnIncompleteImports } from '../warnings.js';

export interface ChainOptions {
  at?: string;
  expiration?: string;
  rate?: string;
  div?: string;
  format?: string;
  db?: string;
}

export const atArg = z.string({ error: 'is required (New York time like 2015-12-24T11:00)' })
  .regex(/^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d$/, 'must be New York time like 2015-12-24T11:00');
export const rateArg = z.coerce.number({ error: 'must be a number' }).refine((r) => Number.isFinite(r) && r > -0.05 && r < 0.5, 'must be a decimal rate like 0.003 (between -0.05 and 0.5)');

export const CHAIN_COLUMNS = ['ticker', 'expiration', 'strike', 'right', 'bid', 'ask', 'mid', 'iv', 'delta', 'gamma', 'theta', 'vega', 'break_even', 'open_interest', 'iv_reason'] as const;

export function buildChain(store: MarketStore, underlying: string, at: number, date: string, opts: { expiration?: string; rate: number; div: number }) {
  const dayStart = nyMidnight(date);
  // Minute bars are stamped with their start; a bar's close is the last trade once the minute has ended.
  const bars = store.minuteBars(underlying, dayStart, at - MINUTE_MS + 1);
  const lastBar = bars[bars.length - 1];
  if (!lastBar) throw new InputError('UNDERLYING', `no ${underlying} trades on ${date} at or before ${formatNyIso(at)} in the store; import its minute bars first`);
  const quotes = store.optionQuotes(underlying, dayStart, at + 1);
  if (quotes.length === 0) throw new InputError('UNDERLYING', `no ${underlying} option quotes on ${date} at or before ${formatNyIso(at)} in the store`);
  const index = OptionChainIndex.fromQuotes(quotes);
  const expirations = index.expirations(at, lastBar.close).map((e) => e.expiration);
  if (opts.expiration && !expirations.includes(opts.expiration)) {
    throw new InputError('--expiration', `${opts.expiration} is not an open ${underlying} expiration at that time; choose one of ${expirations.join(', ')}`);
  }
  const openInterest = new Map(store.openInterest(date, underlying).map((o) => [o.ticker, o.openInterest]));
  return index.snapshot({
    at,
    underlyingPrice: lastBar.close,
    rate: opts.rate,
    dividendYield: opts.div,
    expirations: opts.expiration ? [opts.expiration] : undefined,
    openInterest,
  });
}

function cell(v: number | string | null | undefined): string {
  return v === null || v === undefined ? '' : String(v);
}

function round(v: number | null, digits: number): number | null {
  return v === null ? null : Number(v.toFixed(digits));
}

export function chainRowToCsv(r: ChainRow): string {
  return [
    r.ticker, r.expiration, r.strike, r.right, r.bid, r.ask, round(r.mid, 4), round(r.iv, 6), round(r.delta, 6), round(r.gamma, 6),
    round(r.theta, 6), round(r.vega, 6), round(r.breakEven, 4), r.openInterest, r.ivReason,
  ].map(cell).join(',');
}

export function runChain(underlyingInput: string, opts: ChainOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): number {
  const underlying = parseArg('UNDERLYING', symbolArg, underlyingInput);
  const atText = parseArg('--at', atArg, opts.at);
  const date = parseArg('--at', dateArg, atText.slice(0, 10));
  const expiration = opts.expiration === undefined ? undefined : parseArg('--expiration', dateArg, opts.expiration);
  const rate = opts.rate === undefined ? defaultRiskFreeRate(date) : parseArg('--rate', rateArg, opts.rate);
  const div = opts.div === undefined ? 0 : parseArg('--div', rateArg, opts.div);
  const format = parseArg('--format', formatArg, opts.format ?? 'csv');
  const at = nyTimeToMs(date, atText.slice(11));
  const store = openStore(resolveDbPath(opts));
  try {
    warnIncompleteImports(store, err);
    const snap = buildChain(store, underlying, at, date, { expiration, rate, div });
    if (format === 'json') {
      out.write(JSON.stringify({ underlying, at: formatNyIso(at), underlyingPrice: snap.underlyingPrice, rate, dividendYield: div, atmStrike: snap.atmStrike, expirations: snap.expirations, rows: snap.rows }, null, 2) + '\n');
    } else {
      out.write(CHAIN_COLUMNS.join(',') + '\n');
      for (const r of snap.rows) out.write(chainRowToCsv(r) + '\n');
    }
    err.write(`${underlying} ${snap.underlyingPrice} at ${formatNyIso(at)}; rate ${rate}, dividend yield ${div}; ${snap.rows.length} contracts in ${snap.expirations.length} expirations\n`);
    return 0;
  } finally {
    store.close();
  }
}

