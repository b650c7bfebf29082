/**
 * The eight entry rules. Each is a pure function returning pass/fail, the value that
 * decided it, the threshold it was held against and a sentence saying why. Missing data
 * fails the point (a rule that cannot be checked is not a reason to enter).
 */
import type { SymbolFields } from '../indicators/symbol-state.js';
import { MINUTE_MS } from '../core/types.js';
import type { ChecklistThresholds } from './grade.js';

export type Direction = 'long' | 'short';

/** A chain row as the contract lookups return it (ChainRow and WireOptionRow both fit). */
export interface ContractRow {
  ticker: string;
  right: 'call' | 'put';
  strike: number;
  expiration: string;
  bid: number | null;
  ask: number | null;
  mid: number | null;
  iv: number | null;
  delta: number | null;
  openInterest: number | null;
}

/** The option contract the trade would use (the trader's pick, or the ATM contract of the nearest expiration). */
export interface ChecklistContract extends ContractRow {
  dte: number;
}

export interface ChecklistInput {
  fields: SymbolFields;
  direction: Direction;
  /** Regular session open/close of `fields.date`, epoch ms. */
  sessionOpen: number;
  sessionClose: number;
  /** The contract, or why there is none (no chain at this time, unknown ticker…). */
  contract: ChecklistContract | { missing: string };
}

export interface ChecklistPoint {
  name: string;
  pass: boolean;
  value: number | string | Record<string, number | string | null> | null;
  threshold: number | string | Record<string, number | string>;
  reason: string;
}

/** Comparisons at a bound tolerate binary rounding (0.10 ÷ 1.00 × 100 is 10.000000000000009). */
const EPS = 1e-9;
const atMost = (v: number, bound: number) => v <= bound + EPS * Math.max(1, Math.abs(bound));
const atLeast = (v: number, bound: number) => v >= bound - EPS * Math.max(1, Math.abs(bound));
const f2 = (v: number | null) => (v === null ? '—' : v.toFixed(2));
const hasContract = (c: ChecklistInput['contract']): c is ChecklistContract => !('missing' in c);

/** 1) Daily trend: price vs EMA 21 and 50, and EMA 21 vs EMA 50, in the trade's direction. */
export function dailyTrend(i: ChecklistInput): ChecklistPoint {
  const { last, ema21, ema50 } = i.fields;
  const value = { last, ema21, ema50 };
  const threshold = i.direction === 'long' ? 'last > EMA21 > EMA50' : 'last < EMA21 < EMA50';
  if (last === null || ema21 === null || ema50 === null) return { name: 'daily_trend', pass: false, value, threshold, reason: 'not enough daily history for EMA 21/50' };
  const pass = i.direction === 'long' ? last > ema21 && ema21 > ema50 : last < ema21 && ema21 < ema50;
  return { name: 'daily_trend', pass, value, threshold, reason: `last ${f2(last)}, EMA21 ${f2(ema21)}, EMA50 ${f2(ema50)}: ${pass ? 'trend agrees' : `not ${threshold}`}` };
}

/** 2) Intraday momentum: the last complete 5-minute close beyond the opening range and VWAP. */
export function intradayMomentum(i: ChecklistInput): ChecklistPoint {
  const { close5m, orHigh, orLow, vwap, orState } = i.fields;
  const long = i.direction === 'long';
  const value = { close5m, orHigh, orLow, vwap };
  const threshold = long ? '5m close > OR high and > VWAP' : '5m close < OR low and < VWAP';
  if (close5m === null || orHigh === null || orLow === null || vwap === null || orState === 'forming' || orState === 'none') {
    return { name: 'intraday_momentum', pass: false, value, threshold, reason: 'no complete 5-minute bar beyond a set opening range yet' };
  }
  const pass = long ? close5m > orHigh && close5m > vwap : close5m < orLow && close5m < vwap;
  return { name: 'intraday_momentum', pass, value, threshold, reason: `5m close ${f2(close5m)} vs OR ${f2(orLow)}–${f2(orHigh)}, VWAP ${f2(vwap)}` };
}

