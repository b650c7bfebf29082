/**
 * strategies/ — trading strategies written against the strategy API (api.ts): a context
 * with a clock, closed bars of chosen timeframes, timers, `submit(intent)` and
 * `publish(levels | setup)`. A strategy never reads the wall clock or calls a broker, so the
 * same code runs in the backtester (src/backtest) and, later, in replay and live.
 *
 * - orb/: opening-range breakout; timeblock/: previous-block sweep-and-reverse and break-and-retest.
 * - params.ts: declared parameters with defaults and bounds (`--param key=value`).
 * Indicators come from src/indicators (one layer, shared with the scanner and the chart).
 */
import { InputError } from '../core/errors.js';
import type { Strategy } from './api.js';
import { ORB_PARAMS, OrbStrategy, orbParams } from './orb/index.js';
import { TIMEBLOCK_PARAMS, TimeBlockStrategy, timeBlockParams } from './timeblock/index.js';
import type { ParamSpec, RawParams } from './params.js';

export * from './api.js';
export * from './params.js';
export * from './orb/index.js';
export * from './timeblock/index.js';

export interface StrategyFactory {
  params: Record<string, ParamSpec>;
  /** Builds an instance from raw parameters (checked); `qty` is the shares per trade. */
  create(raw?: RawParams): { strategy: Strategy; qty: number; params: Record<string, unknown> };
}

export const STRATEGIES: Readonly<Record<string, StrategyFactory>> = {
  orb: {
    params: ORB_PARAMS,
    create(raw) {
      const params = orbParams(raw);
      return { strategy: new OrbStrategy(params), qty: params.qty, params };
    },
  },
  timeblock: {
    params: TIMEBLOCK_PARAMS,
    create(raw) {
      const params = timeBlockParams(raw);
      return { strategy: new TimeBlockStrategy(params), qty: params.qty, params };
    },
  },
};

export function strategyFactory(name: string): StrategyFactory {
  const f = STRATEGIES[name];
  if (!f) throw new InputError('--strategy', `must be one of ${Object.keys(STRATEGIES).join(', ')}, got ${JSON.stringify(name)}`);
  return f;
}
