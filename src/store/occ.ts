/**
 * The store's view of an OCC ticker: the parsed contract plus the ticker itself, for the
 * contract columns. Parsing belongs to src/options/occ.ts; this only adapts its result and
 * insists on Massive's `O:` prefix, the form every stored ticker has.
 */
import { tryParseOptionTicker } from '../core/occ.js';
import type { OptionContract } from './types.js';

/** Parses `O:GOOG151224C00750000`; undefined when the ticker is not an OCC option ticker. */
export function parseOccTicker(ticker: string): OptionContract | undefined {
  if (!ticker.startsWith('O:')) return undefined;
  const c = tryParseOptionTicker(ticker);
  return c ? { ticker, underlying: c.underlying, expiration: c.expiration, strike: c.strike, right: c.right } : undefined;
}
