/**
 * The replay position (session, time, speed, play/pause) survives a restart: it is kept in
 * the store's settings (key `replay`) whenever the user changes it and, while it plays, at
 * most every few seconds, and once more on shutdown. On start the saved position is used
 * for every field the environment (OPTDESK_REPLAY_*) or the caller does not set; a caller
 * that picks another session starts that session at its default time.
 */
import { z } from 'zod';
import type { ChartHub } from '../hub/hub.js';
import type { MarketStore } from '../store/types.js';

export const REPLAY_SETTING_KEY = 'replay';

export interface ReplayStart {
  session?: string;
  time?: string;
  speed?: number;
  state?: 'play' | 'pause';
}

const SavedSchema = z.object({
  session: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/),
  speed: z.number().min(1).max(600),
  state: z.enum(['play', 'pause']),
});

/** The saved position, or undefined (nothing saved, or a value of the wrong shape, which is quarantined). */
export function savedReplayPosition(store: MarketStore): ReplayStart | undefined {
  const raw = store.setting(REPLAY_SETTING_KEY);
  if (raw === undefined) return undefined;
  const parsed = SavedSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  store.quarantineSetting(REPLAY_SETTING_KEY, 'not a replay position {session, time, speed, state}');
  return undefined;
}

/** Where the replay starts: the explicit fields of `override`, the saved position for the rest. */
export function replayStart(saved: ReplayStart | undefined, override: ReplayStart = {}): ReplayStart {
  if (!saved) return override;
  const sameSession = override.session === undefined || override.session === saved.session;
  return {
    session: override.session ?? saved.session,
    ...(override.time !== undefined ? { time: override.time } : sameSession && saved.time ? { time: saved.time } : {}),
    speed: override.speed ?? saved.speed,
    state: override.state ?? saved.state,
  };
}

/** Saves the hub's replay status on change (throttled while playing) and on `stop()`. */
export class ReplayPositionKeeper {
  private lastSaved = '';
  private lastSavedAt = -Infinity;
  private unobserve?: () => void;

  constructor(
    private readonly store: MarketStore,
    private readonly hub: ChartHub,
    private readonly minIntervalMs = 5_000,
  ) {}

  start(): void {
    // onClock fires on every replay tick: only the clock's minute matters, and writes are spaced out.
    this.unobserve ??= this.hub.observe({
      onClock: () => {
        if (performance.now() - this.lastSavedAt >= this.minIntervalMs) this.save();
      },
      onReset: () => this.save(),
    });
  }

  /** Writes the current position if it changed. Call after a user's replay control. */
  save(): void {
    const st = this.hub.replayStatus();
    if (!st) return;
    const position: ReplayStart = { session: st.session, time: st.time, speed: st.speed, state: st.state === 'ended' ? 'pause' : st.state };
    const json = JSON.stringify(position);
    this.lastSavedAt = performance.now();
    if (json === this.lastSaved) return;
    try {
      this.store.setSetting(REPLAY_SETTING_KEY, position);
      this.lastSaved = json;
    } catch {
      // The store is closing or busy: the next change tries again; the replay must not stop for it.
    }
  }

  stop(): void {
    this.unobserve?.();
    this.unobserve = undefined;
    this.save();
  }
}
