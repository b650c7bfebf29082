/**
 * The trading REST calls (src/server/trading-routes.ts). Errors keep the server's words: a
 * 400 is "field: why", a 422 is a risk or broker refusal `{code: RISK_DENIED|BROKER_REJECTED,
 * reason, message}` — shown as "reason: message" so the trader sees which rule said no.
 */
import type { WireAccount, WireOrder, WirePosition } from '../../../src/broker/wire.js';
import { apiErrorOf } from '../apiError.js';

export type { WireAccount, WireOrder, WirePosition };

export interface OrderRequest {
  account?: string;
  symbol: string;
  side: 'buy' | 'sell';
  qty: number;
  type: 'market' | 'limit';
  limitPrice?: number;
  takeProfit?: { limitPrice: number } | { percent: number };
  stopLoss?: { stopPrice: number };
}

/** The risk engine's per-order limits, in dollars and shares (GET /api/risk `settings`). */
export interface RiskLimits {
  maxNotionalPerOrder: number;
  maxSharesPerOrder: number;
}

/** A 422 from the risk engine or the broker: `check` names the rule that said no (the body's `reason`). */
export class RefusalError extends Error {
  constructor(readonly check: string, readonly reason: string) {
    super(`${check}: ${reason}`);
  }
}

/** JSON over fetch; a 422 refusal throws RefusalError, other errors the server's "field: why". */
export async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const parsed = (await res.json().catch(() => undefined)) as unknown;
  if (!res.ok) {
    const e = apiErrorOf(res, parsed);
    // The ticket names the rule: a risk check as is, a broker's code as "broker:<code>".
    if (e.code === 'RISK_DENIED' && e.reason) throw new RefusalError(e.reason, e.message);
    if (e.code === 'BROKER_REJECTED' && e.reason) throw new RefusalError(`broker:${e.reason}`, e.message);
    throw e;
  }
  return parsed as T;
}

export const tradingApi = {
  submit: (o: OrderRequest) => call<{ order: WireOrder }>('POST', '/api/orders', o).then((r) => r.order),
  cancel: (id: string) => call<{ order: WireOrder }>('DELETE', `/api/orders/${encodeURIComponent(id)}`),
  close: (account: string, symbol: string) => call<{ order: WireOrder }>('POST', '/api/positions/close', { account, symbol }),
  kill: (reason: string) => call<{ canceled: string[] }>('POST', '/api/risk/kill', { reason }),
  release: () => call<unknown>('DELETE', '/api/risk/kill'),
  riskLimits: () => call<{ settings: RiskLimits }>('GET', '/api/risk').then((r) => r.settings),
};
