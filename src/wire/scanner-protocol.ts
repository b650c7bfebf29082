/**
 * The scanner, checklist and screener part of the wire protocol, shared by the server and
 * the dashboard. Same rules as the bar protocol: one `scan:snapshot`, then `scan:delta`s
 * whose `seq` increases by exactly one per stream; a client that sees a gap subscribes
 * again. Requests are validated by the scanner's own parser (src/scanner/filter.ts), so an
 * unknown field or a bad condition is rejected with its path.
 */
import { z } from 'zod';
import type { WireScanRow } from '../scanner/fields.js';
import type { ChecklistResult } from '../checklist/service.js';
import type { CoveredCallRow, ScreenResult } from '../screener/covered-calls.js';
import type { Overlays } from '../indicators/overlays.js';
import { SymbolSchema, TimeframeSchema } from './protocol.js';
import { OptionTickerSchema } from './options-protocol.js';

/** GET /api/scan query, POST /api/scan body, `scan:subscribe` payload (filter/sort validated separately). */
export const ScanRequestSchema = z
  .object({
    /** Client's name for this stream (several scans per socket). Default "default". */
    id: z.string().trim().min(1, 'must not be empty').max(40, 'is longer than 40 characters').optional(),
    preset: z.string().optional(),
    universe: z.union([z.string(), z.array(z.string()).max(5000, 'at most 5000 symbols')]).optional(),
    filter: z.unknown().optional(),
    sort: z.unknown().optional(),
    limit: z.union([z.number(), z.string()]).optional(),
  })
  .strict();
export type ScanRequest = z.output<typeof ScanRequestSchema>;

/** A result row: every scanner field, plus the entry-checklist grade each way (cached per minute). */
export type ScanResultRow = WireScanRow & { grade_long: string | null; grade_short: string | null };

export interface ScanResponse {
  /** The (replay) instant scanned, epoch ms. */
  at: number;
  preset: string | null;
  universe: number;
  withData: number;
  rows: ScanResultRow[];
}

export interface ScanSnapshotMessage extends ScanResponse {
  id: string;
  seq: number;
}

/** Rows new or changed since the previous message, symbols that left the top N, and the new order. */
export interface ScanDeltaMessage {
  id: string;
  seq: number;
  at: number;
  upserts: ScanResultRow[];
  removed: string[];
  order: string[];
}

export const SCAN_EVENTS = {
  subscribe: 'scan:subscribe',
  unsubscribe: 'scan:unsubscribe',
  snapshot: 'scan:snapshot',
  delta: 'scan:delta',
} as const;

export const ScanUnsubscribeSchema = z.object({ id: z.string().optional() }).strict();

/** GET /api/checklist */
export const ChecklistQuerySchema = z
  .object({
    symbol: z.string({ error: 'is required (a ticker like GOOG)' }).trim().toUpperCase().regex(/^[A-Z][A-Z0-9.]{0,9}$/, 'must be a ticker like GOOG'),
    direction: z.enum(['long', 'short'], { error: 'must be long or short' }),
    contract: OptionTickerSchema.optional(),
  })
  .strict();
export type ChecklistResponse = ChecklistResult;

/** GET /api/screener/covered-calls: the underlying, an optional expiration, and any screener setting (numbers as strings). */
export const CoveredCallsQuerySchema = z.object({
  underlying: z.string({ error: 'is required (a ticker like GOOG)' }).trim().toUpperCase().regex(/^[A-Z][A-Z0-9.]{0,9}$/, 'must be a ticker like GOOG'),
  expiration: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2015-12-24').optional(),
}).catchall(z.string());

export interface CoveredCallsResponse {
  underlying: string;
  at: number;
  spot: number;
  expiration: string;
  dte: number;
  source: string;
  params: ScreenResult['params'];
  rows: CoveredCallRow[];
  rejected: ScreenResult['rejected'];
}

/** GET /api/indicators?symbol=&tf=&extended= — chart overlays (VWAP, EMA 21/50, session levels). */
export const IndicatorsQuerySchema = z.object({
  symbol: SymbolSchema,
  tf: TimeframeSchema,
  extended: z.enum(['true', 'false'], { error: 'must be true or false' }).optional(),
}).strict();

export interface IndicatorsResponse extends Overlays {
  symbol: string;
  tf: string;
  extended: boolean;
  /** The (replay) instant, epoch ms. */
  at: number;
}
