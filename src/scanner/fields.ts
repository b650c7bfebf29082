/** The fields a scan can filter and sort on (names are the wire/CSV names). */
import type { SymbolFields } from '../indicators/symbol-state.js';

/** Option liquidity at the ATM call of the nearest expiration, where a chain is available. */
export interface OptionLiquidity {
  atmIv: number | null;
  /** (ask − bid) ÷ mid × 100. */
  spreadPct: number | null;
  openInterest: number | null;
}

/** One scan row: the symbol's fields plus option liquidity. */
export interface ScanRow extends SymbolFields {
  options: OptionLiquidity | null;
}

type NumberField = { type: 'number'; get: (r: ScanRow) => number | null; about: string };
type StringField = { type: 'string'; values: readonly string[]; get: (r: ScanRow) => string | null; about: string };
export type FieldDef = NumberField | StringField;

const n = (about: string, get: (r: ScanRow) => number | null): NumberField => ({ type: 'number', get, about });

export const FIELDS = {
  last: n('last trade price', (r) => r.last),
  change_pct: n('% change vs the prior close', (r) => r.changePct),
  gap_pct: n('% gap: regular open vs the prior close', (r) => r.gapPct),
  abs_gap_pct: n('size of the gap, either way, %', (r) => (r.gapPct === null ? null : Math.abs(r.gapPct))),
  prev_close: n('prior session close', (r) => r.prevClose),
  open: n('regular-session open', (r) => r.open),
  premarket_high: n('pre-market high', (r) => r.premarketHigh),
  premarket_low: n('pre-market low', (r) => r.premarketLow),
  premarket_volume: n('pre-market volume', (r) => r.premarketVolume),
  volume: n('regular-session volume so far', (r) => r.volume),
  rel_volume: n('volume so far ÷ the average to the same minute (1 = usual)', (r) => r.relVolume),
  or_high: n('opening range high', (r) => r.orHigh),
  or_low: n('opening range low', (r) => r.orLow),
  or_rel_volume: n('opening range volume ÷ its usual volume (1 = 100%)', (r) => r.orRelVolume),
  or_state: { type: 'string', values: ['none', 'forming', 'inside', 'broke_up', 'broke_down'], get: (r) => r.orState, about: 'opening range: forming, inside, broke_up, broke_down, none' } as StringField,
  atr_14: n('14-day ATR, dollars', (r) => r.atr14),
  avg_volume_14: n('14-day average daily volume', (r) => r.avgVolume14),
  vwap: n('session VWAP', (r) => r.vwap),
  vwap_dist_pct: n('% from VWAP (positive = above)', (r) => r.vwapDistPct),
  ema_21: n('21-day EMA', (r) => r.ema21),
  ema_50: n('50-day EMA', (r) => r.ema50),
  trend: { type: 'string', values: ['up', 'down', 'mixed'], get: (r) => r.trend, about: 'daily trend: up (last > EMA21 > EMA50), down, mixed' } as StringField,
  prior_high: n('prior day high', (r) => r.priorHigh),
  prior_low: n('prior day low', (r) => r.priorLow),
  block_high: n('previous 60-minute block high', (r) => r.blockHigh),
  block_low: n('previous 60-minute block low', (r) => r.blockLow),
  nearest_level: n('the previous block high or low nearest to last', (r) => r.nearestLevel),
  nearest_level_dist_pct: n('% from last to the nearest block level (signed)', (r) => r.nearestLevelDistPct),
  atm_iv: n('ATM implied volatility of the nearest expiration', (r) => r.options?.atmIv ?? null),
  option_spread_pct: n('ATM option spread, % of mid', (r) => r.options?.spreadPct ?? null),
  option_oi: n('ATM option open interest', (r) => r.options?.openInterest ?? null),
} satisfies Record<string, FieldDef>;

export type FieldName = keyof typeof FIELDS;
export const FIELD_NAMES = Object.keys(FIELDS) as FieldName[];

export function isFieldName(name: string): name is FieldName {
  return Object.hasOwn(FIELDS, name);
}

/** A row as the API, the socket stream and the CLI print it: symbol plus every field by its wire name. */
export type WireScanRow = { symbol: string; date: string; mode: 'intraday' | 'daily' } & Record<FieldName, number | string | null>;

export function toWireScanRow(r: ScanRow): WireScanRow {
  const out: Record<string, number | string | null> = { symbol: r.symbol, date: r.date, mode: r.mode };
  for (const name of FIELD_NAMES) {
    const v = (FIELDS[name] as FieldDef).get(r);
    out[name] = typeof v === 'number' ? (Number.isFinite(v) ? Number(v.toPrecision(10)) : null) : v;
  }
  return out as WireScanRow;
}
