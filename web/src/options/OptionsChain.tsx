/**
 * Options chain of the chart's symbol: expiration tabs, then calls | strike | puts with the
 * underlying's price drawn as a marker row between strikes. Clicking a bid or ask selects
 * that contract (App adds it to the quote matrix and hands it to the order ticket).
 *
 * Data: expirations by REST (ExpirationPicker.tsx), rows by the chain stream
 * (useChainStream.ts); columns and their fit in chainColumns.tsx, the table in
 * ChainTable.tsx. This panel composes them with its empty states, notes and footer. Root
 * data-* attributes mirror what is drawn so the browser test can compare it with GET
 * /api/options/chain.
 */
import { useEffect, useRef } from 'react';
import type { QuoteSource } from '../../../src/wire/options-protocol.js';
import { formatStrike, formatExpiryShort, type SelectedContract } from './contract.js';
import { ColumnPicker, useChainColumns } from './chainColumns.js';
import { ChainTable, useCentreOnSpot, useStrikeRows } from './ChainTable.js';
import { ExpirationTabs, useExpirations } from './ExpirationPicker.js';
import { SourceBadge } from './quoteDisplay.js';
import { useChainStream } from './useChainStream.js';
import type { Quotes } from '../quotes/useQuotes.js';

export { SourceBadge, quoteAge } from './quoteDisplay.js';

function nyClock(ms: number): string {
  return new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(ms);
}

export interface OptionsChainProps {
  symbol: string;
  /**
   * Whether the symbol has data in the current session: null = not known yet (wait),
   * else a sentence saying why there is nothing to price options from. Asking for the
   * chain of a symbol without data only yields a 404 (and a console error per switch).
   */
  symbolData: { ok: true } | { ok: false; message: string } | null;
  /** The quotes stream: the spot marker prints the same price as the watchlist and toolbar. */
  quotes: Quotes;
  /** Replay session + clock, to refresh the expirations as time moves. */
  session: string | null;
  clock: number | null;
  resyncToken: number;
  selected: SelectedContract | null;
  inMatrix: ReadonlySet<string>;
  onSelect(sel: SelectedContract): void;
}

export function OptionsChain(p: OptionsChainProps) {
  const dataOk = p.symbolData?.ok === true;
  const dataMessage = p.symbolData && !p.symbolData.ok ? p.symbolData.message : null;
  const exps = useExpirations({ symbol: p.symbol, session: p.session, clock: p.clock, resyncToken: p.resyncToken, dataOk });
  const expsForSymbol = exps.expirations;
  const activeExp = exps.active;
  const { view, error } = useChainStream(expsForSymbol ? p.symbol : null, activeExp, p.resyncToken);
  // The stream ended (its expiration closed): look up what is open now.
  useEffect(() => {
    if (error && view) exps.reload();
  }, [error]); // eslint-disable-line react-hooks/exhaustive-deps

  const strikes = useStrikeRows(view);
  // The chain's rows are priced at its own snapshot of the underlying, but the marker and the
  // ITM shading follow the quotes stream, the one price every panel shows.
  const spot = view ? (p.quotes.get(p.symbol)?.last ?? view.underlyingPrice) : null;
  const spotIndex = spot == null ? -1 : strikes.findIndex((s) => s.strike >= spot);

  const scrollRef = useRef<HTMLDivElement>(null);
  useCentreOnSpot(scrollRef, view ? `${view.underlying}|${view.expiration}` : null, strikes.length);
  const sectionRef = useRef<HTMLElement>(null);
  const columns = useChainColumns(sectionRef, scrollRef);

  let body: React.ReactNode;
  if (dataMessage) body = <EmptyState title={`${dataMessage}.`.replace(/\.\.$/, '.')} hint="Options are priced from the underlying: pick a symbol with data in this session." />;
  else if (exps.error) body = <EmptyState title={exps.error} hint="Pick another symbol, or a replay session with recorded option quotes." />;
  else if (!expsForSymbol) body = <EmptyState title={`Loading ${p.symbol} expirations…`} />;
  else if (expsForSymbol.expirations.length === 0) body = <EmptyState title={`No open expirations for ${p.symbol} at this time.`} hint="Every listed expiration has closed for the day." />;
  else if (error && !view) body = <EmptyState title={error} />;
  else if (!view) body = <EmptyState title={`Loading the ${formatExpiryShort(activeExp ?? '')} chain…`} />;
  else if (strikes.length === 0) body = <EmptyState title={`No ${p.symbol} contracts listed for ${formatExpiryShort(view.expiration)}.`} />;
  else {
    body = (
      <ChainTable
        scrollRef={scrollRef}
        symbol={p.symbol}
        strikes={strikes}
        at={view.at}
        spot={spot!}
        spotIndex={spotIndex}
        callCols={columns.callCols}
        putCols={columns.putCols}
        selected={p.selected}
        inMatrix={p.inMatrix}
        onSelect={p.onSelect}
      />
    );
  }

  const source: QuoteSource | null = view?.source ?? expsForSymbol?.source ?? null;
  return (
    <section
      ref={sectionRef}
      className="panel side-panel chain"
      data-testid="options-chain"
      data-columns={columns.shownExtras.join(',')}
      data-underlying={p.symbol}
      data-expiration={view?.expiration ?? ''}
      data-row-count={view ? strikes.length : undefined}
      data-contract-count={view ? view.rows.size : undefined}
      data-source={source ?? ''}
      data-live={view?.seq != null ? 'true' : undefined}
    >
      <div className="panel-title">
        <span className="chain-title">
          Options chain <span className="chain-symbol">{p.symbol}</span>
        </span>
        <span className="chain-tools">
          {source ? <SourceBadge source={source} /> : null}
          <ColumnPicker extras={columns.extras} hidden={columns.hiddenExtras} onChange={columns.setExtras} />
        </span>
      </div>
      {expsForSymbol && expsForSymbol.expirations.length > 0 ? (
        <ExpirationTabs expirations={expsForSymbol.expirations} active={activeExp} onPick={exps.pick} />
      ) : null}
      {body}
      {exps.switchNote ? <div className="chain-note" role="status" data-testid="chain-switch-note">{exps.switchNote}</div> : null}
      {view?.note ? <div className="chain-note">{view.note}</div> : null}
      {view && error ? (
        <div className="chain-note warn" role="status">
          Live updates stopped: {error}
        </div>
      ) : null}
      {view ? (
        <div className="chain-foot">
          <span>
            {strikes.length} strikes · ATM {view.atmStrike != null ? formatStrike(view.atmStrike) : '—'}
          </span>
          <span title="Replay / market time of these quotes (New York)">as of {nyClock(view.at)} ET</span>
        </div>
      ) : null}
    </section>
  );
}

function EmptyState({ title, hint }: { title: string; hint?: string }) {
  return (
    <div className="empty-state chain-empty" role="status">
      <p>{title}</p>
      {hint ? <p className="muted">{hint}</p> : null}
    </div>
  );
}
