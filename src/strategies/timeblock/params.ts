/** The timeblock strategy's parameters (kept apart from the strategy so `--help` loads no indicator code). */
import { parseParams, type ParamValues, type RawParams } from '../params.js';

export const TIMEBLOCK_PARAMS = {
  blockMinutes: { type: 'number', default: 30, min: 1, max: 390, integer: true, help: 'block length in minutes from 09:30 (240 = 4-hour blocks)' },
  daily: { type: 'boolean', default: false, help: 'daily blocks: the previous session\'s high/low are the levels' },
  signalTf: { type: 'timeframe', default: '1m', help: 'timeframe of the bars the setups are read on' },
  sweep: { type: 'boolean', default: true, help: 'trade sweep-and-reverse setups' },
  retest: { type: 'boolean', default: true, help: 'trade break-and-retest setups' },
  sweepBars: { type: 'number', default: 3, min: 1, max: 100, integer: true, help: 'bars (the sweeping one included) for the close back inside' },
  retestBars: { type: 'number', default: 5, min: 1, max: 100, integer: true, help: 'bars for the retest after the break, and again for the close away' },
  retestTol: { type: 'number', default: 0.0005, min: 0, max: 0.05, help: 'retest tolerance as a fraction of the level (0.0005 = 0.05%)' },
  targetR: { type: 'number', default: 2, min: 0.1, max: 100, help: 'break-and-retest target as a multiple of R' },
  flatMinutes: { type: 'number', default: 5, min: 0, max: 120, integer: true, help: 'be flat this many minutes before the close' },
  maxTradesPerDay: { type: 'number', default: 3, min: 1, max: 50, integer: true, help: 'entries per session' },
  qty: { type: 'number', default: 100, min: 1, max: 1_000_000, integer: true, help: 'shares per trade' },
} as const;

export type TimeBlockParams = ParamValues<typeof TIMEBLOCK_PARAMS>;

export function timeBlockParams(raw?: RawParams): TimeBlockParams {
  return parseParams('timeblock', TIMEBLOCK_PARAMS, raw);
}
