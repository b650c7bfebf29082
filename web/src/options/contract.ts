/**
 * Option contract labels for the desk. Tickers (O:GOOG151224C00750000) are read with the
 * server's own parser, src/core/occ.ts (pure, no server code), so the desk and the server
 * agree on which tickers are contracts.
 */
import { parseOccTicker } from '../../../src/core/occ.js';
import type { QuoteSource } from '../../../src/wire/options-protocol.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** 750 → "750", 752.5 → "752.5": strikes are shown as listed, without trailing zeros. */
export function formatStrike(strike: number): string {
  return String(Number(strike.toFixed(3)));
}

/** "Dec 24" from "2015-12-24". */
export function formatExpiryShort(expiration: string): string {
  const [, mm, dd] = expiration.split('-');
  return `${MONTHS[Number(mm) - 1] ?? mm} ${Number(dd)}`;
}

/** "GOOG 24Dec 750C" — the matrix's compact form. */
export function shortContract(ticker: string): string {
  const c = parseOccTicker(ticker);
  if (!c) return ticker;
  const [, mm, dd] = c.expiration.split('-');
  return `${c.underlying} ${Number(dd)}${MONTHS[Number(mm) - 1]} ${formatStrike(c.strike)}${c.right === 'call' ? 'C' : 'P'}`;
}

/** "GOOG 24 Dec 750 C" — the order ticket's readable form. */
export function longContract(ticker: string): string {
  const c = parseOccTicker(ticker);
  if (!c) return ticker;
  const [, mm, dd] = c.expiration.split('-');
  return `${c.underlying} ${Number(dd)} ${MONTHS[Number(mm) - 1]} ${formatStrike(c.strike)} ${c.right === 'call' ? 'C' : 'P'}`;
}

/** What the source badge says; "massive" is the live vendor feed. */
export const SOURCE_LABEL: Record<QuoteSource, string> = { recorded: 'RECORDED', massive: 'LIVE', model: 'MODEL' };
export const SOURCE_TITLE: Record<QuoteSource, string> = {
  recorded: 'Recorded NBBO quotes played back by the replay clock',
  massive: 'Live quotes from Massive',
  model: 'MODEL: priced from realized volatility — not a market quote',
};

/** "42 s" / "7 min" / "2 h 5 min" for quote ages. */
export function formatAge(ms: number | null): string {
  if (ms == null) return '';
  if (ms < 90_000) return `${Math.round(ms / 1000)} s`;
  const min = Math.round(ms / 60_000);
  if (min < 120) return `${min} min`;
  return `${Math.floor(min / 60)} h ${min % 60} min`;
}

/** A quote older than this is dimmed: a trader must not take it for the current market. */
export const STALE_QUOTE_MS = 5 * 60_000;

/** The app-level "selected contract" the order ticket consumes. */
export interface SelectedContract {
  ticker: string;
  side: 'bid' | 'ask';
  price: number;
  /** Set by the covered-call screener: the ticket is a sale to open against shares held. */
  intent?: 'sell_to_open';
}
