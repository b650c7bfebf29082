/**
 * Contract picker: which option a directional signal buys. Long → a call, short → a put, of
 * the expiration the rule names (`0dte`, `weekly` = the nearest week-end expiration,
 * `min-days:N`), with |delta| in a range, a bid-ask spread no wider than a share of the mid,
 * enough open interest (when it is known) and an ask that fits the premium budget.
 *
 * Pure: the caller passes the chain at the decision instant (recorded or MODEL rows, see
 * chain.ts); the answer is the contract with the reason it was chosen and its break-even at
 * the ask paid, or a refusal that says how many contracts each rule removed, so a skipped
 * entry explains itself ("no contract: …").
 */
import { nextSession, previousSession, sessionOn, weekStartDate } from '../calendar/index.js';
import { InputError } from '../core/errors.js';
import type { IsoDate } from '../core/types.js';
import type { ChainExpiration, ChainRow } from './chain.js';
import { breakEven } from './metrics.js';

export type ExpirationRule = { kind: '0dte' } | { kind: 'weekly' } | { kind: 'min-days'; days: number };

export interface PickRules {
  expiration: ExpirationRule;
  /** |delta| range, inclusive (0.30–0.60 = calls 0.30…0.60, puts −0.60…−0.30). */
  deltaMin: number;
  deltaMax: number;
  /** Largest (ask − bid) ÷ mid, as a fraction (0.10 = 10%). */
  maxSpread: number;
  /** Least open interest; contracts whose open interest is unknown pass (MODEL chains). 0 = off. */
  minOpenInterest: number;
  /** Most premium per trade in dollars (ask × 100 × contracts); null = no limit. */
  budget: number | null;
  contracts: number;
}

export interface PickInput {
  side: 'long' | 'short';
  underlyingPrice: number;
  /** Open expirations at the decision, ascending (OptionChainIndex.expirations). */
  expirations: readonly ChainExpiration[];
  /** The chain rows of one expiration at the decision. */
  rowsOf(expiration: IsoDate): readonly ChainRow[];
  rules: PickRules;
}

export type PickResult =
  | { ok: true; row: ChainRow; expiration: ChainExpiration; ask: number; breakEven: number; reason: string }
  | { ok: false; why: string };

/** Parses `0dte`, `weekly` or `min-days:N` (N whole days ≥ 0). */
export function parseExpirationRule(text: string, field = 'expiration'): ExpirationRule {
  if (text === '0dte' || text === 'weekly') return { kind: text };
  const m = /^min-days:(\d{1,4})$/.exec(text);
  if (m) return { kind: 'min-days', days: Number(m[1]) };
  throw new InputError(field, `must be 0dte, weekly or min-days:N (e.g. min-days:7), got ${JSON.stringify(text)}`);
}

export function formatExpirationRule(r: ExpirationRule): string {
  return r.kind === 'min-days' ? `min-days:${r.days}` : r.kind;
}

/**
 * Whether an expiration is a week's last session (a weekly: Friday, or the session before
 * when Friday is a holiday, e.g. Thursday 2015-12-24). A non-session date (an old Saturday
 * monthly, a Good Friday) counts as the session before it.
 */
export function isWeekEndExpiration(expiration: IsoDate): boolean {
  const s = sessionOn(expiration) ?? previousSession(expiration);
  return weekStartDate(nextSession(s.date).date) !== weekStartDate(s.date);
}

/** The expiration a rule names among the open ones (ascending), or null. */
export function chooseExpiration(expirations: readonly ChainExpiration[], rule: ExpirationRule): ChainExpiration | null {
  for (const e of expirations) {
    if (rule.kind === '0dte' && e.dte === 0) return e;
    if (rule.kind === 'weekly' && isWeekEndExpiration(e.expiration)) return e;
    if (rule.kind === 'min-days' && e.dte >= rule.days) return e;
  }
  return null;
}

