/**
 * Strategy parameters: each strategy declares its parameters with defaults and bounds, and
 * raw values (strings from `--param key=value`, numbers/booleans from JSON or a sweep grid)
 * are checked against them. Errors name the parameter and why.
 */
import { InputError } from '../core/errors.js';
import { INTRADAY_TIMEFRAMES, type IntradayTimeframe } from '../core/types.js';

export type ParamSpec =
  | { type: 'number'; default: number; min: number; max: number; integer?: boolean; help: string }
  | { type: 'boolean'; default: boolean; help: string }
  | { type: 'timeframe'; default: IntradayTimeframe; help: string };

export type ParamValues<S extends Record<string, ParamSpec>> = {
  [K in keyof S]: S[K] extends { type: 'number' } ? number : S[K] extends { type: 'boolean' } ? boolean : IntradayTimeframe;
};

export type RawParams = Readonly<Record<string, string | number | boolean>>;

export function parseParams<S extends Record<string, ParamSpec>>(strategy: string, spec: S, raw: RawParams = {}): ParamValues<S> {
  for (const key of Object.keys(raw)) {
    if (!(key in spec)) throw new InputError(`--param ${key}`, `unknown parameter of ${strategy}; known: ${Object.keys(spec).join(', ')}`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(spec)) {
    const v = raw[key];
    out[key] = v === undefined ? s.default : parseOne(`--param ${key}`, s, v);
  }
  return out as ParamValues<S>;
}

function parseOne(field: string, s: ParamSpec, v: string | number | boolean): unknown {
  if (s.type === 'boolean') {
    if (v === true || v === 'true' || v === '1' || v === 1) return true;
    if (v === false || v === 'false' || v === '0' || v === 0) return false;
    throw new InputError(field, `must be true or false, got ${JSON.stringify(v)}`);
  }
  if (s.type === 'timeframe') {
    if (typeof v === 'string' && (INTRADAY_TIMEFRAMES as readonly string[]).includes(v)) return v;
    throw new InputError(field, `must be one of ${INTRADAY_TIMEFRAMES.join(', ')}, got ${JSON.stringify(v)}`);
  }
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new InputError(field, `must be a number, got ${JSON.stringify(v)}`);
  if (s.integer && !Number.isInteger(n)) throw new InputError(field, `must be a whole number, got ${n}`);
  if (n < s.min || n > s.max) throw new InputError(field, `must be from ${s.min} to ${s.max}, got ${n}`);
  return n;
}

/** `--param` help lines for a spec. */
export function describeParams(spec: Record<string, ParamSpec>): string[] {
  return Object.entries(spec).map(([k, s]) => `${k}=${String(s.default)}  ${s.help}`);
}
