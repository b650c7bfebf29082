/**
 * Right column: the options chain of the chart's symbol, the covered-call screener, and the
 * one order ticket (trading/OrderTicket.tsx) that a click in either fills.
 */
import type { WireMatrixRow } from '../../../src/wire/options-protocol.js';
import { parseOccTicker } from '../../../src/core/occ.js';
import { OptionsChain, type OptionsChainProps } from '../options/OptionsChain.js';
import { CoveredCallsPanel } from '../screener/CoveredCallsPanel.js';
import { OrderTicket } from '../trading/OrderTicket.js';
import type { WirePosition } from '../trading/tradingApi.js';
import type { StockDraft } from '../trading/StockTicket.js';

export interface SidePanelsProps extends OptionsChainProps {
  /** Live row of the selected contract (from the quote matrix), when known. */
  selectedRow: WireMatrixRow | undefined;
  /** The trading account orders go to, and its open positions. */
  account: string | undefined;
  positions: readonly WirePosition[];
  /** A strategy signal's order for the ticket's shares side (null until a card's button fills it). */
  stockDraft?: StockDraft | null;
}

export function SidePanels(p: SidePanelsProps) {
  return (
    <aside className="side">
      <OptionsChain {...p} />
      <CoveredCallsPanel symbol={p.symbol} clock={p.clock} selected={p.selected} onSelect={p.onSelect} />
      <OrderTicket
        selected={p.selected}
        row={p.selectedRow}
        clock={p.clock}
        underlyingLast={p.selected ? (p.quotes.get(parseOccTicker(p.selected.ticker)?.underlying ?? '')?.last ?? null) : null}
        account={p.account}
        position={p.selected ? p.positions.find((x) => x.symbol === p.selected!.ticker && (!p.account || x.account === p.account)) : undefined}
        shares={{ chartSymbol: p.symbol, last: p.quotes.get(p.symbol)?.last ?? null, draft: p.stockDraft ?? null }}
      />
    </aside>
  );
}
