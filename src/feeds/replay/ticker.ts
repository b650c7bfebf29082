/**
 * What drives the replay clock. Production uses a wall-clock interval; tests inject a
 * ManualTicker and move time explicitly, so no test ever sleeps for the replay.
 */
export interface ReplayTicker {
  /** Calls `onTick(elapsedWallMs)` repeatedly until the returned stop function is called. */
  start(onTick: (elapsedWallMs: number) => void): () => void;
}

/**
 * Ticks every `periodMs` with the wall time really elapsed (timers drift under load; the
 * replay must not). The timer is unref'd: a replay alone never keeps the process alive.
 */
export function intervalTicker(periodMs = 100): ReplayTicker {
  return {
    start(onTick) {
      let last = performance.now();
      const timer = setInterval(() => {
        const now = performance.now();
        const elapsed = now - last;
        last = now;
        onTick(elapsed);
      }, periodMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}

/** A ticker tests drive by hand: `tick(ms)` advances wall time by `ms` in one step. */
export class ManualTicker implements ReplayTicker {
  private readonly listeners = new Set<(elapsedWallMs: number) => void>();

  start(onTick: (elapsedWallMs: number) => void): () => void {
    this.listeners.add(onTick);
    return () => this.listeners.delete(onTick);
  }

  tick(elapsedWallMs: number): void {
    for (const listener of [...this.listeners]) listener(elapsedWallMs);
  }

  get running(): boolean {
    return this.listeners.size > 0;
  }
}
