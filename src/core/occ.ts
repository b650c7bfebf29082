/**
 * Massive/OCC option tickers: `O:GOOG151224C00750000` = GOOG, expiring 2015-12-24, call,
 * strike 750.000. The layout is fixed from the right (6-digit YYMMDD, C|P, strike × 1000 in
 * 8 digits), so the root is whatever precedes those 15 characters: 1–6 characters that may
 * include digits and dots (`BRKB`, `SPXW`, adjusted roots such as `GOOG1`, `BRK.B`).
 *
 * This is optdesk's one OCC parser: the feeds, the store, the brokers, the wire schemas and
 * the dashboard (web/ imports this file directly; it needs nothing but core) all read
 * option tickers here, so they cannot disagree on which tickers are valid.
 */
import { InputError } from './errors.js';
import type { IsoDate } from './types.js';

export type OptionRight = 'call' | 'put';

export interface OptionContract {
  /** The OCC root as written in the ticker (`SPXW`, `GOOG1`); not always the stock symbol. */
  underlying: string;
  expiration: IsoDate;
  right: OptionRight;
  /** Strike in dollars; OCC encodes thousandths, so 502.5 and 0.5 are exact. */
  strike: number;
}

/** A contract with its Massive/OCC ticker: what the store's contract columns and the vendors' listings hold. */
export interface ListedOptionContract extends OptionContract {
  /** Massive/OCC ticker, e.g. `O:GOOG151224C00750000`. */
  ticker: string;
}

/**
 * The shape of a Massive option ticker (`O:` + 1–6 character root + YYMMDD + C|P + 8-digit
 * strike), for schemas that want a pattern; parseOptionTicker also checks the date.
 */
export const OPTION_TICKER_SHAPE = /^O:[A-Z0-9.]{1,6}\d{6}[CP]\d{8}$/;

const OCC_TAIL_LENGTH = 15; // YYMMDD + C|P + 8-digit strike
const ROOT_RE = /^[A-Z0-9.]{1,6}$/;
const TAIL_RE = /^(\d{2})(\d{2})(\d{2})([CP])(\d{8})$/;
/** Largest strike the 8-digit field can hold: 99,999.999. */
const MAX_STRIKE = 99_999.999;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Parses a Massive option ticker. The `O:` prefix is optional so raw OCC symbols
 * (`GOOG151224C00750000`, or the 21-character space-padded form `GOOG  151224C00750000`)
 * also parse; anything else throws an InputError naming the malformed part.
 */
export function parseOptionTicker(ticker: string, field = 'ticker'): OptionContract {
  if (typeof ticker !== 'string' || ticker.length === 0) {
    throw new InputError(field, 'must be an option ticker like O:GOOG151224C00750000');
  }
  const body = (ticker.startsWith('O:') ? ticker.slice(2) : ticker).replace(/ +(?=\d{6}[CP]\d{8}$)/, '');
  if (body.length <= OCC_TAIL_LENGTH) {
    throw new InputError(field, `"${ticker}" is too short for an option ticker like O:GOOG151224C00750000 (root + YYMMDD + C/P + 8-digit strike)`);
  }
  const root = body.slice(0, body.length - OCC_TAIL_LENGTH);
  const tail = body.slice(body.length - OCC_TAIL_LENGTH);
  if (!ROOT_RE.test(root)) {
    throw new InputError(field, `root "${root}" in "${ticker}" must be 1–6 upper-case letters, digits or dots`);
  }
  const m = TAIL_RE.exec(tail);
  if (!m) {
    const right = tail[6];
    if (!/^\d{6}$/.test(tail.slice(0, 6))) {
      throw new InputError(field, `expiration "${tail.slice(0, 6)}" in "${ticker}" must be 6 digits YYMMDD`);
    }
    if (right !== 'C' && right !== 'P') {
      throw new InputError(field, `right "${right}" in "${ticker}" must be C (call) or P (put)`);
    }
    throw new InputError(field, `strike "${tail.slice(7)}" in "${ticker}" must be 8 digits (dollars × 1000)`);
  }
  const [, yy, mm, dd, cp, strikeDigits] = m as unknown as [string, string, string, string, 'C' | 'P', string];
  const year = 2000 + Number(yy); // OCC years are two-digit; listed options start after 2000
  const month = Number(mm);
  const day = Number(dd);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new InputError(field, `expiration "${yy}${mm}${dd}" in "${ticker}" is not a calendar date (YYMMDD)`);
  }
  const strike = Number(strikeDigits) / 1000;
  if (strike <= 0) {
    throw new InputError(field, `strike in "${ticker}" must be positive`);
  }
  return {
    underlying: root,
    expiration: `${year}-${mm}-${dd}`,
    right: cp === 'C' ? 'call' : 'put',
    strike,
  };
}

/** Like parseOptionTicker but returns null instead of throwing (for filtering mixed symbol lists). */
export function tryParseOptionTicker(ticker: string): OptionContract | null {
  try {
    return parseOptionTicker(ticker);
  } catch {
    return null;
  }
}

export function isOptionTicker(ticker: string): boolean {
  return ticker.startsWith('O:') && tryParseOptionTicker(ticker) !== null;
}

/**
 * Parses a Massive ticker (the `O:` prefix required: the form every stored and streamed
 * ticker has) and keeps the ticker; undefined for anything else, e.g. a stock symbol.
 */
export function parseOccTicker(ticker: string): ListedOptionContract | undefined {
  if (!ticker.startsWith('O:')) return undefined;
  const c = tryParseOptionTicker(ticker);
  return c ? { ticker, underlying: c.underlying, expiration: c.expiration, strike: c.strike, right: c.right } : undefined;
}

/**
 * The OCC root of a well-formed Massive ticker without parsing it (`O:GOOG151224C00750000`
 * → GOOG): the fixed 15-character tail is date, right and strike. For hot loops over files
 * of valid tickers; anything unchecked goes through parseOptionTicker.
 */
export function occRoot(ticker: string): string {
  return ticker.slice(2, -OCC_TAIL_LENGTH);
}

/** Formats a contract as a Massive ticker (`O:` + OCC). Validates every field it encodes. */
export function formatOptionTicker(contract: OptionContract): string {
  const { underlying, expiration, right, strike } = contract;
  if (!ROOT_RE.test(underlying)) {
    throw new InputError('underlying', `"${underlying}" must be 1–6 upper-case letters, digits or dots`);
  }
  const em = /^20(\d{2})-(\d{2})-(\d{2})$/.exec(expiration);
  if (!em || Number(em[2]) < 1 || Number(em[2]) > 12 || Number(em[3]) < 1
    || Number(em[3]) > daysInMonth(2000 + Number(em[1]), Number(em[2]))) {
    throw new InputError('expiration', `"${expiration}" must be a date like 2015-12-24 between 2000 and 2099`);
  }
  if (right !== 'call' && right !== 'put') {
    throw new InputError('right', `"${String(right)}" must be "call" or "put"`);
  }
  const thousandths = Math.round(strike * 1000);
  // Reject strikes the 8-digit field cannot encode exactly rather than silently rounding.
  if (!Number.isFinite(strike) || strike <= 0 || strike > MAX_STRIKE || Math.abs(thousandths - strike * 1000) > 1e-6) {
    throw new InputError('strike', `${strike} must be positive, at most ${MAX_STRIKE} and a multiple of 0.001`);
  }
  return `O:${underlying}${em[1]}${em[2]}${em[3]}${right === 'call' ? 'C' : 'P'}${String(thousandths).padStart(8, '0')}`;
}
