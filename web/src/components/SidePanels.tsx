/**
 * Right column: the options chain of the chart's symbol, and the order ticket. The ticket
 * only shows the selected contract for now (orders arrive in the next issue); it already
 * states the break-even so the trader sees what the underlying has to do.
 */
import { useEffect, useState } from 'react';
import type { WireMatrixRow } from '../../../src/hub/options-protocol.js';
import { formatPrice } from '../format.js';
import { formatStrike, longContract, parseContract, type SelectedContract } from '../options/contract.js';
import { OptionsChain, type OptionsChainProps } from './OptionsChain.js';
import { CoveredCallsPanel } from '../screener/CoveredCallsPanel.js';
import { TicketGrade } from '../scanner/TicketGrade.js';

export interface SidePanelsProps extends OptionsChainProps {
  /** Live row of the selected contract (from the quote matrix), when known. */
  selectedRow: WireMatrixRow | undefined;
}

export function SidePanels(p: SidePanelsProps) {
  return (
    <aside className="side">
      <OptionsChain {...p} />
      <CoveredCallsPanel symbol={p.symbol} clock={p.clock} selected={p.selected} onSelect={p.onSelect} />
      <OrderTicket selected={p.selected} row={p.selectedRow} clock={p.clock} underlyingLast={p.selected ? (p.quotes.get(parseContract(p.selected.ticker)?.underlying ?? '')?.last ?? null) : null} />
    </aside>
  );
}

/**
 * The ticket's limit price follows the live quote of the picked side (bid or ask) until the
 * trader types a price; "market" goes back to following it.
 */
function useTicketPrice(selected: SelectedContract | null, row: WireMatrixRow | undefined): { price: number | null; text: string; edited: boolean; edit(text: string): void; follow(): void } {
  const [edited, setEdited] = useState<string | null>(null);
  const key = selected ? `${selected.ticker}|${selected.side}|${selected.price}` : '';
  useEffect(() => setEdited(null), [key]); // a new pick follows the market again
  const live = selected && row && row.ticker === selected.ticker ? row[selected.side] : null;
  const market = live ?? selected?.price ?? null;
  if (edited === null) return { price: market, text: market == null ? '' : market.toFixed(2), edited: false, edit: setEdited, follow: () => setEdited(null) };
  const typed = Number(edited);
  return { price: edited.trim() !== '' && Number.isFinite(typed) && typed > 0 ? typed : null, text: edited, edited: true, edit: setEdited, follow: () => setEdited(null) };
}

function OrderTicket({ selected, row, underlyingLast, clock }: { selected: SelectedContract | null; row: WireMatrixRow | undefined; underlyingLast: number | null; clock: number | null }) {
  const c = selected ? parseContract(selected.ticker) : null;
  const ticket = useTicketPrice(selected, row);
  return (
    <section className="panel side-panel ticket" data-testid="panel-order-ticket">
      <div className="panel-title">Order ticket</div>
      {!selected || !c ? (
        <div className="empty-state">
          <p>No contract selected.</p>
          <p className="muted">Click a bid or ask in the options chain to build an order with take-profit and stop (paper account).</p>
        </div>
      ) : (
        <div className="ticket-body" data-testid="selected-contract" data-ticker={selected.ticker} data-side={selected.side} data-price={ticket.price ?? ''}>
          <div className="ticket-line">
            <span className="muted">Selected:</span> <b>{longContract(selected.ticker)}</b> {selected.side === 'ask' ? 'buy at the ask' : 'sell at the bid'}
            {selected.intent === 'sell_to_open' ? <span data-testid="ticket-intent"> · <b>sell to open</b> (covered call)</span> : null}
          </div>
          {row?.expired ? (
            <div className="ticket-line" data-testid="ticket-expired">
              <span className="expired-tag">expired</span> settled at <b className="num">{formatPrice(row.settlement)}</b>
              <span className="muted"> — it can no longer be traded.</span>
            </div>
          ) : (
          <div className="ticket-line ticket-price">
            <label>
              <span className="muted">Limit</span>{' '}
              <input
                data-testid="ticket-price"
                className={ticket.price == null ? 'bad' : ''}
                value={ticket.text}
                inputMode="decimal"
                aria-label="Limit price"
                onChange={(e) => ticket.edit(e.target.value)}
              />
            </label>
            {ticket.edited ? (
              <button className="ticket-follow" onClick={ticket.follow} title={`Follow the live ${selected.side} again`}>
                ↺ {selected.side}
              </button>
            ) : (
              <span className="muted" title={`Follows the live ${selected.side} until you type a price`}>
                live {selected.side}
              </span>
            )}
          </div>
          )}
          {ticket.price != null && !row?.expired ? <BreakEven strike={c.strike} right={c.right} premium={ticket.price} underlying={c.underlying} /> : null}
          <TicketGrade selected={selected} clock={clock} />
          {row ? (
            <div className="ticket-quote">
              <span>
                bid <b>{formatPrice(row.bid)}</b>
              </span>
              <span>
                ask <b>{formatPrice(row.ask)}</b>
              </span>
              <span>
                {row.underlying} <b data-testid="ticket-underlying">{formatPrice(underlyingLast ?? row.underlyingPrice)}</b>
              </span>
            </div>
          ) : null}
          <p className="muted ticket-note">Order entry with take-profit and stop arrives with the next release.</p>
        </div>
      )}
    </section>
  );
}

function BreakEven({ strike, right, premium, underlying }: { strike: number; right: 'call' | 'put'; premium: number; underlying: string }) {
  const be = right === 'call' ? strike + premium : strike - premium;
  return (
    <div className="ticket-line" data-testid="break-even" title="Break-even at expiration, before fees">
      <span className="muted">Break-even:</span>{' '}
      {right === 'call' ? 'strike + premium' : 'strike − premium'} ={' '}
      <b className="num">{formatPrice(be)}</b>
      <span className="muted">
        {' '}
        — {right === 'call' ? `what ${underlying} must reach` : `where ${underlying} must fall to`} ({formatStrike(strike)} {right === 'call' ? '+' : '−'} {formatPrice(premium)})
      </span>
    </div>
  );
}
