/**
 * Options-mode parameters (`--param key=value`, given next to the strategy's own): the
 * contract picker's rules and the exits on the option's bid. Kept apart from options-mode.ts
 * so `optdesk backtest --help` loads no chain or model code.
 */
import { InputError } from '../core/errors.js';
import { formatExpirationRule, parseExpirationRule, type ExpirationRule } from '../options/picker.js';
import { parseParams, type ParamSpec, type RawParams } from '../strategies/params.js';

/** Options-mode parameters (`--param key=value`, next to the strategy's own). */
export const OPTION_PARAMS = {
  deltaMin: { type: 'number', default: 0.3, min: 0, max: 1, help: 'options mode: least |delta| of the contract' },
  deltaMax: { type: 'number', default: 0.6, min: 0, max: 1, help: 'options mode: most |delta| of the contract' },
  maxSpreadPct: { type: 'number', default: 10, min: 0, max: 1000, help: 'options mode: widest bid-ask spread, % of the mid' },
  minOpenInterest: { type: 'number', default: 100, min: 0, max: 1e9, integer: true, help: 'options mode: least open interest (when known; 0 = off)' },
  budget: { type: 'number', default: 0, min: 0, max: 1e9, help: 'options mode: most premium per trade in $ (ask × 100 × contracts; 0 = no limit)' },
  contracts: { type: 'number', default: 1, min: 1, max: 100_000, integer: true, help: 'options mode: contracts per trade' },
  optionStopPct: { type: 'number', default: 0, min: 0, max: 100, help: 'options mode: sell when the bid falls this % below the entry ask (0 = exit on the underlying\'s stop/target)' },
  optionTargetPct: { type: 'number', default: 0, min: 0, max: 100_000, help: 'options mode: sell when the bid rises this % above the entry ask (0 = exit on the underlying\'s stop/target)' },
} as const satisfies Record<string, ParamSpec>;

export const EXPIRATION_PARAM_HELP = 'expiration=weekly  options mode: 0dte, weekly (the nearest week-end expiration) or min-days:N';

export interface OptionsModeParams {
  expiration: ExpirationRule;
  deltaMin: number;
  deltaMax: number;
  maxSpreadPct: number;
  minOpenInterest: number;
  budget: number;
  contracts: number;
  optionStopPct: number;
  optionTargetPct: number;
}

const OPTION_KEYS = new Set<string>(['expiration', ...Object.keys(OPTION_PARAMS)]);

/** Splits raw `--param`s into the strategy's and options mode's. */
export function splitOptionParams(raw: RawParams = {}): { strategy: RawParams; options: RawParams } {
  const strategy: Record<string, string | number | boolean> = {};
  const options: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(raw)) (OPTION_KEYS.has(k) ? options : strategy)[k] = v;
  return { strategy, options };
}

export function optionsModeParams(raw: RawParams = {}): OptionsModeParams {
  const { expiration, ...numbers } = raw;
  const p = parseParams('options mode', OPTION_PARAMS, numbers);
  if (p.deltaMin > p.deltaMax) throw new InputError('--param deltaMin', `must be ≤ deltaMax (${p.deltaMax}), got ${p.deltaMin}`);
  return { ...p, expiration: parseExpirationRule(String(expiration ?? 'weekly'), '--param expiration') };
}

/** The parameters as a report prints them. */
export function describeOptionsModeParams(p: OptionsModeParams): Record<string, unknown> {
  return { ...p, expiration: formatExpirationRule(p.expiration) };
}
