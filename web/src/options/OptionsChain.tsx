/**
 * Options chain of the chart's symbol: expiration tabs, then calls | strike | puts with the
 * underlying's price drawn as a marker row between strikes. Clicking a bid or ask selects
 * that contract (App adds it to the quote matrix and hands it to the order ticket).
 *
 * Data: expirations by REST (refreshed as the replay clock moves, so an expired 0-DTE tab
 * disappears), rows by the chain stream (useChainStream). Root data-* attributes mirror
 * what is drawn so the browser test can compare it with GET /api/options/chain.
 */
import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { ExpirationsResponse, QuoteSource, WireExpiration, WireOptionRow } from '../../../src/hub/options-protocol.js';
import { api } from '../api.js';
import { sentence } from '../messages.js';
import { formatPrice, formatVolume } from '../format.js';
import {
  STALE_QUOTE_MS,
  SOURCE_LABEL,
  SOURCE_TITLE,
  formatAge,
  formatExpiryShort,
  formatStrike,
  type SelectedContract,
} from './contract.js';
import { useFlash } from './flash.js';
import { useChainStream } from './useChainStream.js';
import type { Quotes } from '../quotes/useQuotes.js';

type ColumnId = 'bid' | 'ask' | 'last' | 'volume' | 'oi' | 'iv' | 'delta';

interface ColumnDef {
  id: ColumnId;
  label: string;
  /** Name in the column picker. */
  name: string;
  title: string;
  /** Bid and ask are how a contract is picked, so they cannot be hidden. */
  fixed?: boolean;
}

const COLUMNS: ColumnDef[] = [
  { id: 'bid', name: 'Bid', label: 'Bid', title: 'Best bid — click to select the contract at the bid', fixed: true },
  { id: 'ask', name: 'Ask', label: 'Ask', title: 'Best ask — click to select the contract at the ask', fixed: true },
  { id: 'last', name: 'Last', label: 'Last', title: 'Last trade price' },
  { id: 'volume', name: 'Volume', label: 'Vol', title: "Today's volume (contracts)" },
  { id: 'oi', name: 'Open interest', label: 'OI', title: 'Open interest (contracts)' },
  { id: 'iv', name: 'Implied volatility (IV)', label: 'IV', title: 'Implied volatility from the mid (Black-Scholes)' },
  { id: 'delta', name: 'Delta', label: 'Δ', title: 'Delta' },
];
const EXTRA_ORDER: ColumnId[] = ['last', 'volume', 'oi', 'iv', 'delta'];
/** When the panel is too narrow for every picked column, these stay longest (puts must stay in view). */
const FIT_PRIORITY: ColumnId[] = ['delta', 'iv', 'last', 'volume', 'oi'];
const COLUMNS_KEY = 'optdesk.chain.columns';
// The right column is 440 px on a wide screen and 360 px on a laptop: IV + delta fit only
// on the former without a horizontal scrollbar.
const defaultExtras = (): ColumnId[] => (window.innerWidth >= 1500 ? ['iv', 'delta'] : ['delta']);

function loadExtras(): ColumnId[] {
  try {
    const raw = JSON.parse(localStorage.getItem(COLUMNS_KEY) ?? 'null') as unknown;
    if (Array.isArray(raw)) return EXTRA_ORDER.filter((c) => raw.includes(c));
  } catch {
    // unreadable preference: fall back to the default
  }
  return defaultExtras();
}

function nyClock(ms: number): string {
  return new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(ms);
}

function ivText(row: WireOptionRow): string {
  return row.iv == null ? '—' : `${(row.iv * 100).toFixed(1)}%`;
}

const IV_REASON: Record<string, string> = {
  no_bid: 'no bid', no_ask: 'no ask', no_quote: 'no quote', crossed: 'crossed quote',
  below_intrinsic: 'mid below intrinsic value', above_upper_bound: 'mid above the no-arbitrage bound', expired: 'expired',
  no_convergence: 'solver did not converge', invalid_input: 'invalid input',
};

