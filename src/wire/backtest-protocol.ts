/**
 * The backtest part of the wire protocol, shared by the server (src/server/backtest-routes.ts)
 * and the dashboard's backtest panel:
 *
 * - `GET /api/backtests/strategies` → each strategy's parameters (type, default, bounds, help);
 * - `POST /api/backtests` BacktestStartSchema → `{id}`; the run goes to a worker thread;
 * - socket `backtest:progress` {id, done, total} after each session, then `backtest:done` {id, status};
 * - `GET /api/backtests/:id` → BacktestJobView; `result` is the report exactly as
 *   `optdesk backtest --format json` prints it.
 */
import { z } from 'zod';
import type { BacktestReport } from '../backtest/backtest.js';
import type { DataWarning } from '../backtest/data-check.js';
import type { ParamSpec } from '../strategies/params.js';
import { SymbolSchema } from './protocol.js';
export type { ParamSpec };

const IsoDate = z.string({ error: 'must be a date like 2013-10-07' }).regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2013-10-07');

export const BacktestStartSchema = z
  .object({
    strategy: z.string({ error: 'is required (orb or timeblock)' }),
    symbol: SymbolSchema,
    from: IsoDate,
    to: IsoDate,
    params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()], { error: 'must be a number, true/false or a timeframe like 5m' })).optional(),
    mode: z.enum(['underlying', 'options'], { error: 'must be underlying or options' }).optional(),
    seed: z.number({ error: 'must be a whole number' }).int('must be a whole number').min(0, 'must be ≥ 0').max(2 ** 32 - 1, 'must be < 2^32').optional(),
  })
  .strict();
export type BacktestStart = z.output<typeof BacktestStartSchema>;

/** The report as JSON (the CLI's `--format json`). */
export type BacktestResult = Omit<BacktestReport, 'raw'> & { dataWarnings: DataWarning[] };

export interface BacktestJobView {
  id: string;
  status: 'running' | 'done' | 'error';
  progress: { done: number; total: number };
  request: BacktestStart;
  /** "<field>: <why>" when status is error. */
  error?: string;
  result?: BacktestResult;
}

export interface BacktestProgress {
  id: string;
  done: number;
  total: number;
}

export interface BacktestStrategiesResponse {
  strategies: Array<{ name: string; params: Record<string, ParamSpec> }>;
  /** Options mode's parameters (sent in `params` next to the strategy's when `mode` is options). */
  optionParams: Record<string, ParamSpec>;
  /** `expiration` (not a ParamSpec: 0dte, weekly or min-days:N), its default and help. */
  expirationHelp: string;
}
