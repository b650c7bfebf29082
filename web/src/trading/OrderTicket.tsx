/**
 * The one order ticket (right column). A click on a bid/ask in the chain, the quote matrix
 * or a covered-call row fills it: side from the click (ask → buy, bid → sell; a covered
 * call is a sell to open), the limit following the live quote of that side until the
 * trader types a price, bid/mid/ask buttons, quantity, take-profit as +% or a price, an
 * optional stop, and before confirming: cost, fees, max loss, break-even and the entry
 * grade. The order goes through POST /api/orders, i.e. the risk engine then the broker; a
 * refusal is shown inline as the check's name and its sentence — nothing is pretended.
 * Its "Shares" side (StockTicket.tsx) trades the chart's stock, or the order a strategy
 * signal pre-filled (with a stop and a target), through the same route.
 */
import { useEffect, useState } from 'react';
import type { WireMatrixRow } from '../../../src/wire/options-protocol.js';
import { ALPACA_FEES, feesFor } from '../../../src/broker/fees.js';
import { toPrice } from '../../../src/broker/money.js';
import { formatPrice } from '../format.js';
import { formatStrike, longContract, shortContract, type SelectedContract } from '../options/contract.js';
import { parseOccTicker } from '../../../src/core/occ.js';
import { TicketGrade } from '../scanner/TicketGrade.js';
import { money } from './display.js';
import { StockTicket, type StockDraft } from './StockTicket.js';
import type { OrderRequest, WirePosition } from './tradingApi.js';
import { TicketRefusal, useTicketSend } from './ticketSend.js';

export interface OrderTicketProps {
  selected: SelectedContract | null;
  /** Live matrix row of the selected contract (bid/ask/underlying). */
  row: WireMatrixRow | undefined;
  underlyingLast: number | null;
  clock: number | null;
  /** The account orders go to (the first one the trading stream reports). */
  account: string | undefined;
  /** The account's position in the selected contract, if any (sell to close vs to open). */
  position: WirePosition | undefined;
  /** The shares side: the chart's stock, its last price, and a signal's pre-filled order (switches the ticket to shares). */
  shares?: { chartSymbol: string; last: number | null; draft: StockDraft | null };
}

type TpMode = 'percent' | 'price' | 'none';

/**
 * The limit follows the live quote of the picked side (bid or ask) until the trader types a
 * price (or presses bid/mid/ask); "↺" goes back to following it.
 */
function useTicketPrice(selected: SelectedContract | null, row: WireMatrixRow | undefined) {
  const [edited, setEdited] = useState<string | null>(null);
  const key = selected ? `${selected.ticker}|${selected.side}|${selected.price}` : '';
  useEffect(() => setEdited(null), [key]); // a new pick follows the market again
  const live = selected && row && row.ticker === selected.ticker ? row[selected.side] : null;
  const market = live ?? selected?.price ?? null;
  const follow = () => setEdited(null);
  if (edited === null) return { price: market, text: market == null ? '' : market.toFixed(2), edited: false, edit: setEdited, follow };
  const typed = Number(edited);
  return { price: edited.trim() !== '' && Number.isFinite(typed) && typed > 0 ? typed : null, text: edited, edited: true, edit: setEdited, follow };
}

/** Take-profit limit for +p% over the entry, rounded up to the cent (the server does the same). */
export function takeProfitPrice(entry: number, percent: number): number {
  return Math.ceil(entry * (1 + percent / 100) * 100 - 1e-9) / 100;
}

