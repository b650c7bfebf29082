/**
 * REST and socket events of backtests (shapes in src/wire/backtest-protocol.ts, imported as
 * types only so zod stays out of the browser bundle).
 */
import type { Socket } from 'socket.io-client';
import type { BacktestJobView, BacktestProgress, BacktestResult, BacktestStart, BacktestStrategiesResponse, ParamSpec } from '../../../src/wire/backtest-protocol.js';
import { socket as hubSocket } from '../socket.js';
import { call } from '../trading/tradingApi.js';

export type { BacktestJobView, BacktestProgress, BacktestResult, BacktestStart, ParamSpec };
export type ReportTrade = BacktestResult['trades'][number];
export type ReportLevel = BacktestResult['levels'][number];

interface BacktestServerEvents {
  'backtest:progress': (m: BacktestProgress) => void;
  'backtest:done': (m: { id: string; status: 'done' | 'error'; error?: string }) => void;
}
/** The backtest events on the one hub connection (typed here, so web/src/socket.ts stays the bar/options contract). */
export const backtestSocket = hubSocket as unknown as Socket<BacktestServerEvents, Record<string, never>>;

export const backtestApi = {
  strategies: () => call<BacktestStrategiesResponse>('GET', '/api/backtests/strategies'),
  start: (req: BacktestStart) => call<{ id: string }>('POST', '/api/backtests', req),
  get: (id: string) => call<BacktestJobView>('GET', `/api/backtests/${encodeURIComponent(id)}`),
};

/** The field a server error names ("params.targetR: must be …" → "params.targetR"). */
export function errorField(message: string): string | null {
  const m = /^([a-zA-Z][\w]*(?:\.[\w]+)*):\s/.exec(message);
  return m ? m[1]! : null;
}
