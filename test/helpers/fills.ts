/** Fill constructors for the journal's tests. */
import type { Fill, FillReason, Side } from '../../src/broker/types.js';

let n = 0;
export function fill(p: { account?: string; symbol: string; side: Side; qty: number; price: number; time: number; fees?: number; reason?: FillReason; id?: string; orderId?: string }): Fill {
  const fees = p.fees ?? 0;
  return {
    id: p.id ?? `f${++n}`,
    orderId: p.orderId ?? `o${n}`,
    account: p.account ?? 'paper',
    symbol: p.symbol,
    side: p.side,
    qty: p.qty,
    price: p.price,
    time: p.time,
    fees: { orf: 0, occ: 0, taf: 0, sec: 0, commission: fees, total: fees },
    reason: p.reason ?? 'execution',
    note: null,
  };
}
