/**
 * REST for the options panel and the quote matrix (shapes in src/wire/options-protocol.ts):
 *
 * - `GET /api/options/expirations?underlying=` → ExpirationsResponse
 * - `GET /api/options/chain?underlying=&expiration=` → ChainResponse
 * - `GET /api/matrix`, `PUT /api/matrix {entries}` → `{entries: MatrixEntry[]}`, kept in the
 *   store's settings (key `matrix`) so the book survives a restart.
 *
 * Bad input is a 400 naming the field; no data for an underlying or expiration is a 404 sentence.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { MarketStore } from '../store/types.js';
import { ChainQuerySchema, ExpirationsQuerySchema, MatrixEntrySchema, MatrixSetSchema, type MatrixEntry } from '../wire/options-protocol.js';
import { type ChainService, OptionDataNotFound, OptionDataUnavailable } from '../services/options/index.js';
import { HttpError, parseOr400 } from './errors.js';
import { describeZodError } from '../wire/protocol.js';

export const MATRIX_SETTING_KEY = 'matrix';

export interface OptionsRouteDeps {
  chains: ChainService;
  store: MarketStore;
}

/**
 * The saved matrix. Anything unreadable in the store (corrupt JSON, an older shape) reads as
 * empty rather than failing every request, and the bad value is kept aside in the store's
 * settings quarantine (the store logs a warning).
 */
export function savedMatrix(store: MarketStore): MatrixEntry[] {
  const saved = store.setting(MATRIX_SETTING_KEY);
  if (saved === undefined) return [];
  const parsed = z.array(MatrixEntrySchema).safeParse(saved);
  if (parsed.success) return parsed.data;
  store.quarantineSetting(MATRIX_SETTING_KEY, `not a list of matrix entries (${describeZodError(parsed.error, 'matrix')})`);
  return [];
}

/** Duplicate tickers would make matrix deltas ambiguous (rows are keyed by ticker). */
export function duplicateMatrixTicker(entries: readonly MatrixEntry[]): string | undefined {
  const seen = new Set<string>();
  for (const [i, e] of entries.entries()) {
    if (seen.has(e.ticker)) return `entries.${i}.ticker: ${e.ticker} is already in the matrix`;
    seen.add(e.ticker);
  }
  return undefined;
}

export function registerOptionsRoutes(app: FastifyInstance, deps: OptionsRouteDeps): void {
  const { chains, store } = deps;

  app.get('/api/options/expirations', async (request) => {
    const { underlying } = parseOr400(ExpirationsQuerySchema, request.query, 'query');
    return answer(() => chains.expirations(underlying));
  });

  app.get('/api/options/chain', async (request) => {
    const { underlying, expiration } = parseOr400(ChainQuerySchema, request.query, 'query');
    return answer(() => chains.chain(underlying, expiration));
  });

  app.get('/api/matrix', async () => ({ entries: savedMatrix(store) }));

  app.put('/api/matrix', async (request) => {
    const { entries } = parseOr400(MatrixSetSchema, request.body ?? {}, 'body');
    const duplicate = duplicateMatrixTicker(entries);
    if (duplicate) throw new HttpError(400, duplicate);
    store.setSetting(MATRIX_SETTING_KEY, entries);
    return { entries };
  });
}

async function answer<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof OptionDataNotFound || err instanceof OptionDataUnavailable) throw new HttpError(err.statusCode, err.message);
    throw err;
  }
}
