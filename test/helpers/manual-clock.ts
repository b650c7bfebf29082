/**
 * A clock tests move by hand (the Massive feed's `clock` option): timeouts of minutes run
 * in microseconds, and a test decides exactly when "30 s of silence" has passed instead of
 * sleeping and hoping the machine kept up.
 */
import type { Clock } from '../../src/core/backoff.js';

export class ManualClock implements Clock {
  private t: number;
  private nextId = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  /** Every delay asked for, in order (e.g. to check a backoff). */
  readonly requested: number[] = [];

  constructor(start = Date.now()) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.nextId;
    this.requested.push(ms);
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Moves time forward by `ms`, running every timer that falls due on the way, in time order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let dueId: number | undefined;
      let dueAt = Infinity;
      for (const [id, timer] of this.timers) if (timer.at <= end && timer.at < dueAt) [dueId, dueAt] = [id, timer.at];
      if (dueId === undefined) break;
      const timer = this.timers.get(dueId)!;
      this.timers.delete(dueId);
      this.t = Math.max(this.t, timer.at);
      timer.fn();
    }
    this.t = end;
  }

  /** Milliseconds until the earliest waiting timer (Infinity when none). */
  nextIn(): number {
    let at = Infinity;
    for (const timer of this.timers.values()) at = Math.min(at, timer.at);
    return Math.max(0, at - this.t);
  }

  /** Timers waiting to fire. */
  pending(): number {
    return this.timers.size;
  }
}
