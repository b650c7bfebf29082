/**
 * The replay feed's status and window shapes. They travel unchanged on the wire
 * (src/wire/protocol.ts hands them on to the hub, the server and the dashboard), but are
 * defined here, by the feed that produces them, because feeds sit below the wire.
 */

/** Consecutive NYSE sessions without any recorded data for a series (both dates inclusive). */
export interface MissingSessions {
  from: string;
  to: string;
  /** How many sessions the range holds. */
  sessions: number;
}

/**
 * The history window a replay series covers (the calendar's sessions, not merely the
 * recorded ones) and the sessions in it without data. Drawn days follow each other in the
 * NYSE calendar or the sessions between them are listed in `missing`: a chart never
 * splices two distant days together without saying so.
 */
export interface SeriesCoverage {
  /** First and last session of the window (the last is the replay session). */
  from: string;
  to: string;
  missing: MissingSessions[];
}

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

/** A replay control request once validated (src/wire/protocol.ts ReplayControlSchema). */
export interface ReplayControl {
  /** Session date, YYYY-MM-DD. */
  session?: string;
  /** New York wall time, "HH:MM". */
  time?: string;
  speed?: number;
  state?: 'play' | 'pause';
}
