/**
 * Named universes. `all` is every stock/ETF symbol the source knows; `watchlist` is the
 * dashboard's; `big-caps` and `small-caps` are editable lists (the server keeps them in its
 * settings), with a default big-cap list; an explicit comma list works everywhere too.
 */
import { InputError } from '../core/errors.js';

export const UNIVERSE_NAMES = ['all', 'watchlist', 'big-caps', 'small-caps'] as const;
export type UniverseName = (typeof UNIVERSE_NAMES)[number];

/** Large caps and the index ETFs; symbols without data in the source are simply absent from results. */
export const DEFAULT_BIG_CAPS: readonly string[] = ['AAPL', 'MSFT', 'AMZN', 'GOOG', 'GOOGL', 'FB', 'NVDA', 'TSLA', 'BAC', 'AIG', 'WM', 'SPY', 'QQQ', 'IWM', 'EEM', 'USO', 'BNO'];

export interface UniverseContext {
  all: () => string[];
  watchlist?: () => string[];
  lists?: Partial<Record<'big-caps' | 'small-caps', readonly string[]>>;
}

const SYMBOL_RE = /^[A-Z][A-Z0-9.]{0,9}$/;

/** A universe name or a comma-separated list of tickers → symbols (upper-cased, unique, in order). */
export function resolveUniverse(spec: string | readonly string[] | undefined, ctx: UniverseContext, field = 'universe'): string[] {
  const raw = spec ?? 'all';
  if (typeof raw === 'string' && (UNIVERSE_NAMES as readonly string[]).includes(raw.trim().toLowerCase())) {
    const name = raw.trim().toLowerCase() as UniverseName;
    if (name === 'all') return ctx.all();
    if (name === 'watchlist') {
      if (!ctx.watchlist) throw new InputError(field, 'there is no watchlist here (the watchlist lives in the server; use a list like SPY,AIG)');
      return ctx.watchlist();
    }
    const list = ctx.lists?.[name] ?? (name === 'big-caps' ? DEFAULT_BIG_CAPS : []);
    if (list.length === 0) throw new InputError(field, `the ${name} list is empty; set it (PUT /api/scan/universes/${name}) or pass symbols like SPY,AIG`);
    return [...list];
  }
  const items = (typeof raw === 'string' ? raw.split(',') : raw).map((s) => String(s).trim().toUpperCase()).filter(Boolean);
  if (items.length === 0) throw new InputError(field, `must be ${UNIVERSE_NAMES.join(', ')} or a list of tickers like SPY,AIG`);
  const bad = items.find((s) => !SYMBOL_RE.test(s));
  if (bad) throw new InputError(field, `${JSON.stringify(bad)} is neither a universe (${UNIVERSE_NAMES.join(', ')}) nor a ticker`);
  return [...new Set(items)];
}