/** 3) Relative volume. */
export function relativeVolume(i: ChecklistInput, t: ChecklistThresholds): ChecklistPoint {
  const v = i.fields.relVolume;
  if (v === null) return { name: 'relative_volume', pass: false, value: null, threshold: t.minRelVolume, reason: 'no earlier sessions to compare volume with' };
  return { name: 'relative_volume', pass: atLeast(v, t.minRelVolume), value: v, threshold: t.minRelVolume, reason: `volume is ${v.toFixed(2)}× the usual by this minute (need ≥ ${t.minRelVolume})` };
}

/** 4) Room to the next level (prior day's / previous block's high for longs, low for shorts) in daily ATRs. */
export function roomToLevel(i: ChecklistInput, t: ChecklistThresholds): ChecklistPoint {
  const { last, atr14, priorHigh, priorLow, blockHigh, blockLow } = i.fields;
  if (last === null || atr14 === null || atr14 <= 0) return { name: 'room_to_level', pass: false, value: null, threshold: t.minRoomAtr, reason: 'no price or daily ATR' };
  const candidates = (i.direction === 'long' ? [priorHigh, blockHigh] : [priorLow, blockLow]).filter((x): x is number => x !== null && (i.direction === 'long' ? x > last : x < last));
  if (candidates.length === 0) return { name: 'room_to_level', pass: true, value: null, threshold: t.minRoomAtr, reason: `no prior-day or block ${i.direction === 'long' ? 'high above' : 'low below'} the price: open room` };
  const level = i.direction === 'long' ? Math.min(...candidates) : Math.max(...candidates);
  const room = Math.abs(level - last) / atr14;
  return { name: 'room_to_level', pass: atLeast(room, t.minRoomAtr), value: room, threshold: t.minRoomAtr, reason: `next level ${f2(level)} is ${room.toFixed(2)} ATR away (ATR ${f2(atr14)})` };
}

/** 5) Option liquidity: spread ≤ X% of mid, open interest ≥ N. */
export function optionLiquidity(i: ChecklistInput, t: ChecklistThresholds): ChecklistPoint {
  const threshold = { maxSpreadPct: t.maxSpreadPct, minOpenInterest: t.minOpenInterest };
  if (!hasContract(i.contract)) return { name: 'option_liquidity', pass: false, value: null, threshold, reason: i.contract.missing };
  const c = i.contract;
  if (c.bid === null || c.ask === null || c.mid === null || c.mid <= 0) return { name: 'option_liquidity', pass: false, value: { ticker: c.ticker, spreadPct: null, openInterest: c.openInterest }, threshold, reason: `${c.ticker} has no two-sided quote` };
  const spread = ((c.ask - c.bid) / c.mid) * 100;
  const oi = c.openInterest;
  const pass = atMost(spread, t.maxSpreadPct) && oi !== null && atLeast(oi, t.minOpenInterest);
  return { name: 'option_liquidity', pass, value: { ticker: c.ticker, spreadPct: spread, openInterest: oi }, threshold, reason: `${c.ticker}: spread ${spread.toFixed(1)}% of mid, open interest ${oi ?? 'unknown'}` };
}

