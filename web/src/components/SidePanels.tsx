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

export interface SidePanelsProps extends OptionsChainProps {
  /** Live row of the selected contract (from the quote matrix), when known. */
  selectedRow: WireMatrixRow | undefined;
  /** The trading account orders go to, and its open positions. */
  account: string | undefined;
  positions: readonly WirePosition[];
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
      />
    </aside>
  );
}
