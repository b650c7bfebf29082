/**
 * The order ticket for shares (the ticket's "Shares" side): a stock symbol (the chart's, or a
 * strategy signal's), side, quantity, market or limit, and a protective stop and a target
 * sent as the order's attached exits (`stopLoss` / `takeProfit`, which optdesk's exit manager
 * watches — one cancels the other). Before sending it shows the estimated notional against
 * the account's per-order notional and share limits (GET /api/risk), so "100 SPY ≈ $16.7k over
 * a $10k limit" is visible before the risk engine says so. Nothing is sent until the trader
 * presses the button; the order then goes through POST /api/orders, i.e. the risk engine.
 */
import { useEffect, useState } from 'react';
import { formatPrice } from '../format.js';
import { money } from './display.js';
import { tradingApi, type OrderRequest, type RiskLimits } from './tradingApi.js';
import { TicketRefusal, useTicketSend } from './ticketSend.js';

/** A pre-filled shares order (a strategy signal's); `nonce` makes each fill a new one. */
export interface StockDraft {
  symbol: string;
  side: 'buy' | 'sell';
  qty: number;
  type: 'market' | 'limit';
  limitPrice?: number | null;
  stop: number | null;
  target: number | null;
  /** Where it came from and why (a signal's instance, time and rationale): shown above the fields. */
  source?: { label: string; rationale: string };
  /** The account the signal's instance is bound to (else the ticket's account). */
  account?: string;
  nonce: number;
}

export interface StockTicketProps {
  /** The chart's symbol: what the ticket trades when no draft filled it. */
  chartSymbol: string;
  /** Last trade of the chart's symbol (the quotes stream), for the market order's estimate. */
  last: number | null;
  draft: StockDraft | null;
  account: string | undefined;
}

const text = (n: number | null | undefined): string => (n == null ? '' : String(n));
/** A positive dollar amount with at most 2 decimals (stocks ≥ $1 trade in cents), else null. */
function dollars(s: string): number | null {
  const n = Number(s);
  return s.trim() !== '' && Number.isFinite(n) && n > 0 && Math.abs(n * 100 - Math.round(n * 100)) < 1e-6 ? n : null;
}

/** Field problems, named as the API names them, before anything is sent. */
export function stockTicketProblems(f: { symbol: string; side: 'buy' | 'sell'; qty: string; type: 'market' | 'limit'; limit: string; stop: string; target: string }, ref: number | null): Array<{ field: string; message: string }> {
  const out: Array<{ field: string; message: string }> = [];
  if (!/^[A-Z][A-Z0-9.]{0,9}$/.test(f.symbol)) out.push({ field: 'symbol', message: 'must be a stock ticker like SPY' });
  const q = Number(f.qty);
  if (!(Number.isInteger(q) && q > 0)) out.push({ field: 'qty', message: 'enter a whole number of shares, at least 1' });
  if (f.type === 'limit' && dollars(f.limit) === null) out.push({ field: 'limitPrice', message: 'enter a limit price in dollars and cents' });
  const entry = f.type === 'limit' ? dollars(f.limit) : ref;
  const stop = f.stop.trim() === '' ? null : dollars(f.stop);
  const target = f.target.trim() === '' ? null : dollars(f.target);
  if (f.stop.trim() !== '' && stop === null) out.push({ field: 'stopLoss.stopPrice', message: 'enter a stop price in dollars and cents, or leave it empty' });
  if (f.target.trim() !== '' && target === null) out.push({ field: 'takeProfit.limitPrice', message: 'enter a target price in dollars and cents, or leave it empty' });
  const buy = f.side === 'buy';
  const where = f.type === 'limit' ? `the ${f.side} limit` : 'the last price';
  if (entry != null && stop != null && (buy ? stop >= entry : stop <= entry)) out.push({ field: 'stopLoss.stopPrice', message: `must be ${buy ? 'below' : 'above'} ${where} ${formatPrice(entry)} for a ${f.side}` });
  if (entry != null && target != null && (buy ? target <= entry : target >= entry)) out.push({ field: 'takeProfit.limitPrice', message: `must be ${buy ? 'above' : 'below'} ${where} ${formatPrice(entry)} for a ${f.side}` });
  return out;
}