const money = (x: number) => `$${x.toFixed(2)}`;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function pickContract(input: PickInput): PickResult {
  const { rules, side } = input;
  const right = side === 'long' ? 'call' : 'put';
  const rights = `${right}s`;
  const exp = chooseExpiration(input.expirations, rules.expiration);
  if (!exp) {
    const open = input.expirations.map((e) => e.expiration);
    return { ok: false, why: `no contract: no open expiration matches ${formatExpirationRule(rules.expiration)} (open: ${open.length ? open.slice(0, 6).join(', ') + (open.length > 6 ? ', …' : '') : 'none'})` };
  }
  const rows = input.rowsOf(exp.expiration).filter((r) => r.right === right);
  // Each contract is counted at the first rule it fails, so the refusal reads as a funnel.
  const dropped = { quote: 0, delta: 0, range: 0, spread: 0, oi: 0, budget: 0 };
  const pass: ChainRow[] = [];
  for (const r of rows) {
    if (r.bid === null || r.ask === null || r.crossed || r.spreadPct === null) dropped.quote++;
    else if (r.delta === null) dropped.delta++;
    else if (Math.abs(r.delta) < rules.deltaMin || Math.abs(r.delta) > rules.deltaMax) dropped.range++;
    else if (r.spreadPct > rules.maxSpread) dropped.spread++;
    else if (rules.minOpenInterest > 0 && r.openInterest !== null && r.openInterest < rules.minOpenInterest) dropped.oi++;
    else if (rules.budget !== null && r.ask * 100 * rules.contracts > rules.budget + 1e-9) dropped.budget++;
    else pass.push(r);
  }
  const deltas = `|delta| ${rules.deltaMin.toFixed(2)}–${rules.deltaMax.toFixed(2)}`;
  if (!pass.length) {
    const parts = [`${rows.length} listed`];
    if (dropped.quote) parts.push(`${dropped.quote} without a two-sided quote`);
    if (dropped.delta) parts.push(`${dropped.delta} without a delta (no implied volatility)`);
    if (dropped.range) parts.push(`${dropped.range} with ${deltas.replace('|delta| ', '|delta| outside ')}`);
    if (dropped.spread) parts.push(`${dropped.spread} with a spread over ${pct(rules.maxSpread)} of the mid`);
    if (dropped.oi) parts.push(`${dropped.oi} with open interest under ${rules.minOpenInterest}`);
    if (dropped.budget) parts.push(`${dropped.budget} costing more than the ${money(rules.budget!)} budget for ${rules.contracts} contract${rules.contracts === 1 ? '' : 's'}`);
    return { ok: false, why: `no contract: ${exp.expiration} ${rights} at underlying ${input.underlyingPrice}: ${parts.join(', ')}` };
  }
  // Nearest the middle of the delta range; then the tighter spread; then the strike nearer the money.
  const mid = (rules.deltaMin + rules.deltaMax) / 2;
  pass.sort((a, b) => Math.abs(Math.abs(a.delta!) - mid) - Math.abs(Math.abs(b.delta!) - mid)
    || a.spreadPct! - b.spreadPct!
    || Math.abs(a.strike - input.underlyingPrice) - Math.abs(b.strike - input.underlyingPrice));
  const row = pass[0]!;
  const ask = row.ask!;
  const be = Math.round(breakEven(right, row.strike, ask) * 1e4) / 1e4;
  const cost = ask * 100 * rules.contracts;
  const reason = [
    `${row.ticker}: ${formatExpirationRule(rules.expiration)} → ${exp.expiration} (${exp.dte} DTE)`,
    `delta ${row.delta!.toFixed(2)} (${deltas}, nearest ${mid.toFixed(2)} of ${pass.length})`,
    `spread ${pct(row.spreadPct!)} ≤ ${pct(rules.maxSpread)}`,
    row.openInterest === null ? 'open interest unknown' : `open interest ${row.openInterest}`,
    `quoted ask ${money(ask)} × 100 × ${rules.contracts} = ${money(cost)}${rules.budget === null ? '' : ` ≤ ${money(rules.budget)}`}`,
    `break-even at that ask ${be}`,
  ].join('; ');
  return { ok: true, row, expiration: exp, ask, breakEven: be, reason };
}