interface StrikeRow {
  strike: number;
  call?: WireOptionRow;
  put?: WireOptionRow;
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
  // Expirations are only good for the (symbol, session, resync) they were asked for: after a
  // session change or a replay jump none is streamed until the new list has arrived, so no
  // request ever names an expiration the new timeline does not have.
  const timeline = `${p.symbol}|${p.session ?? ''}|${p.resyncToken}`;
  const [exps, setExps] = useState<{ list: ExpirationsResponse; timeline: string } | null>(null);
  const [expError, setExpError] = useState<string | null>(null);
  const [expiration, setExpiration] = useState<string | null>(null);
  // Why the shown expiration changed by itself (the one picked has closed).
  const [switchNote, setSwitchNote] = useState<string | null>(null);
  // Bumped when the chain stream ends (e.g. the 0-DTE closed): ask for the open expirations again.
  const [refetch, setRefetch] = useState(0);
  const [extras, setExtras] = useState<ColumnId[]>(loadExtras);
  // The expiration a trader picked, per symbol, survives symbol switches within the page.
  const chosen = useRef(new Map<string, string>());
  // Refetch every 5 replay minutes: enough to drop an expiration at its close without polling per tick.
  const clockBucket = p.clock == null ? 0 : Math.floor(p.clock / 300_000);

  const dataOk = p.symbolData?.ok === true;
  const dataMessage = p.symbolData && !p.symbolData.ok ? p.symbolData.message : null;
  const sessionRef = useRef(p.session);
  useEffect(() => {
    let cancelled = false;
    setExpError(null);
    if (!dataOk) {
      setExps(null);
      return;
    }
    const sameSession = sessionRef.current === p.session;
    sessionRef.current = p.session;
    api.optionExpirations(p.symbol).then(
      (r) => {
        if (cancelled) return;
        setExps({ list: r, timeline });
        setExpiration((cur) => {
          const want = chosen.current.get(p.symbol) ?? cur;
          if (r.expirations.some((e) => e.expiration === want)) return want;
          const next = r.expirations[0]?.expiration ?? null;
          // Within a session an expiration only disappears by expiring: say so.
          if (want && sameSession && next && want < next) {
            setSwitchNote(`The ${formatExpiryShort(want)} expiration has expired — showing ${formatExpiryShort(next)}.`);
          }
          chosen.current.delete(p.symbol);
          return next;
        });
      },
      (e: Error) => {
        if (cancelled) return;
        setExps(null);
        setExpiration(null);
        setExpError(sentence(e.message));
      },
    );
    return () => {
      cancelled = true;
    };
  }, [p.symbol, p.session, p.resyncToken, clockBucket, dataOk, refetch, timeline]);

  useEffect(() => setSwitchNote(null), [p.symbol, p.session]);

