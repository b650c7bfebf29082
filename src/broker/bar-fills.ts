/**
 * The bar fill rules (issue #10): how an order fills on 1-minute bars when there is no
 * quote to trade against. ONE module, used by the backtester (src/backtest/runner.ts) and by
 * the paper broker for orders that ask for bar fills (`barFill`, see types.ts), so a
 * strategy's trades are the same in a backtest and on the replay.
 *
 * - an entry fills at the open of the first minute starting at or after the decision; it
 *   is dropped when that minute starts at/after its `notAfter`, or when the open is already
 *   at/beyond its stop or target;
 * - the stop and target follow from the fill: a price, or `stopDistance` from the open, and
 *   a price or `targetR` × R from the open (R = |open − stop|), on the cent;
 * - a minute checks the exits in this order: the open beyond the stop (filled at the open),
 *   the open beyond the target (at the open), then the range touching the stop (at the stop)
 *   before the range touching the target (at the target): when one minute touches both we
 *   cannot know which came first, so the pessimistic one counts.
 * Prices here are dollars (the runner's unit); the broker converts to its Price units.
 */
import { formatNyIso } from '../calendar/index.js';

export type BarSide = 'long' | 'short';

/** The protective exits of an entry, resolved against its fill. Dollars. */
export interface BarBracket {
  stop?: number;
  stopDistance?: number;
  target?: number;
  targetR?: number;
}

/** To the cent (the tick of stocks ≥ $1): computed levels (targets, ATR stops) sit on the tick. */
export const toCentTick = (p: number): number => Math.round(p * 100) / 100;

export type EntryResolution = { ok: true; stop: number; target: number | null } | { ok: false; why: string };

/** The sentence for an entry whose minute came too late. */
export function lateEntryWhy(notAfter: number): string {
  return `no fill before ${formatNyIso(notAfter)}`;
}

/** Stop and target of an entry filled at `open`, or why it must not fill. */
export function resolveEntry(side: BarSide, open: number, b: BarBracket): EntryResolution {
  const dir = side === 'long' ? 1 : -1;
  const stop = b.stop ?? toCentTick(open - dir * b.stopDistance!);
  const risk = (open - stop) * dir;
  if (!(risk > 0)) return { ok: false, why: `opened at ${open}, at or beyond the stop ${stop}` };
  const target = b.target ?? (b.targetR !== undefined ? toCentTick(open + dir * b.targetR * risk) : null);
  if (target !== null && (target - open) * dir <= 0) return { ok: false, why: `opened at ${open}, at or beyond the target ${target}` };
  return { ok: true, stop, target };
}

export interface BarExit {
  price: number;
  reason: 'stop' | 'target';
}

/** Whether minute (o, h, l) takes a position of `side` out at its stop or target, and at what price. */
export function bracketExit(side: BarSide, stop: number, target: number | null, o: number, h: number, l: number): BarExit | null {
  if (side === 'long') {
    if (o <= stop) return { price: o, reason: 'stop' };
    if (target !== null && o >= target) return { price: o, reason: 'target' };
    if (l <= stop) return { price: stop, reason: 'stop' };
    if (target !== null && h >= target) return { price: target, reason: 'target' };
  } else {
    if (o >= stop) return { price: o, reason: 'stop' };
    if (target !== null && o <= target) return { price: o, reason: 'target' };
    if (h >= stop) return { price: stop, reason: 'stop' };
    if (target !== null && l <= target) return { price: target, reason: 'target' };
  }
  return null;
}
