/**
 * A deliberately tiny OCC ticker parser so the store can fill its contract columns on its
 * own. The full option toolkit (src/options/occ.ts) is richer; the store only needs these
 * four fields and must not depend on the options layer.
 */
import type { OptionContract } from './types.js';

// Root of 1–6 characters (may contain digits after adjustments, e.g. AAPL1), then YYMMDD,
// C/P and the strike × 1000 in 8 digits. Anchored at the end, so the root cannot swallow
// date digits.
const OCC_RE = /^O:([A-Z0-9.]{1,6})(\d{2})(\d{2})(\d{2})([CP])(\d{8})$/;

/** Parses `O:GOOG151224C00750000`; undefined when the ticker is not an OCC option ticker. */
export function parseOccTicker(ticker: string): OptionContract | undefined {
  const m = OCC_RE.exec(ticker);
  if (!m) return undefined;
  const [, underlying, yy, mm, dd, cp, strike] = m as unknown as [string, string, string, string, string, string, string];
  const month = Number(mm);
  const day = Number(dd);
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  return {
    ticker,
    underlying,
    // OCC years are two digits; listed options exist only from the 1970s on and none
    // expire after 2099, so 20YY is right for every contract Massive serves.
    expiration: `20${yy}-${mm}-${dd}`,
    strike: Number(strike) / 1000,
    right: cp === 'C' ? 'call' : 'put',
  };
}
