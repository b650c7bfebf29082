/** The orb strategy's parameters (kept apart from the strategy so `--help` loads no indicator code). */
import { parseParams, type ParamValues, type RawParams } from '../params.js';

export const ORB_PARAMS = {
  rangeMinutes: { type: 'number', default: 5, min: 1, max: 120, integer: true, help: 'opening range length in minutes from 09:30' },
  signalTf: { type: 'timeframe', default: '5m', help: 'timeframe of the bars whose close signals the breakout' },
  waitMinutes: { type: 'number', default: 10, min: 0, max: 300, integer: true, help: 'minutes after the range before a signal bar may close' },
  targetR: { type: 'number', default: 2, min: 0.1, max: 100, help: 'target as a multiple of R = |entry − stop|' },
  flatMinutes: { type: 'number', default: 5, min: 0, max: 120, integer: true, help: 'be flat this many minutes before the close' },
  maxTradesPerDay: { type: 'number', default: 1, min: 1, max: 50, integer: true, help: 'entries per session' },
  minRvol: { type: 'number', default: 0, min: 0, max: 100, help: 'minimum opening-range relative volume (0 = off)' },
  rvolDays: { type: 'number', default: 14, min: 1, max: 250, integer: true, help: 'sessions averaged for the relative volume' },
  atrStop: { type: 'number', default: 0, min: 0, max: 10, help: 'stop at this × daily ATR from the entry instead of the range side (0 = off)' },
  atrDays: { type: 'number', default: 14, min: 1, max: 250, integer: true, help: 'ATR period in sessions' },
  skipDoji: { type: 'boolean', default: false, help: 'no trade when the opening candle is a doji' },
  dojiBody: { type: 'number', default: 0.1, min: 0, max: 1, help: 'doji: |close − open| ≤ this × (high − low) of the opening candle' },
  qty: { type: 'number', default: 100, min: 1, max: 1_000_000, integer: true, help: 'shares per trade' },
} as const;

export type OrbParams = ParamValues<typeof ORB_PARAMS>;

export function orbParams(raw?: RawParams): OrbParams {
  return parseParams('orb', ORB_PARAMS, raw);
}
