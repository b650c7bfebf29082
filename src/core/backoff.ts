/**
 * Exponential backoff with jitter, capped, plus a cancellable sleep.
 *
 * Jitter matters here because every optdesk process (and every cluster connection in
 * one process) loses Massive at the same moment when the vendor restarts a node; without
 * jitter they all come back in lock-step and trip the connection limit together.
 */

export interface BackoffOptions {
  /** Delay before the first retry, ms. */
  initialMs: number;
  /** Upper bound for any single delay, ms. */
  maxMs: number;
  /** Growth per attempt (default 2). */
  factor?: number;
}

/**
 * Delay for retry number `attempt` (0-based): "equal jitter" — half of the exponential
 * step is fixed, half random. Unlike full jitter it never retries immediately, which
 * keeps a flapping link from spinning.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const factor = opts.factor ?? 2;
  const step = Math.min(opts.maxMs, opts.initialMs * factor ** Math.max(0, attempt));
  return Math.round(step / 2 + random() * (step / 2));
}

/**
 * Parses an HTTP `Retry-After` header (delta-seconds or an HTTP date) into ms.
 * Returns undefined when absent or unparseable, so the caller falls back to its backoff.
 */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = String(value).trim();
  if (text === '') return undefined;
  const seconds = Number(text);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(text);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/**
 * Where time comes from. The feed's timeouts (silence, backoff, rate-limit waits) run on
 * this, so tests can drive minutes of vendor time without sleeping through them.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** A timer of a TimerSet (opaque: it comes from the set's clock). */
export type Timer = { readonly handle: unknown };

/**
 * Owns every timer a component starts, so `stop()` can cancel all of them at once and
 * tests end on their own instead of waiting for a forgotten retry.
 */
export class TimerSet {
  private readonly timers = new Set<Timer>();
  private readonly sleepers = new Set<(err: Error) => void>();

  constructor(readonly clock: Clock = systemClock) {}

  now(): number {
    return this.clock.now();
  }

  after(ms: number, fn: () => void): Timer {
    const timer: { handle: unknown } = { handle: undefined };
    timer.handle = this.clock.setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  cancel(timer: Timer | undefined): void {
    if (!timer) return;
    this.clock.clearTimeout(timer.handle);
    this.timers.delete(timer);
  }

  /** A sleep that rejects with `reason` when `clear()` runs, so retry loops unwind. */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const wake = (err: Error): void => reject(err);
      this.sleepers.add(wake);
      this.after(ms, () => {
        this.sleepers.delete(wake);
        resolve();
      });
    });
  }

  clear(reason = new Error('stopped')): void {
    for (const timer of this.timers) this.clock.clearTimeout(timer.handle);
    this.timers.clear();
    for (const wake of this.sleepers) wake(reason);
    this.sleepers.clear();
  }
}
