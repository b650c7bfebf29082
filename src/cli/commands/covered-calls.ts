/**
 * `optdesk covered-calls` — the 0-DTE covered-call screener on the stored chain at a New
 * York time (src/screener), or with `--backtest` screen + mark over every recorded session
 * of the underlying that has option quotes.
 */
import { z } from 'zod';
import { InputError } from '../../core/errors.js';
import { formatNyIso, nyTimeToMs, sessionOn } from '../../calendar/index.js';
import { defaultRiskFreeRate, daysToExpiry, yearsToExpiry } from '../../options/index.js';
import { openStore, resolveDbPath, type MarketStore } from '../../store/index.js';
import { sessionClose, storeReader } from '../../indicators/index.js';
import {
  COVERED_CALL_COLUMNS, backtestCoveredCalls, coveredCallCsv, coveredCallParams, markCoveredCall, screenCoveredCalls,
  type BacktestSessionInput, type CoveredCallParams, type ScreenInput,
} from '../../screener/index.js';
import { dateArg, formatArg, parseArg, symbolArg } from '../args.js';
import { atArg, buildChain, rateArg } from './chain.js';

export interface CoveredCallsOptions {
  at?: string;
  expiration?: string;
  expirationDays?: string;
  rate?: string;
  div?: string;
  minOtmPct?: string;
  maxOtmPct?: string;
  deltaLo?: string;
  deltaHi?: string;
  minBid?: string;
  minOpenInterest?: string;
  maxSpreadToMid?: string;
  rank?: string;
  format?: string;
  backtest?: boolean;
  time?: string;
  mark?: boolean;
  db?: string;
}

const timeArg = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a New York time like 11:00');
const numArg = z.coerce.number({ error: 'must be a number' }).refine(Number.isFinite, 'must be a number');
const daysArg = z.coerce.number({ error: 'must be a whole number of days' }).int('must be a whole number of days').min(0, 'must be ≥ 0').max(1000, 'must be ≤ 1000');

/** Screener setting → its flag, so errors name what the user typed. */
const FLAG_OF: Record<string, string> = {
  minOtm: '--min-otm-pct', maxOtm: '--max-otm-pct', deltaLo: '--delta-lo', deltaHi: '--delta-hi', minBid: '--min-bid',
  minOpenInterest: '--min-open-interest', maxSpreadToMid: '--max-spread-to-mid', rank: '--rank',
};

function paramsFrom(opts: CoveredCallsOptions): CoveredCallParams {
  const raw: Record<string, unknown> = {};
  const num = (flag: string, v: string | undefined, scale = 1) => (v === undefined ? undefined : parseArg(flag, numArg, v) / scale);
  // --min-otm-pct / --max-otm-pct are percent (1 = 1%), as in the traders' script.
  if (opts.minOtmPct !== undefined) raw.minOtm = num('--min-otm-pct', opts.minOtmPct, 100);
  if (opts.maxOtmPct !== undefined) raw.maxOtm = num('--max-otm-pct', opts.maxOtmPct, 100);
  if (opts.deltaLo !== undefined) raw.deltaLo = num('--delta-lo', opts.deltaLo);
  if (opts.deltaHi !== undefined) raw.deltaHi = num('--delta-hi', opts.deltaHi);
  if (opts.minBid !== undefined) raw.minBid = num('--min-bid', opts.minBid);
  if (opts.minOpenInterest !== undefined) raw.minOpenInterest = num('--min-open-interest', opts.minOpenInterest);
  if (opts.maxSpreadToMid !== undefined) raw.maxSpreadToMid = num('--max-spread-to-mid', opts.maxSpreadToMid);
  if (opts.rank !== undefined) raw.rank = opts.rank;
  return coveredCallParams(raw, (k) => FLAG_OF[k] ?? k);
}

/** The screen's input at `at` from the store: the chain of the chosen expiration and the underlying's last trade. */
export function screenInputFromStore(
  store: MarketStore, underlying: string, at: number, opts: { expiration?: string; expirationDays?: number; rate: number; div: number },
): ScreenInput {
  const date = formatNyIso(at).slice(0, 10);
  const all = buildChain(store, underlying, at, date, { rate: opts.rate, div: opts.div });
  let expiration = opts.expiration;
  if (expiration === undefined) {
    const days = opts.expirationDays ?? 0;
    const pick = all.expirations.find((e) => e.dte >= days);
    if (!pick) {
      throw new InputError(opts.expirationDays === undefined ? '--expiration' : '--expiration-days',
        `no open ${underlying} expiration ${days === 0 ? 'today' : `${days}+ days out`} at ${formatNyIso(at)} (open: ${all.expirations.map((e) => e.expiration).join(', ') || 'none'})`);
    }
    expiration = pick.expiration;
  } else if (!all.expirations.some((e) => e.expiration === expiration)) {
    throw new InputError('--expiration', `${expiration} is not an open ${underlying} expiration at ${formatNyIso(at)}; choose one of ${all.expirations.map((e) => e.expiration).join(', ')}`);
  }
  return {
    underlying, at, spot: all.underlyingPrice, expiration, dte: daysToExpiry(at, expiration), years: yearsToExpiry(at, expiration),
    rate: opts.rate, dividendYield: opts.div, rows: all.rows.filter((r) => r.expiration === expiration),
  };
}

