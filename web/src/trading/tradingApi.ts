/**
 * The trading REST calls (src/server/trading-routes.ts). Errors keep the server's words: a
 * 400 is "field: why", a 422 is a risk or broker refusal `{check, message}` — shown as
 * "check: message" so the trader sees which rule said no.
 */
import type { WireAccount, WireOrder, WirePosition } from '../../../src/broker/wire.js';

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

/** A 422 from the risk engine or the broker: `check` names the rule that said no. */
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
  const parsed = (await res.json().catch(() => undefined)) as { error?: unknown } | undefined;
  if (!res.ok) {
    const e = parsed?.error;
    if (e && typeof e === 'object' && 'check' in e) {
      const r = e as { check: string; message: string };
      throw new RefusalError(r.check, r.message);
    }
    throw new Error(typeof e === 'string' ? e : `${res.status} ${res.statusText}`);
  }
  return parsed as T;
}

export const tradingApi = {
  submit: (o: OrderRequest) => call<{ order: WireOrder }>('POST', '/api/orders', o).then((r) => r.order),
  cancel: (id: string) => call<{ order: WireOrder }>('DELETE', `/api/orders/${encodeURIComponent(id)}`),
  close: (account: string, symbol: string) => call<{ order: WireOrder }>('POST', '/api/positions/close', { account, symbol }),
  kill: (reason: string) => call<{ canceled: string[] }>('POST', '/api/risk/kill', { reason }),
  release: () => call<unknown>('DELETE', '/api/risk/kill'),
};
