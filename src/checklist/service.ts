/**
 * Grades a symbol at an instant: builds the fields from a BarReader (src/indicators), picks
 * the option contract, runs the eight points and caches the result per (symbol, direction,
 * contract, clock minute). Evaluation happens at the minute's start, so every caller asking
 * during the same minute gets the same grade.
 */
import { formatNyIso, sessionAt } from '../calendar/index.js';
import { MINUTE_MS } from '../core/types.js';
import { InputError } from '../core/errors.js';
import { SymbolState, type BarReader } from '../indicators/index.js';
import { checklistThresholds, gradeOf, type ChecklistThresholds, type Grade } from './grade.js';
import { evaluatePoints, type ChecklistContract, type ChecklistPoint, type ContractRow, type Direction } from './points.js';

export type { ContractRow };

/** Where the checklist finds option contracts: the chain's rows at `at` (at least the nearest expiration's, and `ticker`'s when given), or why there are none. */
export interface ContractLookup {
  chainAt(underlying: string, at: number, spot: number, ticker?: string): Promise<{ rows: ContractRow[]; dteOf: (expiration: string) => number } | { missing: string }>;
}

export interface ChecklistResult {
  symbol: string;
  direction: Direction;
  /** The clock minute graded, ISO with the New York offset, and as epoch ms. */
  at: string;
  atMs: number;
  score: number;
  grade: Grade;
  contract: string | null;
  points: ChecklistPoint[];
}

export interface ChecklistServiceOptions {
  reader: BarReader;
  contracts?: ContractLookup;
  thresholds?: Partial<ChecklistThresholds>;
  /** Cached results kept (oldest dropped first). Default 5,000. */
  cacheSize?: number;
}

/** The ATM contract of the nearest expiration in the trade's direction (call for long, put for short), or the one named. */
export function pickContract(rows: readonly ContractRow[], spot: number, direction: Direction, ticker?: string): ContractRow | { missing: string } {
  if (ticker) return rows.find((r) => r.ticker === ticker) ?? { missing: `${ticker} is not in the chain at this time` };
  const right = direction === 'long' ? 'call' : 'put';
  const expirations = [...new Set(rows.map((r) => r.expiration))].sort();
  for (const exp of expirations) {
    const candidates = rows.filter((r) => r.expiration === exp && r.right === right);
    if (candidates.length === 0) continue;
    return candidates.reduce((best, r) => (Math.abs(r.strike - spot) < Math.abs(best.strike - spot) ? r : best));
  }
  return { missing: `no ${right}s in the chain` };
}

export class ChecklistService {
  readonly thresholds: ChecklistThresholds;
  private readonly cache = new Map<string, Promise<ChecklistResult>>();
  private readonly cacheSize: number;

  constructor(private readonly options: ChecklistServiceOptions) {
    this.thresholds = checklistThresholds(options.thresholds ?? {});
    this.cacheSize = options.cacheSize ?? 5_000;
  }

  /** Drops cached grades (the replay jumped: the same minute may now hold other data). */
  reset(): void {
    this.cache.clear();
  }

  grade(symbol: string, direction: Direction, at: number, contract?: string): Promise<ChecklistResult> {
    if (direction !== 'long' && direction !== 'short') return Promise.reject(new InputError('direction', `must be long or short, got ${JSON.stringify(direction)}`));
    const minute = at - (((at % MINUTE_MS) + MINUTE_MS) % MINUTE_MS);
    const key = `${symbol}|${direction}|${contract ?? ''}|${minute}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const work = this.compute(symbol, direction, minute, contract);
    this.cache.set(key, work);
    work.catch(() => this.cache.delete(key)); // a failure is not remembered
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    return work;
  }

  private async compute(symbol: string, direction: Direction, at: number, ticker?: string): Promise<ChecklistResult> {
    const { reader, contracts } = this.options;
    await reader.prepare?.([symbol], at);
    const state = SymbolState.fromReader(reader, symbol, at);
    const fields = state.fields(at);
    if (fields.last === null) throw new InputError('symbol', `no ${symbol} prices at or before ${formatNyIso(at)}`);
    let contract: ChecklistContract | { missing: string } = { missing: 'no option chain source' };
    if (contracts) {
      const chain = await contracts.chainAt(symbol, at, fields.last, ticker);
      if ('missing' in chain) contract = chain;
      else {
        const row = pickContract(chain.rows, fields.last, direction, ticker);
        contract = 'missing' in row ? row : { ...row, dte: chain.dteOf(row.expiration) };
      }
    }
    const session = sessionAt(at) ?? state.session;
    const points = evaluatePoints({ fields, direction, sessionOpen: session.open, sessionClose: session.close, contract }, this.thresholds);
    const score = points.filter((p) => p.pass).length;
    return { symbol, direction, at: formatNyIso(at), atMs: at, score, grade: gradeOf(score), contract: 'missing' in contract ? null : contract.ticker, points };
  }
}
