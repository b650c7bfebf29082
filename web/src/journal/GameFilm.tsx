/**
 * Game film: a day (or one trade) of the journal played back on the desk. The replay jumps
 * to the session and to the trade's entry minute and plays (the same POST /api/replay the
 * replay bar sends); the chart shows the trade's underlying with the trader's entries and
 * exits as markers (the ChartView `fills` prop, merged with the live fills by id); the
 * traded contracts are added to the quote matrix. Previous / next jump trade to trade.
 */
import { useEffect, useState } from 'react';
import type { ReplayControl } from '../api.js';
import type { ChartFill } from '../chart/fillMarkers.js';
import { sentence } from '../messages.js';
import { shortContract } from '../options/contract.js';
import { parseOccTicker } from '../../../src/core/occ.js';
import type { WireJournalTrade } from './journalApi.js';

export interface Film {
  /** The New York session played. */
  date: string;
  /** Its trades in entry order (may be empty: the day plays from the open). */
  trades: WireJournalTrade[];
  index: number;
}

/** A film of `trades` (sorted by entry) starting at `startId`'s trade, or the first. */
export function filmOf(date: string, trades: readonly WireJournalTrade[], startId?: string): Film {
  const sorted = [...trades].sort((a, b) => Date.parse(a.entryTime) - Date.parse(b.entryTime));
  return { date, trades: sorted, index: Math.max(0, sorted.findIndex((t) => t.id === startId)) };
}

/** Every fill of the film's trades as chart fills. */
export function filmFills(film: Film | null): ChartFill[] {
  if (!film) return [];
  return film.trades.flatMap((t) => t.fills.map((f) => ({ id: f.id, symbol: f.symbol, side: f.side, qty: f.qty, price: f.price, time: Date.parse(f.time), role: 'journal' })));
}

/** The live fills plus the film's (a fill in both is drawn once). */
export function withFilmFills(live: readonly ChartFill[], film: Film | null): readonly ChartFill[] {
  const extra = filmFills(film);
  if (!extra.length) return live;
  const ids = new Set(live.map((f) => f.id));
  return [...live, ...extra.filter((f) => !ids.has(f.id))].sort((a, b) => a.time - b.time || a.id.localeCompare(b.id));
}

const usd = (v: number): string => `${v < 0 ? '-' : '+'}$${Math.abs(v).toFixed(2)}`;

export interface GameFilmBarProps {
  film: Film;
  onIndex(index: number): void;
  onClose(): void;
  onControl(c: ReplayControl): Promise<void>;
  onSymbol(symbol: string): void;
  /** Adds the traded contracts to the quote matrix. */
  onContracts(tickers: string[]): void;
}

export function GameFilmBar({ film, onIndex, onClose, onControl, onSymbol, onContracts }: GameFilmBarProps) {
  const [error, setError] = useState<string | null>(null);
  const trade = film.trades[film.index] ?? null;

  useEffect(() => {
    setError(null);
    if (trade) {
      onSymbol(trade.underlying);
      const contracts = [...new Set(trade.legs.map((l) => l.symbol).filter((s) => parseOccTicker(s)))];
      if (contracts.length) onContracts(contracts);
    }
    // The wire times carry the New York offset: characters 11–15 are the wall-clock minute.
    const time = trade ? trade.entryTime.slice(11, 16) : '09:30';
    onControl({ session: film.date, time, state: 'play' }).catch((e: Error) => setError(sentence(e.message)));
  }, [film]); // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <div className="gamefilm" data-testid="game-film" data-trade={trade?.id ?? ''}>
      <b>Game film</b>
      <span className="mono">{film.date}</span>
      {trade ? (
        <>
          <button type="button" aria-label="previous trade" disabled={film.index === 0} onClick={() => onIndex(film.index - 1)}>◀ Prev</button>
          <span>trade {film.index + 1} of {film.trades.length}</span>
          <button type="button" aria-label="next trade" disabled={film.index >= film.trades.length - 1} onClick={() => onIndex(film.index + 1)}>Next ▶</button>
          <span className="gf-info">
          <span className="mono" title={trade.symbol}>{parseOccTicker(trade.symbol) ? shortContract(trade.symbol) : trade.symbol}</span>
          <span className="muted">{trade.entryTime.slice(11, 16)} → {trade.exitTime ? trade.exitTime.slice(11, 16) : 'open'}</span>
          {trade.status !== 'open' ? <span className={trade.pnl >= 0 ? 'up' : 'down'}>{usd(trade.pnl)}</span> : null}
          {trade.r !== null ? <span>{trade.r.toFixed(2)}R</span> : null}
          {trade.grade ? <span title="entry checklist grade">grade {trade.grade}</span> : null}
          {trade.ruleBreaks.length ? <span className="jp-break" title={trade.ruleBreaks.map((b) => b.message).join('\n')}>{trade.ruleBreaks.length} rule break{trade.ruleBreaks.length > 1 ? 's' : ''}</span> : null}
          </span>
        </>
      ) : <span className="gf-info muted">no journal trades this day: playing the session from the open</span>}
      {error ? <span className="gf-error down" role="alert" title={error}>{error}</span> : null}
      <button type="button" className="gf-close" onClick={onClose}>Close film</button>
    </div>
  );
}
