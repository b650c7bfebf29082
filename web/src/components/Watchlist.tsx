/** Left column: the watchlist. One row per symbol; "no data" rows stay clickable but greyed with the reason. */
import { useState, type FormEvent } from 'react';
import type { WatchlistRow } from '../api.js';
import { direction, formatPct, formatPrice, formatSigned, tickSize } from '../format.js';
import { sentence } from '../messages.js';

export interface WatchlistProps {
  rows: WatchlistRow[];
  selected: string;
  onSelect(symbol: string): void;
  onAdd(symbol: string): Promise<void>;
  onRemove(symbol: string): void;
}

export function Watchlist({ rows, selected, onSelect, onAdd, onRemove }: WatchlistProps) {
  const [input, setInput] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const symbol = input.trim().toUpperCase();
    if (!symbol) return;
    setBusy(true);
    try {
      await onAdd(symbol);
      setInput('');
      setError(null);
    } catch (err) {
      setError(sentence((err as Error).message));
    } finally {
      setBusy(false);
    }
  }

  return (
    <aside className="panel watchlist" aria-label="Watchlist">
      <div className="panel-title">
        <span>Watchlist</span>
        <span className="muted" title="↑/↓ move through the list">↑↓</span>
      </div>
      <form className="watchlist-add" onSubmit={submit}>
        <input
          aria-label="Add symbol"
          placeholder="Add symbol…"
          value={input}
          maxLength={40}
          spellCheck={false}
          onChange={(e) => setInput(e.target.value.toUpperCase())}
        />
        <button type="submit" disabled={busy || !input.trim()} title="Add to watchlist">+</button>
      </form>
      {error ? <div className="form-error" role="alert">{error}</div> : null}
      <ul className="watchlist-rows">
        {rows.length === 0 ? <li className="empty-row">Your watchlist is empty — add a symbol above.</li> : null}
        {rows.map((r) => {
          const dir = direction(r.change);
          return (
            <li
              key={r.symbol}
              data-testid={`watchlist-${r.symbol}`}
              className={`wl-row${r.symbol === selected ? ' selected' : ''}${r.hasData ? '' : ' nodata'}`}
              aria-selected={r.symbol === selected}
              title={r.hasData ? undefined : r.message}
              onClick={() => onSelect(r.symbol)}
            >
              <div className="wl-main">
                <span className="wl-symbol">{r.symbol}</span>
                <span className={`wl-last ${dir}`}>{formatPrice(r.last, tickSize(r.symbol))}</span>
              </div>
              {r.hasData ? (
                <div className={`wl-change ${dir}`}>
                  <span>{formatSigned(r.change)}</span>
                  <span>{formatPct(r.changePct)}</span>
                </div>
              ) : (
                <div className="wl-message">{r.message ?? 'No data in this session'}</div>
              )}
              <button
                className="wl-remove"
                title={`Remove ${r.symbol} from the watchlist`}
                aria-label={`Remove ${r.symbol}`}
                onClick={(e) => {
                  e.stopPropagation();
                  onRemove(r.symbol);
                }}
              >
                ×
              </button>
            </li>
          );
        })}
      </ul>
    </aside>
  );
}