export function OrderTicket({ selected, row, underlyingLast, clock, account, position, shares }: OrderTicketProps) {
  // A contract pick shows the option side; a signal's fill (a new draft) the shares side.
  const [mode, setMode] = useState<'option' | 'stock'>('option');
  useEffect(() => {
    if (shares?.draft) setMode('stock');
  }, [shares?.draft?.nonce]); // eslint-disable-line react-hooks/exhaustive-deps
  const c = selected ? parseOccTicker(selected.ticker) : null;
  const ticket = useTicketPrice(selected, row);
  const [side, setSide] = useState<'buy' | 'sell'>('buy');
  const [qty, setQty] = useState('1');
  const [tpMode, setTpMode] = useState<TpMode>('percent');
  const [tp, setTp] = useState('10');
  const [stop, setStop] = useState('');
  const { busy, sent, setSent, refusal, setRefusal, send } = useTicketSend(shortContract);
  const key = selected ? `${selected.ticker}|${selected.side}|${selected.price}|${selected.intent ?? ''}` : '';
  useEffect(() => {
    if (!selected) return;
    setMode('option');
    setSide(selected.side === 'ask' ? 'buy' : 'sell');
    setSent(null);
    setRefusal(null);
  }, [key]); // eslint-disable-line react-hooks/exhaustive-deps

  const modes = shares ? (
    <span className="tb-group ticket-mode" role="group" aria-label="Ticket for">
      <button className={`tb-btn ${mode === 'option' ? 'active' : ''}`} aria-pressed={mode === 'option'} onClick={() => setMode('option')} data-testid="ticket-mode-option">Option</button>
      <button className={`tb-btn ${mode === 'stock' ? 'active' : ''}`} aria-pressed={mode === 'stock'} onClick={() => setMode('stock')} data-testid="ticket-mode-stock">Shares</button>
    </span>
  ) : null;
  if (shares && mode === 'stock') {
    return (
      <section className="panel side-panel ticket" data-testid="panel-order-ticket" data-mode="stock">
        <div className="panel-title">
          <span>Order ticket</span>
          {modes}
          <span className="muted ticket-account">{shares.draft?.account ?? account ?? 'paper'} account</span>
        </div>
        <StockTicket chartSymbol={shares.chartSymbol} last={shares.last} draft={shares.draft} account={account} />
      </section>
    );
  }
  if (!selected || !c) {
    return (
      <section className="panel side-panel ticket" data-testid="panel-order-ticket">
        <div className="panel-title"><span>Order ticket</span>{modes}</div>
        <div className="empty-state">
          <p>No contract selected.</p>
          <p className="muted">Click a bid or ask in the options chain or the quote matrix, or a covered-call row, to fill this ticket{shares ? `, or press Shares to trade ${shares.chartSymbol}` : ''}.</p>
        </div>
      </section>
    );
  }

  const q = Number(qty);
  const px = ticket.price;
  const qtyOk = Number.isInteger(q) && q > 0;
  const pxOk = px != null && toPrice(px) !== null;
  const valid = qtyOk && pxOk;
  const held = position?.qty ?? 0;
  const opening = side === 'buy' || held <= 0;
  const premium = valid ? px * 100 * q : null;
  const fees = valid ? feesFor(ALPACA_FEES, 'option', side, q, toPrice(px)!).total / 100 : null;
  const tpNum = Number(tp);
  const tpPrice = side !== 'buy' || !pxOk || tpMode === 'none' || !(tpNum > 0) ? null : tpMode === 'percent' ? takeProfitPrice(px, tpNum) : tpNum;
  const stopNum = stop.trim() === '' ? null : Number(stop);
  const mid = row && row.bid != null && row.ask != null ? Math.round(((row.bid + row.ask) / 2) * 100) / 100 : null;
  // What the trade can lose: a long option its premium + fees; a short call without limit.
  const maxLoss = !valid || fees == null || premium == null ? null : side === 'buy' ? premium + fees : null;
  const intentLabel = side === 'buy' ? (held < 0 ? 'buy to close' : 'buy to open') : held > 0 ? `sell to close (${held} held)` : 'sell to open';

  const submit = (): void => {
    if (!qtyOk) return setRefusal({ check: 'qty', message: 'enter a whole number of contracts, at least 1' });
    if (!pxOk) return setRefusal({ check: 'limitPrice', message: 'enter a limit price on the cent tick' });
    const order: OrderRequest = {
      ...(account ? { account } : {}), symbol: selected.ticker, side, qty: q, type: 'limit', limitPrice: px,
      ...(tpPrice != null ? { takeProfit: tpMode === 'percent' ? { percent: tpNum } : { limitPrice: tpNum } } : {}),
      ...(side === 'buy' && stopNum != null ? { stopLoss: { stopPrice: stopNum } } : {}),
    };
    send(order);
  };

  return (
    <section className="panel side-panel ticket" data-testid="panel-order-ticket">
      <div className="panel-title">
        <span>Order ticket</span>
        {modes}
        <span className="muted ticket-account">{account ?? 'paper'} account</span>
      </div>
      <div className="ticket-body" data-testid="selected-contract" data-ticker={selected.ticker} data-side={selected.side} data-price={ticket.price ?? ''}>
        <div className="ticket-line">
          <span className="muted">Selected:</span> <b>{longContract(selected.ticker)}</b> {selected.side === 'ask' ? 'buy at the ask' : 'sell at the bid'}
          {selected.intent === 'sell_to_open' ? <span data-testid="ticket-intent"> · <b>sell to open</b> (covered call)</span> : null}
        </div>
        {row ? (
          <div className="ticket-quote">
            <span>bid <b>{formatPrice(row.bid)}</b></span>
            <span>ask <b>{formatPrice(row.ask)}</b></span>
            <span>{row.underlying} <b data-testid="ticket-underlying">{formatPrice(underlyingLast ?? row.underlyingPrice)}</b></span>
          </div>
        ) : null}
        {row?.expired ? (
          <div className="ticket-line" data-testid="ticket-expired">
            <span className="expired-tag">expired</span> settled at <b className="num">{formatPrice(row.settlement)}</b>
            <span className="muted"> — it can no longer be traded.</span>
          </div>
        ) : (
          <>
            <div className="ticket-line ticket-row ticket-price">
              <span className="tb-group">
                <button className={`tb-btn ${side === 'buy' ? 'active' : ''}`} onClick={() => setSide('buy')} data-testid="side-buy">Buy</button>
                <button className={`tb-btn ${side === 'sell' ? 'active sell' : ''}`} onClick={() => setSide('sell')} data-testid="side-sell">Sell</button>
              </span>
              <span className="muted" data-testid="ticket-open-close">{intentLabel}</span>
              <label className="ticket-qty-label"><span className="muted">Qty</span> <input className="ticket-qty" value={qty} onChange={(e) => setQty(e.target.value)} data-testid="entry-qty" inputMode="numeric" aria-label="Quantity" /></label>
            </div>
            <div className="ticket-line ticket-row ticket-price">
              <label>
                <span className="muted">Limit</span>{' '}
                <input data-testid="ticket-price" className={ticket.price == null ? 'bad' : ''} value={ticket.text} inputMode="decimal" aria-label="Limit price" onChange={(e) => ticket.edit(e.target.value)} />
              </label>
              <span className="td-quick">
                <button onClick={() => row?.bid != null && ticket.edit(row.bid.toFixed(2))} disabled={row?.bid == null} data-testid="limit-bid">bid</button>
                <button onClick={() => mid != null && ticket.edit(mid.toFixed(2))} disabled={mid == null} data-testid="limit-mid">mid</button>
                <button onClick={() => row?.ask != null && ticket.edit(row.ask.toFixed(2))} disabled={row?.ask == null} data-testid="limit-ask">ask</button>
              </span>
              {ticket.edited ? (
                <button className="ticket-follow" onClick={ticket.follow} title={`Follow the live ${selected.side} again`}>↺ {selected.side}</button>
              ) : (
                <span className="muted" title={`Follows the live ${selected.side} until you type a price`}>live</span>
              )}
            </div>
            {side === 'buy' ? (
              <div className="ticket-line ticket-row ticket-price">
                <label>
                  <span className="muted">Take-profit</span>{' '}
                  <select value={tpMode} onChange={(e) => setTpMode(e.target.value as TpMode)} data-testid="entry-tp-mode" aria-label="Take-profit as">
                    <option value="percent">+%</option>
                    <option value="price">price</option>
                    <option value="none">none</option>
                  </select>
                </label>
                {tpMode !== 'none' ? <input className="ticket-qty" value={tp} onChange={(e) => setTp(e.target.value)} data-testid="entry-tp" inputMode="decimal" aria-label="Take-profit" /> : null}
                {tpMode === 'percent' && tpPrice != null ? <span className="muted" data-testid="entry-tp-price">→ {formatPrice(tpPrice)}</span> : null}
                <label><span className="muted">Stop</span> <input className="ticket-qty" value={stop} placeholder="none" onChange={(e) => setStop(e.target.value)} data-testid="entry-stop" inputMode="decimal" aria-label="Stop price" /></label>
              </div>
            ) : null}
            <div className="ticket-preview" data-testid="entry-preview">
              <span>{side === 'buy' ? 'cost' : 'proceeds'} <b>{money(premium)}</b></span>
              <span>fees <b>{money(fees)}</b></span>
              {side === 'buy' ? <span>max loss <b>{money(maxLoss)}</b></span> : opening ? <span title={selected.intent === 'sell_to_open' ? 'A covered call: the shares you hold deliver at the strike; what they can lose is not part of this order' : undefined}>max loss <b>{c.right === 'put' ? money(valid ? (c.strike - px) * 100 * q : null) : selected.intent === 'sell_to_open' ? `covered by ${q * 100} shares` : 'unlimited'}</b></span> : null}
              {side === 'buy' && tpPrice != null && valid && fees != null ? <span>at TP <b className="up">{money((tpPrice - px) * 100 * q - 2 * fees)}</b></span> : null}
              {side === 'buy' && stopNum != null && valid && Number.isFinite(stopNum) ? <span>at stop <b className="down">{money((stopNum - px) * 100 * q)}</b></span> : null}
            </div>
            {px != null ? <BreakEven strike={c.strike} right={c.right} premium={px} underlying={c.underlying} short={side === 'sell' && opening} /> : null}
          </>
        )}
        <TicketGrade selected={selected} clock={clock} />
        {row?.expired ? null : (
          <div className="ticket-line ticket-row">
            <button className={`td-submit ${side}`} onClick={submit} disabled={busy} data-testid="entry-submit">
              {side === 'buy' ? 'Buy' : 'Sell'} {valid ? `${q} @ ${formatPrice(px)}` : ''}{tpPrice != null && valid ? ` · TP ${formatPrice(tpPrice)}` : ''}
            </button>
            {sent ? <span className="muted" data-testid="entry-sent">{sent}</span> : null}
          </div>
        )}
        <TicketRefusal refusal={refusal} />
      </div>
    </section>
  );
}

/** Where the option's holder breaks even at expiration; a writer (`short`) keeps the premium on the other side of it. */
function BreakEven({ strike, right, premium, underlying, short }: { strike: number; right: 'call' | 'put'; premium: number; underlying: string; short: boolean }) {
  const be = right === 'call' ? strike + premium : strike - premium;
  const note = short ? (right === 'call' ? `${underlying} must stay below it` : `${underlying} must stay above it`) : right === 'call' ? `${underlying} must reach it` : `${underlying} must fall to it`;
  return (
    <div
      className="ticket-line ticket-oneline"
      data-testid="break-even"
      title={`Break-even at expiration, before fees: ${note} (${formatStrike(strike)} ${right === 'call' ? '+' : '−'} ${formatPrice(premium)})`}
    >
      <span className="muted">Break-even:</span>{' '}
      {right === 'call' ? 'strike + premium' : 'strike − premium'} = <b className="num">{formatPrice(be)}</b>
      <span className="muted"> {note}</span>
    </div>
  );
}
