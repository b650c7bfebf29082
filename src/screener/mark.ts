/**
 * The mark step: what a covered call sold at a screen's mid was worth at the expiration
 * session's close, and the backtest that screens and marks every recorded session.
 *
 * Position: 100 shares bought at the screen's spot, one call sold to open at the mid.
 * At the close the call is assigned when the close is above the strike (shares leave at the
 * strike), else it expires and the shares are marked at the close. Money is integer cents
 * per contract (100 shares), fees from src/core/fees.ts: the option sale's fees, plus the
 * share sale's regulatory fees when assigned.
 */
import { contractCents, optionOrderFees, stockOrderFees, type FeeSchedule, ALPACA_FEES } from '../core/fees.js';
import type { IsoDate } from '../core/types.js';
import { screenCoveredCalls, type CoveredCallParams, type CoveredCallRow, type ScreenInput } from './covered-calls.js';

export interface CoveredCallMark {
  ticker: string;
  strike: number;
  /** Premium received per share (the screen's mid). */
  premium: number;
  spot: number;
  close: number;
  assigned: boolean;
  /** Gross P&L per share, dollars (display; the cents below are the exact figures). */
  pnlPerShare: number;
  grossCents: number;
  feesCents: number;
  netCents: number;
}

export function markCoveredCall(row: Pick<CoveredCallRow, 'ticker' | 'strike' | 'mid'>, spot: number, close: number, schedule: FeeSchedule = ALPACA_FEES): CoveredCallMark {
  const premiumC = contractCents(row.mid);
  const strikeC = contractCents(row.strike);
  const spotC = contractCents(spot);
  const closeC = contractCents(close);
  const assigned = closeC > strikeC;
  const grossCents = premiumC + (assigned ? strikeC : closeC) - spotC;
  let feesCents = optionOrderFees('sell', 1, premiumC, schedule).totalCents;
  // The share sale on assignment: proceeds strike × 100; fees need a per-share cent price, rounded up.
  if (assigned) feesCents += stockOrderFees('sell', 100, Math.ceil(strikeC / 100), schedule).totalCents;
  return { ticker: row.ticker, strike: row.strike, premium: row.mid, spot, close, assigned, pnlPerShare: grossCents / 10_000, grossCents, feesCents, netCents: grossCents - feesCents };
}

/** One recorded session as the backtest sees it. */
export interface BacktestSessionInput {
  date: IsoDate;
  /** The chain at the screen time, or why there is none. */
  screen: ScreenInput | { missing: string };
  /** The expiration session's close, or null when it is not recorded. */
  close: number | null;
}

export interface BacktestSessionResult {
  date: IsoDate;
  at: number | null;
  expiration: IsoDate | null;
  passed: number;
  pick: CoveredCallRow | null;
  mark: CoveredCallMark | null;
  /** Why nothing was traded or marked this session. */
  note?: string;
}

export interface BacktestResult {
  sessions: BacktestSessionResult[];
  trades: number;
  assigned: number;
  netCents: number;
  feesCents: number;
}

/** Screens each session, sells the top-ranked call (one contract) and marks it at the close. */
export function backtestCoveredCalls(sessions: Iterable<BacktestSessionInput>, params: CoveredCallParams, schedule: FeeSchedule = ALPACA_FEES): BacktestResult {
  const out: BacktestResult = { sessions: [], trades: 0, assigned: 0, netCents: 0, feesCents: 0 };
  for (const s of sessions) {
    if ('missing' in s.screen) {
      out.sessions.push({ date: s.date, at: null, expiration: null, passed: 0, pick: null, mark: null, note: s.screen.missing });
      continue;
    }
    const res = screenCoveredCalls(s.screen, params);
    const pick = res.rows[0] ?? null;
    const base = { date: s.date, at: s.screen.at, expiration: s.screen.expiration, passed: res.rows.length, pick };
    if (!pick) {
      out.sessions.push({ ...base, mark: null, note: `no call passed the filters (${res.rejected.length} rejected)` });
      continue;
    }
    if (s.close === null) {
      out.sessions.push({ ...base, mark: null, note: `no recorded close for ${s.screen.expiration}: not marked` });
      continue;
    }
    const mark = markCoveredCall(pick, s.screen.spot, s.close, schedule);
    out.trades++;
    if (mark.assigned) out.assigned++;
    out.netCents += mark.netCents;
    out.feesCents += mark.feesCents;
    out.sessions.push({ ...base, mark });
  }
  return out;
}