export function StockTicket({ chartSymbol, last, draft, account }: StockTicketProps) {
  const [symbol, setSymbol] = useState(draft?.symbol ?? chartSymbol);
  const [side, setSide] = useState<'buy' | 'sell'>(draft?.side ?? 'buy');
  const [qty, setQty] = useState(text(draft?.qty ?? 100));
  const [type, setType] = useState<'market' | 'limit'>(draft?.type ?? 'market');
  const [limit, setLimit] = useState(text(draft?.limitPrice));
  const [stop, setStop] = useState(text(draft?.stop));
  const [target, setTarget] = useState(text(draft?.target));
  const [limits, setLimits] = useState<RiskLimits | null>(null);
  const { busy, sent, setSent, refusal, setRefusal, send } = useTicketSend((s) => s);

  // A new draft (another signal's click) replaces every field.
  useEffect(() => {
    if (!draft) return;
    setSymbol(draft.symbol);
    setSide(draft.side);
    setQty(text(draft.qty));
    setType(draft.type);
    setLimit(text(draft.limitPrice));
    setStop(text(draft.stop));
    setTarget(text(draft.target));
    setSent(null);
    setRefusal(null);
  }, [draft?.nonce]); // eslint-disable-line react-hooks/exhaustive-deps
  // Without a draft the ticket follows the chart's symbol.
  useEffect(() => {
    if (!draft) setSymbol(chartSymbol);
  }, [chartSymbol]); // eslint-disable-line react-hooks/exhaustive-deps
  // The limits as they are now (a trader may have changed them since the page loaded).
  useEffect(() => {
    tradingApi.riskLimits().then(setLimits, () => setLimits(null));
  }, [draft?.nonce, sent]);

  const sym = symbol.trim().toUpperCase();
  const to = draft?.account ?? account;
  const ref = sym === chartSymbol ? last : null;
  const problems = stockTicketProblems({ symbol: sym, side, qty, type, limit, stop, target }, ref);
  const q = Number(qty);
  const qtyOk = Number.isInteger(q) && q > 0;
  const px = type === 'limit' ? dollars(limit) : ref;
  const notional = qtyOk && px != null ? Math.round(px * 100) * q / 100 : null;
  const over = notional != null && limits != null && notional > limits.maxNotionalPerOrder;
  const overShares = qtyOk && limits != null && q > limits.maxSharesPerOrder;
  // The P&L at an exit only when that exit is on its right side of the entry.
  const stopNum = problems.some((p) => p.field === 'stopLoss.stopPrice') ? null : dollars(stop);
  const targetNum = problems.some((p) => p.field === 'takeProfit.limitPrice') ? null : dollars(target);
  const sign = side === 'buy' ? 1 : -1;

  const submit = (): void => {
    setSent(null);
    if (problems.length) return; // the button is disabled: the problems are listed above it
    const order: OrderRequest = {
      ...(to ? { account: to } : {}), symbol: sym, side, qty: q, type,
      ...(type === 'limit' ? { limitPrice: dollars(limit)! } : {}),
      ...(targetNum != null ? { takeProfit: { limitPrice: targetNum } } : {}),
      ...(stopNum != null ? { stopLoss: { stopPrice: stopNum } } : {}),
    };
    send(order);
  };
  const bad = (field: string) => (problems.some((p) => p.field === field) ? 'bad' : '');

  return (
    <div className="ticket-body" data-testid="stock-ticket" data-symbol={sym} data-side={side} data-qty={qty} data-type={type} data-stop={stop} data-target={target}>
      {draft?.source ? (
        <div className="ticket-line ticket-source" data-testid="ticket-source">
          <b>{draft.source.label}</b> <span className="muted">{draft.source.rationale}</span>
        </div>
      ) : null}
      <div className="ticket-line ticket-row ticket-price">
        <label><span className="muted">Shares</span> <input className={`ticket-sym ${bad('symbol')}`} value={symbol} onChange={(e) => setSymbol(e.target.value.toUpperCase())} data-testid="stock-symbol" aria-label="Stock symbol" /></label>
        <span className="muted" data-testid="stock-last">{ref != null ? `last ${formatPrice(ref)}` : 'no last price'}</span>
        <label className="ticket-qty-label"><span className="muted">Qty</span> <input className={`ticket-qty ${bad('qty')}`} value={qty} onChange={(e) => setQty(e.target.value)} data-testid="stock-qty" inputMode="numeric" aria-label="Shares" /></label>
      </div>
      <div className="ticket-line ticket-row ticket-price">
        <span className="tb-group">
          <button className={`tb-btn ${side === 'buy' ? 'active' : ''}`} onClick={() => setSide('buy')} data-testid="stock-side-buy">Buy</button>
          <button className={`tb-btn ${side === 'sell' ? 'active sell' : ''}`} onClick={() => setSide('sell')} data-testid="stock-side-sell">Sell</button>
        </span>
        <select value={type} onChange={(e) => setType(e.target.value as 'market' | 'limit')} data-testid="stock-type" aria-label="Order type">
          <option value="market">market</option>
          <option value="limit">limit</option>
        </select>
        {type === 'limit' ? (
          <input className={bad('limitPrice')} value={limit} placeholder={ref != null ? ref.toFixed(2) : 'price'} onChange={(e) => setLimit(e.target.value)} data-testid="stock-limit" inputMode="decimal" aria-label="Limit price" />
        ) : null}
      </div>
      <div className="ticket-line ticket-row ticket-price">
        <label><span className="muted">Stop</span> <input className={bad('stopLoss.stopPrice')} value={stop} placeholder="none" onChange={(e) => setStop(e.target.value)} data-testid="stock-stop" inputMode="decimal" aria-label="Protective stop" /></label>
        <label><span className="muted">Target</span> <input className={bad('takeProfit.limitPrice')} value={target} placeholder="none" onChange={(e) => setTarget(e.target.value)} data-testid="stock-target" inputMode="decimal" aria-label="Target" /></label>
      </div>
      <div className="ticket-preview" data-testid="stock-preview">
        <span>notional{type === 'market' ? ' ≈' : ''} <b className={over ? 'down' : ''} data-testid="stock-notional">{money(notional)}</b></span>
        <span>limit <b data-testid="stock-notional-limit">{money(limits?.maxNotionalPerOrder ?? null)}</b>/order</span>
        {qtyOk && px != null && stopNum != null ? <span>at stop <b className="down">{money((stopNum - px) * q * sign)}</b></span> : null}
        {qtyOk && px != null && targetNum != null ? <span>at target <b className="up">{money((targetNum - px) * q * sign)}</b></span> : null}
      </div>
      {over || overShares ? (
        <div className="ticket-line ticket-warn" data-testid="stock-over-limit">
          {over ? `${money(notional)} is more than the ${money(limits!.maxNotionalPerOrder)} allowed per order: the risk engine will refuse it.` : `${q} shares is more than the ${limits!.maxSharesPerOrder} allowed per order: the risk engine will refuse it.`}
        </div>
      ) : null}
      {problems.length ? (
        <div className="ticket-line ticket-warn" data-testid="stock-problems">
          {problems.map((p) => <div key={p.field + p.message}><b>{p.field}</b>: {p.message}</div>)}
        </div>
      ) : null}
      <div className="ticket-line ticket-row">
        <button className={`td-submit ${side}`} onClick={submit} disabled={busy || problems.length > 0} title={problems.length ? 'Fix the fields named above first' : undefined} data-testid="stock-submit">
          {side === 'buy' ? 'Buy' : 'Sell'} {qtyOk ? q : ''} {sym} {type === 'limit' && px != null ? `@ ${formatPrice(px)}` : 'at market'}
        </button>
        {sent ? <span className="muted" data-testid="entry-sent">{sent}</span> : null}
      </div>
      <TicketRefusal refusal={refusal} />
    </div>
  );
}
