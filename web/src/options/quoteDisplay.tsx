/**
 * Quote display shared by the options chain and the quote matrix: the badge naming where
 * quotes come from, and a quote's age at the view's instant.
 */
import type { QuoteSource } from '../../../src/wire/options-protocol.js';
import { SOURCE_LABEL, SOURCE_TITLE } from './contract.js';

export function SourceBadge({ source }: { source: QuoteSource }) {
  return (
    <span className={`source-badge source-${source}`} title={SOURCE_TITLE[source]} data-testid="chain-source">
      {SOURCE_LABEL[source]}
    </span>
  );
}

/**
 * Age of a row's quote at the view's instant. Deltas carry a row only when its numbers
 * change, so a row's own quoteAgeMs ages with it; quoteTs (when sent) gives the true age.
 */
export function quoteAge(r: { quoteTs?: number | null; quoteAgeMs: number | null }, at: number): number | null {
  return r.quoteTs != null ? Math.max(0, at - r.quoteTs) : r.quoteAgeMs;
}
