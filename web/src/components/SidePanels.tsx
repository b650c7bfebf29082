/**
 * Right column: the options chain of the chart's symbol, and the order ticket. The ticket
 * only shows the selected contract for now (orders arrive in the next issue); it already
 * states the break-even so the trader sees what the underlying has to do.
 */
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
      <OrderTicket selected={p.selected} row={p.selectedRow} clock={p.clock} />
    </aside>
  );
}

function OrderTicket({ selected, row, clock }: { selected: SelectedContract | null; row: WireMatrixRow | undefined; clock: number | null }) {
  const c = selected ? parseContract(selected.ticker) : null;
  return (
    <section className="panel side-panel ticket" data-testid="panel-order-ticket">
      <div className="panel-title">Order ticket</div>
      {!selected || !c ? (
        <div className="empty-state">
          <p>No contract selected.</p>
          <p className="muted">Click a bid or ask in the options chain to build an order with take-profit and stop (paper account).</p>
        </div>
      ) : (
        <div className="ticket-body" data-testid="selected-contract" data-ticker={selected.ticker} data-side={selected.side} data-price={selected.price}>
          <div className="ticket-line">
            <span className="muted">Selected:</span>{' '}
            <b>{longContract(selected.ticker)}</b> @ <b className="num">{formatPrice(selected.price)}</b> {selected.side}
            {selected.intent === 'sell_to_open' ? <span data-testid="ticket-intent"> · <b>sell to open</b> (covered call)</span> : null}
          </div>
          <BreakEven strike={c.strike} right={c.right} premium={selected.price} underlying={c.underlying} />
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
                {row.underlying} <b>{formatPrice(row.underlyingPrice)}</b>
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
