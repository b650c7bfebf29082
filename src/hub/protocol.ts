/**
 * The hub protocol shared by the server (src/hub, src/server) and the browser (web/).
 * DESIGN.md "Hub protocol": client sends `subscribe`, server answers one `snapshot`,
 * then `bar` deltas whose `seq` increases by exactly one per delta for that series.
 * A client that sees a gap (seq != last + 1) re-subscribes and gets a fresh snapshot.
 *
 * Every inbound message is validated with these zod schemas; a malformed one gets an
 * `error` event naming the field, and the connection stays up.
 */
import { z } from 'zod';
import { TIMEFRAMES } from '../core/types.js';

export const SymbolSchema = z
  .string()
  .trim()
  .min(1, 'symbol is required')
  .max(40)
  .regex(/^(O:)?[A-Z][A-Z0-9.]*$/, 'symbol must be a ticker like SPY or O:GOOG151224C00750000')
  .transform((s) => s.toUpperCase());

export const TimeframeSchema = z.enum(TIMEFRAMES);

/** Identifies one bar series: (symbol, tf, extended hours or not). */
export const SeriesKeySchema = z.object({
  symbol: SymbolSchema,
  tf: TimeframeSchema,
  extended: z.boolean().optional().default(false),
});
export type SeriesKey = z.output<typeof SeriesKeySchema>;

export const SubscribeSchema = SeriesKeySchema;
export const UnsubscribeSchema = SeriesKeySchema;

/** What the wire carries for one bar (`start` epoch ms UTC). */
export interface WireBar {
  start: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  closed: boolean;
}

export type HealthState = 'LIVE' | 'REPLAY' | 'DELAYED' | 'BACKFILLING' | 'STALE' | 'DEGRADED';

export interface SeriesHealth {
  state: HealthState;
  /** Milliseconds since the last update of this series' input, null if none yet. */
  lastUpdateAgeMs: number | null;
  /** Missing-minute gaps noticed in the regular session so far. */
  gaps: number;
  /** Where the data comes from: "replay", "massive", … */
  source: string;
  /** A plain sentence when the series cannot be shown as asked (no data, entitlement, outage). */
  message?: string;
}

export interface SnapshotMessage {
  symbol: string;
  tf: string;
  extended: boolean;
  seq: number;
  bars: WireBar[];
  health: SeriesHealth;
}

export interface BarMessage {
  symbol: string;
  tf: string;
  extended: boolean;
  seq: number;
  bar: WireBar;
}

export interface HealthMessage {
  symbol: string;
  tf: string;
  extended: boolean;
  health: SeriesHealth;
}

export interface ErrorMessage {
  /** The event that failed, e.g. "subscribe". */
  event: string;
  /** Which field and why. */
  message: string;
}

/** Socket.IO event names, server → client and client → server. */
export const EVENTS = {
  subscribe: 'subscribe',
  unsubscribe: 'unsubscribe',
  snapshot: 'snapshot',
  bar: 'bar',
  health: 'health',
  replay: 'replay',
  error: 'error_message',
} as const;

/** Replay state as broadcast on `replay` and returned by GET /api/health. */
export interface ReplayStatus {
  session: string;
  /** Current replay clock, New York wall time "HH:MM". */
  time: string;
  /** Current replay clock, epoch ms. */
  clock: number;
  speed: number;
  state: 'play' | 'pause' | 'ended';
}

export const ReplayControlSchema = z.object({
  session: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'session must be a date like 2013-10-10').optional(),
  time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'time must be New York wall time like 10:30').optional(),
  speed: z.number().min(1, 'speed must be between 1 and 600').max(600, 'speed must be between 1 and 600').optional(),
  state: z.enum(['play', 'pause']).optional(),
});

export function seriesId(key: SeriesKey): string {
  return `${key.symbol}|${key.tf}|${key.extended ? 'ext' : 'rth'}`;
}