export function runCoveredCalls(underlyingInput: string, opts: CoveredCallsOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): number {
  const underlying = parseArg('UNDERLYING', symbolArg, underlyingInput);
  const params = paramsFrom(opts);
  const format = parseArg('--format', formatArg, opts.format ?? 'csv');
  if (opts.expiration !== undefined && opts.expirationDays !== undefined) throw new InputError('--expiration-days', 'give either --expiration or --expiration-days, not both');
  const expiration = opts.expiration === undefined ? undefined : parseArg('--expiration', dateArg, opts.expiration);
  const expirationDays = opts.expirationDays === undefined ? undefined : parseArg('--expiration-days', daysArg, opts.expirationDays);
  const div = opts.div === undefined ? 0 : parseArg('--div', rateArg, opts.div);
  const store = openStore(resolveDbPath(opts));
  try {
    if (opts.backtest) return runBacktest(store, underlying, params, { time: parseArg('--time', timeArg, opts.time ?? '11:00'), expirationDays, rateArg: opts.rate, div, format }, out, err);
    const atText = parseArg('--at', atArg, opts.at);
    const date = parseArg('--at', dateArg, atText.slice(0, 10));
    const rate = opts.rate === undefined ? defaultRiskFreeRate(date) : parseArg('--rate', rateArg, opts.rate);
    const at = nyTimeToMs(date, atText.slice(11));
    const input = screenInputFromStore(store, underlying, at, { expiration, expirationDays, rate, div });
    const result = screenCoveredCalls(input, params);
    const close = opts.mark ? sessionClose(storeReader(store), underlying, input.expiration) : null;
    if (opts.mark && close === null) throw new InputError('--mark', `no recorded ${underlying} close for ${input.expiration} in the store`);
    const marks = close === null ? [] : result.rows.map((r) => markCoveredCall(r, input.spot, close));
    if (format === 'json') {
      out.write(JSON.stringify({ underlying, at: formatNyIso(at), spot: input.spot, expiration: input.expiration, dte: input.dte, years: input.years, rate, dividendYield: div, params, rows: result.rows, rejected: result.rejected, ...(close === null ? {} : { close, marks }) }, null, 2) + '\n');
    } else {
      out.write(COVERED_CALL_COLUMNS.join(',') + '\n');
      for (const r of result.rows) out.write(coveredCallCsv(r) + '\n');
    }
    err.write(`${underlying} ${input.spot} at ${formatNyIso(at)}, expiration ${input.expiration} (${input.dte} DTE, closes ${formatNyIso(at + input.years * 365 * 86_400_000).slice(11, 16)}): ${result.rows.length} of ${result.rows.length + result.rejected.length} calls pass${summariseRejections(result.rejected)}\n`);
    if (close !== null) for (const m of marks) err.write(`mark ${m.ticker}: close ${m.close} ${m.assigned ? 'assigned' : 'expired'}, ${(m.netCents / 100).toFixed(2)} net per contract (fees ${(m.feesCents / 100).toFixed(2)})\n`);
    return 0;
  } finally {
    store.close();
  }
}

/** Why the calls inside the strike band failed (those outside it are only counted: they are most of the chain). */
function summariseRejections(rejected: ReadonlyArray<{ reasons: string[] }>): string {
  if (rejected.length === 0) return '';
  const outside = rejected.filter((r) => r.reasons.some((x) => x.startsWith('strike_'))).length;
  const counts = new Map<string, number>();
  for (const r of rejected) {
    if (r.reasons.some((x) => x.startsWith('strike_'))) continue;
    for (const reason of r.reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  const inside = [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} ${k}`).join(', ');
  return `; ${outside} outside the strike band` + (inside ? `; in the band: ${inside}` : '');
}

function runBacktest(
  store: MarketStore, underlying: string, params: CoveredCallParams,
  o: { time: string; expirationDays?: number; rateArg?: string; div: number; format: 'csv' | 'json' },
  out: NodeJS.WritableStream, err: NodeJS.WritableStream,
): number {
  const summary = store.symbols().find((s) => s.symbol === underlying);
  const reader = storeReader(store);
  const inputs: BacktestSessionInput[] = [];
  for (const date of summary?.minuteDates ?? []) {
    const session = sessionOn(date);
    if (!session || store.optionQuotes(underlying, session.midnight, session.postClose).length === 0) continue;
    const rate = o.rateArg === undefined ? defaultRiskFreeRate(date) : parseArg('--rate', rateArg, o.rateArg);
    const at = Math.min(nyTimeToMs(date, o.time), session.close - 60_000);
    let screen: ScreenInput | { missing: string };
    try {
      screen = screenInputFromStore(store, underlying, at, { expirationDays: o.expirationDays, rate, div: o.div });
    } catch (e) {
      screen = { missing: e instanceof Error ? e.message : String(e) };
    }
    inputs.push({ date, screen, close: 'missing' in screen ? null : sessionClose(reader, underlying, screen.expiration) });
  }
  if (inputs.length === 0) throw new InputError('UNDERLYING', `no recorded ${underlying} session with option quotes in the store`);
  const result = backtestCoveredCalls(inputs, params);
  if (o.format === 'json') out.write(JSON.stringify({ underlying, time: o.time, params, ...result }, null, 2) + '\n');
  else {
    out.write('date,expiration,ticker,strike,premium,spot,close,assigned,gross_cents,fees_cents,net_cents,note\n');
    for (const s of result.sessions) {
      const m = s.mark;
      out.write([s.date, s.expiration ?? '', s.pick?.ticker ?? '', s.pick?.strike ?? '', s.pick?.mid ?? '', m?.spot ?? '', m?.close ?? '', m ? m.assigned : '', m?.grossCents ?? '', m?.feesCents ?? '', m?.netCents ?? '', JSON.stringify(s.note ?? '')].join(',') + '\n');
    }
  }
  err.write(`${underlying}: ${inputs.length} sessions with a chain, ${result.trades} trades, ${result.assigned} assigned, net ${(result.netCents / 100).toFixed(2)} after ${(result.feesCents / 100).toFixed(2)} fees\n`);
  return 0;
}
