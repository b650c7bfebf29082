/**
 * The hub protocol shared by the server (src/hub, src/server) and the browser (web/).
 * DESIGN.md "Hub protocol": client sends `subscribe`, server answers one `snapshot`,
 * then `bar` deltas (batched per tick in `bars` messages) whose `seq` increases by exactly
 * one per delta for that series.
 * A client that sees a gap (seq != last + 1) re-subscribes and gets a fresh snapshot.
 *
 * Every inbound message is validated with these zod schemas; a malformed one gets an
 * `error_message` event naming the field, and the connection stays up. The REST shapes
 * of src/server live here too, so server and dashboard cannot drift apart.
 */
import { z } from 'zod';
import { TIMEFRAMES } from '../core/types.js';
import type { ErrorBody } from '../core/errors.js';
// Replay shapes belong to the replay feed that produces them (feeds sit below the wire);
// they are part of this contract, so the wire hands them on to hub, server and web.
import type { MissingSessions, ReplayControl, ReplayStatus, SeriesCoverage } from '../feeds/replay/types.js';
export type { MissingSessions, ReplayControl, ReplayStatus, SeriesCoverage };

// Messages say only "why": the server prefixes the field name ("symbol: must be …").
// Upper-casing happens before the pattern so a trader typing "spy" gets SPY, not an error.
export const SymbolSchema = z
  .string({ error: 'is required (a ticker like SPY)' })
  .trim()
  .toUpperCase()
  .min(1, 'is required (a ticker like SPY)')
  .max(40, 'is longer than 40 characters')
  .regex(/^(O:)?[A-Z][A-Z0-9.]*$/, 'must be a ticker like SPY or O:GOOG151224C00750000');

export const TimeframeSchema = z.enum(TIMEFRAMES, { error: `must be one of ${TIMEFRAMES.join(', ')}` });

/**
 * Bad prints (minutes `optdesk check` flags as bad ticks): `hide` (default) clamps their
 * high/low to the body before aggregation, `show` draws the bars as stored (src/hub/bad-prints.ts).
 */
export const BadPrintsSchema = z.enum(['hide', 'show'], { error: 'must be "hide" or "show"' });

