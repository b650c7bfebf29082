/**
 * Sending from the order ticket (both its option and shares sides): one order at a time
 * through POST /api/orders, the result line, and a refusal shown as the check's name and the
 * server's sentence (a risk check as is, a broker's code as "broker:<code>").
 */
import { useState } from 'react';
import { formatPrice } from '../format.js';
import { RefusalError, tradingApi, type OrderRequest, type WireOrder } from './tradingApi.js';

export interface Refusal {
  check: string | null;
  message: string;
}

export function useTicketSend(symbolText: (symbol: string) => string) {
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState<string | null>(null);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const send = (order: OrderRequest): void => {
    setBusy(true);
    setRefusal(null);
    setSent(null);
    tradingApi.submit(order).then(
      (o: WireOrder) => setSent(`${o.side} ${o.qty} ${symbolText(o.symbol)}: ${o.status.replace('_', ' ')}${o.avgFillPrice != null ? ` @ ${formatPrice(o.avgFillPrice)}` : ''}`),
      (e: Error) => setRefusal(e instanceof RefusalError ? { check: e.check, message: e.reason } : { check: null, message: e.message }),
    ).finally(() => setBusy(false));
  };
  return { busy, sent, setSent, refusal, setRefusal, send };
}

export function TicketRefusal({ refusal }: { refusal: Refusal | null }) {
  if (!refusal) return null;
  return (
    <div className="ticket-refusal" role="alert" data-testid="ticket-error" data-check={refusal.check ?? ''}>
      {refusal.check ? <b>{refusal.check.replace(/_/g, ' ')}</b> : null}
      {refusal.check ? ': ' : ''}{refusal.message}
    </div>
  );
}