  // Tabs of another symbol or an earlier timeline are never shown nor streamed.
  const expsForSymbol = exps && exps.timeline === timeline && exps.list.underlying === p.symbol ? exps.list : null;
  const activeExp = expsForSymbol && expiration && expsForSymbol.expirations.some((e) => e.expiration === expiration) ? expiration : null;
  const { view, error } = useChainStream(expsForSymbol ? p.symbol : null, activeExp, p.resyncToken);
  // The stream ended (its expiration closed): look up what is open now.
  useEffect(() => {
    if (error && view) setRefetch((n) => n + 1);
  }, [error]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    localStorage.setItem(COLUMNS_KEY, JSON.stringify(extras));
  }, [extras]);

  const strikes = useMemo<StrikeRow[]>(() => {
    if (!view) return [];
    const by = new Map<number, StrikeRow>();
    for (const r of view.rows.values()) {
      let s = by.get(r.strike);
      if (!s) by.set(r.strike, (s = { strike: r.strike }));
      s[r.right] = r;
    }
    return [...by.values()].sort((a, b) => a.strike - b.strike);
  }, [view]);

  // The chain's rows are priced at its own snapshot of the underlying, but the marker and the
  // ITM shading follow the quotes stream, the one price every panel shows.
  const spot = view ? (p.quotes.get(p.symbol)?.last ?? view.underlyingPrice) : null;
  const spotIndex = spot == null ? -1 : strikes.findIndex((s) => s.strike >= spot);

  // Centre on the money once per opened expiration, not on every delta (the trader may have scrolled).
  const scrollRef = useRef<HTMLDivElement>(null);
  const centredFor = useRef<string | null>(null);
  const viewKey = view ? `${view.underlying}|${view.expiration}` : null;
  useLayoutEffect(() => {
    if (!viewKey || centredFor.current === viewKey || !scrollRef.current) return;
    const box = scrollRef.current;
    const marker = box.querySelector<HTMLElement>('.spot-row') ?? box.querySelector<HTMLElement>('tbody tr:last-child');
    if (!marker) return;
    centredFor.current = viewKey;
    const head = box.querySelector('thead')?.getBoundingClientRect().height ?? 0;
    box.scrollTop = Math.max(0, marker.offsetTop - head - (box.clientHeight - head) / 2);
  }, [viewKey, strikes.length]);

  // Mirrored around the strike, bid/ask nearest to it on both sides (the usual chain layout).
  // Memoised so the memo'd strike rows only re-render when their own data changes.
  // The picked columns that fit the panel's width: both sides must stay in view (a chain whose
  // puts scroll off to the right hides half the market). Measured after each render: while
  // the table overflows, the lowest-priority column goes; a resize measures again.
  const [fit, setFit] = useState(extras.length);
  const shownExtras = useMemo(() => {
    const kept = new Set(FIT_PRIORITY.filter((c) => extras.includes(c)).slice(0, fit));
    return EXTRA_ORDER.filter((c) => kept.has(c));
  }, [extras, fit]);
  const hiddenExtras = extras.filter((c) => !shownExtras.includes(c));
  useEffect(() => setFit(extras.length), [extras]);
  const sectionRef = useRef<HTMLElement>(null);
  useEffect(() => {
    const el = sectionRef.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    let width = el.clientWidth;
    const ro = new ResizeObserver(() => {
      if (el.clientWidth === width) return;
      width = el.clientWidth;
      setFit(extras.length);
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [extras.length]);
  useLayoutEffect(() => {
    const box = scrollRef.current;
    if (box && fit > 0 && box.scrollWidth > box.clientWidth + 1) setFit(Math.min(fit, shownExtras.length) - 1);
  });
  const callCols = useMemo(() => [...[...shownExtras].reverse(), 'bid', 'ask'] as ColumnId[], [shownExtras]);
  const putCols = useMemo(() => ['bid', 'ask', ...shownExtras] as ColumnId[], [shownExtras]);
  const colCount = callCols.length + putCols.length + 1;

  const pickExpiration = (e: string) => {
    chosen.current.set(p.symbol, e);
    setSwitchNote(null);
    setExpiration(e);
  };

  let body: React.ReactNode;
  if (dataMessage) body = <EmptyState title={`${dataMessage}.`.replace(/\.\.$/, '.')} hint="Options are priced from the underlying: pick a symbol with data in this session." />;
  else if (expError) body = <EmptyState title={expError} hint="Pick another symbol, or a replay session with recorded option quotes." />;
  else if (!expsForSymbol) body = <EmptyState title={`Loading ${p.symbol} expirations…`} />;
  else if (expsForSymbol.expirations.length === 0) body = <EmptyState title={`No open expirations for ${p.symbol} at this time.`} hint="Every listed expiration has closed for the day." />;
  else if (error && !view) body = <EmptyState title={error} />;
  else if (!view) body = <EmptyState title={`Loading the ${formatExpiryShort(activeExp ?? '')} chain…`} />;
  else if (strikes.length === 0) body = <EmptyState title={`No ${p.symbol} contracts listed for ${formatExpiryShort(view.expiration)}.`} />;
  else {
    body = (
      <div className="chain-scroll" ref={scrollRef}>
        <table className="chain-table">
          <thead>
            <tr className="chain-sides">
              <th colSpan={callCols.length} className="side-calls">Calls</th>
              <th className="strike-col" />
              <th colSpan={putCols.length} className="side-puts">Puts</th>
            </tr>
            <tr>
              {callCols.map((c) => <ColumnHead key={`c-${c}`} id={c} />)}
              <th className="strike-col" title="Strike price">Strike</th>
              {putCols.map((c) => <ColumnHead key={`p-${c}`} id={c} />)}
            </tr>
          </thead>
          <tbody>
            {strikes.map((s, i) => (
              <ChainRowGroup
                key={s.strike}
                row={s}
                at={view.at}
                spot={spot!}
                marker={i === spotIndex ? `${p.symbol} ${formatPrice(spot)}` : null}
                colCount={colCount}
                callCols={callCols}
                putCols={putCols}
                selected={p.selected}
                inMatrix={p.inMatrix}
                onSelect={p.onSelect}
              />
            ))}
            {spotIndex === -1 ? <SpotRow text={`${p.symbol} ${formatPrice(spot)}`} colCount={colCount} /> : null}
          </tbody>
        </table>
      </div>
    );
  }

  const source: QuoteSource | null = view?.source ?? expsForSymbol?.source ?? null;
  return (
    <section
      ref={sectionRef}
      className="panel side-panel chain"
      data-testid="options-chain"
      data-columns={shownExtras.join(',')}
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
          <ColumnPicker extras={extras} hidden={hiddenExtras} onChange={setExtras} />
        </span>
      </div>
      {expsForSymbol && expsForSymbol.expirations.length > 0 ? (
        <ExpirationTabs expirations={expsForSymbol.expirations} active={activeExp} onPick={pickExpiration} />
      ) : null}
      {body}
      {switchNote ? <div className="chain-note" role="status" data-testid="chain-switch-note">{switchNote}</div> : null}
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

function ColumnHead({ id }: { id: ColumnId }) {
  const def = COLUMNS.find((c) => c.id === id)!;
  return <th title={def.title}>{def.label}</th>;
}

export function SourceBadge({ source }: { source: QuoteSource }) {
  return (
    <span className={`source-badge source-${source}`} title={SOURCE_TITLE[source]} data-testid="chain-source">
      {SOURCE_LABEL[source]}
    </span>
  );
}

function ExpirationTabs({ expirations, active, onPick }: { expirations: WireExpiration[]; active: string | null; onPick(e: string): void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector<HTMLElement>('[aria-selected="true"]')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [active]);
  return (
    <div
      className="exp-tabs"
      role="tablist"
      aria-label="Expirations"
      ref={ref}
      // A vertical wheel scrolls the tab strip sideways: most mice have no horizontal wheel.
      onWheel={(e) => {
        if (ref.current && Math.abs(e.deltaY) > Math.abs(e.deltaX)) ref.current.scrollLeft += e.deltaY;
      }}
    >
      {expirations.map((e) => (
        <button
          key={e.expiration}
          role="tab"
          aria-selected={e.expiration === active}
          className={`exp-tab${e.expiration === active ? ' active' : ''}${e.dte === 0 ? ' zero-dte' : ''}`}
          data-testid={`exp-${e.expiration}`}
          title={`${e.expiration}: ${e.contracts} contracts, ATM ${formatStrike(e.atmStrike)}`}
          onClick={() => onPick(e.expiration)}
        >
          {formatExpiryShort(e.expiration)} · {e.dte}d
        </button>
      ))}
    </div>
  );
}

function ColumnPicker({ extras, hidden, onChange }: { extras: ColumnId[]; hidden: ColumnId[]; onChange(c: ColumnId[]): void }) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (!ref.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [open]);
  return (
    <div className="col-picker" ref={ref}>
      <button
        className="col-picker-btn"
        aria-expanded={open}
        onClick={() => setOpen((v) => !v)}
        title={hidden.length ? `Choose the chain's columns (${hidden.length} picked column${hidden.length === 1 ? '' : 's'} hidden: no room in this window)` : "Choose the chain's columns"}
        data-testid="chain-columns"
      >
        Columns{hidden.length ? ` (${hidden.length} hidden)` : ''} ▾
      </button>
      {open ? (
        <div className="col-picker-menu" role="menu">
          {COLUMNS.map((c) => (
            <label key={c.id} className={c.fixed ? 'fixed' : ''}>
              <input
                type="checkbox"
                checked={c.fixed || extras.includes(c.id)}
                disabled={c.fixed}
                onChange={(e) => onChange(EXTRA_ORDER.filter((id) => (id === c.id ? e.target.checked : extras.includes(id))))}
              />
              {c.name}
              {hidden.includes(c.id) ? <span className="muted"> — no room</span> : null}
            </label>
          ))}
        </div>
      ) : null}
    </div>
  );
}

function SpotRow({ text, colCount }: { text: string; colCount: number }) {
  return (
    <tr className="spot-row" data-testid="chain-spot">
      <td colSpan={colCount}>
        <span>{text}</span>
      </td>
    </tr>
  );
}

interface RowGroupProps {
  row: StrikeRow;
  at: number;
  spot: number;
  marker: string | null;
  colCount: number;
  callCols: ColumnId[];
  putCols: ColumnId[];
  selected: SelectedContract | null;
  inMatrix: ReadonlySet<string>;
  onSelect(sel: SelectedContract): void;
}

const ChainRowGroup = memo(function ChainRowGroup(p: RowGroupProps) {
  const { row, spot } = p;
  return (
    <>
      {p.marker ? <SpotRow text={p.marker} colCount={p.colCount} /> : null}
      <tr data-testid={`chain-row-${formatStrike(row.strike)}`} className={row.strike === spot ? 'at-spot' : undefined}>
        {p.callCols.map((c) => (
          <OptionCell key={`c-${c}`} col={c} row={row.call} at={p.at} itm={row.strike < spot} side="call" selected={p.selected} inMatrix={p.inMatrix} onSelect={p.onSelect} />
        ))}
        <td className="strike-col">{formatStrike(row.strike)}</td>
        {p.putCols.map((c) => (
          <OptionCell key={`p-${c}`} col={c} row={row.put} at={p.at} itm={row.strike > spot} side="put" selected={p.selected} inMatrix={p.inMatrix} onSelect={p.onSelect} />
        ))}
      </tr>
    </>
  );
});

interface CellProps {
  col: ColumnId;
  at: number;
  row: WireOptionRow | undefined;
  itm: boolean;
  side: 'call' | 'put';
  selected: SelectedContract | null;
  inMatrix: ReadonlySet<string>;
  onSelect(sel: SelectedContract): void;
}

function cellValue(col: ColumnId, r: WireOptionRow | undefined): number | null {
  if (!r) return null;
  switch (col) {
    case 'bid': return r.bid;
    case 'ask': return r.ask;
    case 'last': return r.last;
    case 'volume': return r.volume;
    case 'oi': return r.openInterest;
    case 'iv': return r.iv;
    case 'delta': return r.delta;
  }
}

/**
 * Age of a row's quote at the view's instant. Deltas carry a row only when its numbers
 * change, so a row's own quoteAgeMs ages with it; quoteTs (when sent) gives the true age.
 */
export function quoteAge(r: { quoteTs?: number | null; quoteAgeMs: number | null }, at: number): number | null {
  return r.quoteTs != null ? Math.max(0, at - r.quoteTs) : r.quoteAgeMs;
}

function OptionCell({ col, row: r, at, itm, side, selected, inMatrix, onSelect }: CellProps) {
  const value = cellValue(col, r);
  const flash = useFlash(value);
  const age = r ? quoteAge(r, at) : null;
  const stale = age != null && age > STALE_QUOTE_MS;
  let cls = `num ${side}${itm ? ' itm' : ''}${stale ? ' stale' : ''}${flash}`;
  let text: string;
  const titles: string[] = [];
  switch (col) {
    case 'bid':
    case 'ask':
      text = formatPrice(value);
      break;
    case 'last':
      text = formatPrice(value);
      break;
    case 'volume':
    case 'oi':
      text = formatVolume(value);
      break;
    case 'iv':
      text = r ? ivText(r) : '—';
      if (r && r.iv == null && r.ivReason) titles.push(`No IV: ${IV_REASON[r.ivReason] ?? r.ivReason}`);
      break;
    case 'delta':
      text = value == null ? '—' : value.toFixed(2);
      break;
  }
  if (!r) return <td className={`${cls} none`} />;
  if (stale) titles.push(`Quote ${formatAge(age)} old`);

  if (col !== 'bid' && col !== 'ask') return <td className={cls} title={titles.join('\n') || undefined}>{text}</td>;

  // Bid / ask: the clickable cells.
  if (r.crossed) {
    cls += ' crossed';
    titles.unshift(`Crossed quote: bid ${formatPrice(r.bid)} > ask ${formatPrice(r.ask)} — bad or stale data`);
  } else if (r.locked) {
    cls += ' locked';
    titles.unshift(`Locked quote: bid = ask = ${formatPrice(r.bid)}`);
  }
  const isSelected = selected?.ticker === r.ticker && selected.side === col;
  if (isSelected) cls += ' selected';
  if (inMatrix.has(r.ticker)) cls += ' in-matrix';
  const price = value;
  if (price == null) titles.unshift(`No ${col} quoted`);
  else titles.push(`Click to select ${col === 'ask' ? 'buying at the ask' : 'selling at the bid'}`);
  const pick = () => {
    if (price != null) onSelect({ ticker: r.ticker, side: col, price });
  };
  return (
    <td
      className={`${cls} pick${price == null ? ' empty' : ''}`}
      data-testid={`${col}-${r.ticker}`}
      title={titles.join('\n')}
      role={price == null ? undefined : 'button'}
      tabIndex={price == null ? undefined : 0}
      aria-pressed={price == null ? undefined : isSelected}
      onClick={pick}
      onKeyDown={(e) => {
        if (e.key === 'Enter') pick();
      }}
    >
      {text}
    </td>
  );
}
