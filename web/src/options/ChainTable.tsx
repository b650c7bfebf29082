/**
 * The chain's table: calls | strike | puts, one row per strike, with the underlying's price
 * drawn as a marker row between strikes and in-the-money cells shaded. Bid and ask cells are
 * the clickable ones: a click (or Enter) selects that contract at that side.
 */
import { memo, useLayoutEffect, useMemo, useRef, type RefObject } from 'react';
import type { WireOptionRow } from '../../../src/wire/options-protocol.js';
import { formatPrice, formatVolume } from '../format.js';
import { ColumnHead, type ColumnId } from './chainColumns.js';
import { STALE_QUOTE_MS, formatAge, formatStrike, type SelectedContract } from './contract.js';
import { useFlash } from './flash.js';
import { quoteAge } from './quoteDisplay.js';
import type { ChainView } from './useChainStream.js';

export interface StrikeRow {
  strike: number;
  call?: WireOptionRow;
  put?: WireOptionRow;
}

/** The view's contracts as strike rows, lowest strike first. */
export function useStrikeRows(view: ChainView | null): StrikeRow[] {
  return useMemo<StrikeRow[]>(() => {
    if (!view) return [];
    const by = new Map<number, StrikeRow>();
    for (const r of view.rows.values()) {
      let s = by.get(r.strike);
      if (!s) by.set(r.strike, (s = { strike: r.strike }));
      s[r.right] = r;
    }
    return [...by.values()].sort((a, b) => a.strike - b.strike);
  }, [view]);
}

/** Centre the table on the money once per opened expiration, not on every delta (the trader may have scrolled). */
export function useCentreOnSpot(scrollRef: RefObject<HTMLDivElement | null>, viewKey: string | null, rowCount: number): void {
  const centredFor = useRef<string | null>(null);
  useLayoutEffect(() => {
    if (!viewKey || centredFor.current === viewKey || !scrollRef.current) return;
    const box = scrollRef.current;
    const marker = box.querySelector<HTMLElement>('.spot-row') ?? box.querySelector<HTMLElement>('tbody tr:last-child');
    if (!marker) return;
    centredFor.current = viewKey;
    const head = box.querySelector('thead')?.getBoundingClientRect().height ?? 0;
    box.scrollTop = Math.max(0, marker.offsetTop - head - (box.clientHeight - head) / 2);
  }, [viewKey, rowCount]); // eslint-disable-line react-hooks/exhaustive-deps
}

export interface ChainTableProps {
  scrollRef: RefObject<HTMLDivElement | null>;
  symbol: string;
  strikes: StrikeRow[];
  at: number;
  /** The underlying's price (the marker row and the in-the-money shading follow it). */
  spot: number;
  /** Index of the first strike at or above the spot (-1: all below, the marker goes last). */
  spotIndex: number;
  callCols: ColumnId[];
  putCols: ColumnId[];
  selected: SelectedContract | null;
  inMatrix: ReadonlySet<string>;
  onSelect(sel: SelectedContract): void;
}

export function ChainTable(p: ChainTableProps) {
  const { callCols, putCols } = p;
  const colCount = callCols.length + putCols.length + 1;
  return (
    <div className="chain-scroll" ref={p.scrollRef}>
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
          {p.strikes.map((s, i) => (
            <ChainRowGroup
              key={s.strike}
              row={s}
              at={p.at}
              spot={p.spot}
              marker={i === p.spotIndex ? `${p.symbol} ${formatPrice(p.spot)}` : null}
              colCount={colCount}
              callCols={callCols}
              putCols={putCols}
              selected={p.selected}
              inMatrix={p.inMatrix}
              onSelect={p.onSelect}
            />
          ))}
          {p.spotIndex === -1 ? <SpotRow text={`${p.symbol} ${formatPrice(p.spot)}`} colCount={colCount} /> : null}
        </tbody>
      </table>
    </div>
  );
}

function ivText(row: WireOptionRow): string {
  return row.iv == null ? '—' : `${(row.iv * 100).toFixed(1)}%`;
}

const IV_REASON: Record<string, string> = {
  no_bid: 'no bid', no_ask: 'no ask', no_quote: 'no quote', crossed: 'crossed quote',
  below_intrinsic: 'mid below intrinsic value', above_upper_bound: 'mid above the no-arbitrage bound', expired: 'expired',
  no_convergence: 'solver did not converge', invalid_input: 'invalid input',
};

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