/** Identifies one bar series: (symbol, tf, extended hours or not, bad prints hidden or shown). */
export const SeriesKeySchema = z.object({
  symbol: SymbolSchema,
  tf: TimeframeSchema,
  extended: z.boolean({ error: 'must be true or false' }).optional().default(false),
  badPrints: BadPrintsSchema.optional().default('hide'),
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
  /** The bar holds a flagged bad print: its high/low as stored (shown raw or clamped per `badPrints`). */
  badPrint?: { high: number; low: number };
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
  badPrints: 'hide' | 'show';
  seq: number;
  bars: WireBar[];
  health: SeriesHealth;
  /** Replay only: the window and its sessions without data. */
  coverage?: SeriesCoverage;
}

export interface BarMessage {
  symbol: string;
  tf: string;
  extended: boolean;
  badPrints: 'hide' | 'show';
  seq: number;
  bar: WireBar;
}

/**
 * `bars`: one socket's bar deltas of one tick (a replay step, a vendor message), every
 * series it watches together, in the order the engine made them (so each series' seq
 * still rises by exactly one from message to message). Sockets watching the same set of
 * series get the same batch, encoded once. The ChartHub's `per-series` mode (the
 * fan-out bench's baseline) sends each delta alone as `bar` instead.
 */
export interface BarBatchMessage {
  bars: BarMessage[];
}

export interface HealthMessage {
  symbol: string;
  tf: string;
  extended: boolean;
  badPrints: 'hide' | 'show';
  health: SeriesHealth;
}

/** `error_message`: the HTTP error body (`code`, `field?`, `reason?`, `message`: which field and why) plus the event. */
export interface ErrorMessage extends ErrorBody {
  /** The event that failed, e.g. "subscribe". */
  event: string;
  /** The stream this error ends (e.g. `{underlying, expiration}` of a chain), so a client can tell it from one it still holds. */
  stream?: Record<string, string>;
}

/** Socket.IO event names, server → client and client → server. */
export const EVENTS = {
  subscribe: 'subscribe',
  unsubscribe: 'unsubscribe',
  snapshot: 'snapshot',
  bar: 'bar',
  bars: 'bars',
  health: 'health',
  replay: 'replay',
  error: 'error_message',
  quotesSet: 'quotes:set',
  quotesSnapshot: 'quotes:snapshot',
  quotesDelta: 'quotes:delta',
} as const;

export const REPLAY_MAX_SPEED = 600;

export const ReplayControlSchema = z.object({
  session: z.string({ error: 'must be a date like 2013-10-10' }).regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2013-10-10').optional(),
  // "9:45" is 09:45: traders type the hour without its leading zero.
  time: z
    .string({ error: 'must be New York wall time like 10:30' })
    .trim()
    .regex(/^([01]?\d|2[0-3]):[0-5]\d$/, 'must be New York wall time like 10:30 or 9:45')
    .transform((t) => t.padStart(5, '0'))
    .optional(),
  speed: z
    .number({ error: 'must be a number between 1 and 600' })
    .min(1, 'must be between 1 and 600')
    .max(REPLAY_MAX_SPEED, 'must be between 1 and 600')
    .optional(),
  state: z.enum(['play', 'pause'], { error: 'must be "play" or "pause"' }).optional(),
});
// The feed's own type is the contract; this stops compiling if the schema's output drifts from it.
type Holds<T extends true> = T;
export type ReplayControlSchemaFitsFeed = Holds<z.output<typeof ReplayControlSchema> extends ReplayControl ? true : false>;

// ───────────────────────────── REST (src/server) ─────────────────────────────
// The dashboard's REST calls share these shapes; the server validates every input with
// the schemas below and answers a bad field with 400 `{error: {code, field, message: "<field>: <why>"}}`.

const IsoDateSchema = z.string({ error: 'must be a date like 2013-10-10' }).regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2013-10-10');

/** GET /api/bars query. `from`/`to` are New York dates, both inclusive; omitted = everything loaded. */
export const BarsQuerySchema = z.object({
  symbol: SymbolSchema,
  tf: TimeframeSchema,
  from: IsoDateSchema.optional(),
  to: IsoDateSchema.optional(),
  extended: z
    .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
    .optional()
    .transform((v) => v === 'true' || v === '1'),
  badPrints: BadPrintsSchema.optional().default('hide'),
});
export type BarsQuery = z.output<typeof BarsQuerySchema>;

export interface BarsResponse {
  symbol: string;
  tf: string;
  bars: WireBar[];
  /** Replay only: the history window and its sessions without data (see SeriesCoverage). */
  coverage?: SeriesCoverage;
}

export const WatchlistAddSchema = z.object({ symbol: SymbolSchema });
export const SymbolParamSchema = z.object({ symbol: SymbolSchema });

export interface WatchlistRow {
  symbol: string;
  /** The session (New York date) the row describes: the replay session, or today live. */
  session: string;
  /** Last price at the current (replay) time; null when the session has no bar yet. */
  last: number | null;
  /** Versus the previous session's close. */
  change: number | null;
  changePct: number | null;
  hasData: boolean;
  /** Why there is nothing to show, e.g. "No data for GOOG on 2013-10-10". */
  message?: string;
  /** Recorded sessions holding this symbol (replay feed). */
  sessions: string[];
}

// ── socket: quotes stream (one per socket) ──
/**
 * `quotes:set {symbols}` names every symbol whose price the dashboard shows (watchlist +
 * chart symbol); the server answers `quotes:snapshot {seq: 0, rows}` and then
 * `quotes:delta {seq + 1, rows}` with the rows whose numbers changed. Every price on screen
 * (watchlist, toolbar, chain marker, order ticket) reads these rows, so they never disagree.
 * A client that sees a gap sends `quotes:set` again. One provider subscription per symbol.
 */
export const QUOTES_MAX_SYMBOLS = 100;
export const QuotesSetSchema = z.object({
  symbols: z.array(SymbolSchema, { error: 'must be a list of tickers' }).max(QUOTES_MAX_SYMBOLS, `holds more than ${QUOTES_MAX_SYMBOLS} symbols`),
});

export interface QuotesSnapshotMessage {
  seq: number;
  rows: WatchlistRow[];
}

export interface QuotesDeltaMessage {
  seq: number;
  rows: WatchlistRow[];
}

export const DrawingSchema = z.object({
  id: z.string({ error: 'must be a string' }).min(1, 'is required').max(64, 'is longer than 64 characters'),
  kind: z.literal('hline', { error: 'must be "hline"' }),
  price: z.number({ error: 'must be a number' }).finite('must be a finite number').positive('must be positive'),
  color: z.string({ error: 'must be a string' }).max(32, 'is longer than 32 characters').optional(),
  label: z.string({ error: 'must be a string' }).max(200, 'is longer than 200 characters').optional(),
});
export type Drawing = z.output<typeof DrawingSchema>;
export const DrawingsBodySchema = z.object({
  drawings: z.array(DrawingSchema, { error: 'must be a list of drawings' }).max(500, 'holds more than 500 drawings'),
});

export interface FeedHealth {
  kind: string;
  /** The feed's state: connecting | live | delayed | replay | degraded | down. */
  mode: string;
  message?: string;
}

export interface HealthResponse {
  status: 'ok' | 'degraded';
  feed: FeedHealth;
  replay?: ReplayStatus;
}

export interface ReplaySessionInfo {
  date: string;
  symbols: string[];
}

export function seriesId(key: { symbol: string; tf: string; extended: boolean; badPrints?: string }): string {
  return `${key.symbol}|${key.tf}|${key.extended ? 'ext' : 'rth'}|${key.badPrints ?? 'hide'}`;
}

/** "field: why" for the first problem zod found — the sentence every 400 and error_message carries. */
export function describeZodError(error: z.ZodError, fallbackField = 'body'): string {
  const issue = error.issues[0];
  if (!issue) return `${fallbackField}: is invalid`;
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : fallbackField;
  return `${field}: ${issue.message}`;
}