/** 6) Implied volatility not extreme: IV ÷ 20-day realised volatility inside the band (no IV history yet for IV rank). */
export function ivNotExtreme(i: ChecklistInput, t: ChecklistThresholds): ChecklistPoint {
  const threshold = { minIvToRv: t.minIvToRv, maxIvToRv: t.maxIvToRv };
  if (!hasContract(i.contract)) return { name: 'iv_not_extreme', pass: false, value: null, threshold, reason: i.contract.missing };
  const iv = i.contract.iv;
  const rv = i.fields.realizedVol20;
  if (iv === null || rv === null || rv <= 0) return { name: 'iv_not_extreme', pass: false, value: { iv, rv }, threshold, reason: iv === null ? `${i.contract.ticker} has no IV` : 'no 20-day realised volatility' };
  const ratio = iv / rv;
  return { name: 'iv_not_extreme', pass: atLeast(ratio, t.minIvToRv) && atMost(ratio, t.maxIvToRv), value: { iv, rv, ratio }, threshold, reason: `IV ${(iv * 100).toFixed(1)}% is ${ratio.toFixed(2)}× realised ${(rv * 100).toFixed(1)}%` };
}

/** 7) |delta| in the band and the break-even reachable within the day's ATR. */
export function deltaAndBreakeven(i: ChecklistInput, t: ChecklistThresholds): ChecklistPoint {
  const threshold = { deltaLo: t.deltaLo, deltaHi: t.deltaHi, maxBreakevenAtr: t.maxBreakevenAtr };
  if (!hasContract(i.contract)) return { name: 'delta_breakeven', pass: false, value: null, threshold, reason: i.contract.missing };
  const c = i.contract;
  const { last, atr14 } = i.fields;
  if (c.delta === null || c.mid === null || last === null || atr14 === null || atr14 <= 0) return { name: 'delta_breakeven', pass: false, value: { delta: c.delta }, threshold, reason: `${c.ticker}: no delta/mid or no ATR` };
  const breakeven = c.right === 'call' ? c.strike + c.mid : c.strike - c.mid;
  const need = Math.max(0, c.right === 'call' ? breakeven - last : last - breakeven) / atr14;
  const d = Math.abs(c.delta);
  const pass = atLeast(d, t.deltaLo) && atMost(d, t.deltaHi) && atMost(need, t.maxBreakevenAtr);
  return { name: 'delta_breakeven', pass, value: { delta: c.delta, breakeven, atrToBreakeven: need }, threshold, reason: `|Δ| ${d.toFixed(2)}; break-even ${breakeven.toFixed(2)} is ${need.toFixed(2)} ATR away` };
}

/** 8) Time of day / DTE: only after the opening range has set, and no new 0-DTE entries in the last hour. */
export function timeRules(i: ChecklistInput, t: ChecklistThresholds): ChecklistPoint {
  const at = i.fields.at;
  const orEnd = i.sessionOpen + t.openingRangeMinutes * MINUTE_MS;
  const cutoff = i.sessionClose - t.noZeroDteLastMinutes * MINUTE_MS;
  const dte = hasContract(i.contract) ? i.contract.dte : null;
  const threshold = { after: `open + ${t.openingRangeMinutes} min`, zeroDteCutoff: `close − ${t.noZeroDteLastMinutes} min` };
  const minutesToClose = Math.round((i.sessionClose - at) / MINUTE_MS);
  if (at < orEnd) return { name: 'time_rules', pass: false, value: { minutesToClose, dte }, threshold, reason: at < i.sessionOpen ? 'before the open' : 'the opening range has not set yet' };
  if (at >= i.sessionClose) return { name: 'time_rules', pass: false, value: { minutesToClose, dte }, threshold, reason: 'the session is closed' };
  if (dte === 0 && at >= cutoff) return { name: 'time_rules', pass: false, value: { minutesToClose, dte }, threshold, reason: `no new 0-DTE entries in the last ${t.noZeroDteLastMinutes} minutes` };
  return { name: 'time_rules', pass: true, value: { minutesToClose, dte }, threshold, reason: `${minutesToClose} minutes to the close` };
}

export const POINTS = [dailyTrend, intradayMomentum, relativeVolume, roomToLevel, optionLiquidity, ivNotExtreme, deltaAndBreakeven, timeRules] as const;

export function evaluatePoints(input: ChecklistInput, t: ChecklistThresholds): ChecklistPoint[] {
  return POINTS.map((p) => p(input, t));
}
