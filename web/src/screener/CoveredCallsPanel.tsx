/**
 * 0-DTE covered-call screener beside the options chain: the screen of the charted symbol's
 * chain at the current clock (default: today's expiration), refreshed every clock minute.
 * Clicking a row fills the order ticket with that call, sell to open at the bid.
 */
import { useEffect, useState } from 'react';
import { api } from '../api.js';
import { formatPrice } from '../format.js';
import { formatStrike, type SelectedContract } from '../options/contract.js';
import { scannerApi, type CoveredCallsResponse } from '../scanner/scannerApi.js';
import { PickTable, type PickColumn } from '../components/PickTable.js';

export interface CoveredCallsPanelProps {
  symbol: string;
  clock: number | null;
  selected: SelectedContract | null;
  onSelect(sel: SelectedContract): void;
}

const pct = (v: number, d = 2) => `${(v * 100).toFixed(d)}%`;

const CC_COLUMNS: PickColumn<CoveredCallsResponse['rows'][number]>[] = [
  { head: 'Strike', className: 'num', cell: (r) => formatStrike(r.strike) },
  { head: 'Bid', className: 'num', cell: (r) => formatPrice(r.bid) },
  { head: 'Mid', className: 'num', cell: (r) => formatPrice(r.mid) },
  { head: 'Δ', className: 'num', cell: (r) => r.delta.toFixed(2) },
  { head: 'Yield', title: 'mid ÷ spot', className: 'num', cell: (r) => pct(r.premiumYield, 3) },
  { head: 'POP', title: 'Probability of profit: N(d2) at the break-even', className: 'num', cell: (r) => pct(r.pop, 0) },
  { head: 'Max', title: '(strike − spot) + mid, per share', className: 'num', cell: (r) => formatPrice(r.maxProfit) },
];

export function CoveredCallsPanel({ symbol, clock, selected, onSelect }: CoveredCallsPanelProps) {
  const [open, setOpen] = useState(false);
  const [expirations, setExpirations] = useState<Array<{ expiration: string; dte: number }>>([]);
  const [expiration, setExpiration] = useState('');
  const [deltaHi, setDeltaHi] = useState('0.35');
  const [maxOtm, setMaxOtm] = useState('3');
  const [rank, setRank] = useState('premium_yield');
  const [res, setRes] = useState<CoveredCallsResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const minute = clock === null ? null : Math.floor(clock / 60_000);

  useEffect(() => {
    if (!open) return;
    setExpiration('');
    api.optionExpirations(symbol).then((e) => setExpirations(e.expirations), () => setExpirations([]));
  }, [open, symbol]);

  useEffect(() => {
    if (!open) return;
    let live = true;
    const params: Record<string, string> = { rank, deltaHi, maxOtm: String(Number(maxOtm) / 100) };
    if (expiration) params.expiration = expiration;
    scannerApi.coveredCalls(symbol, params).then(
      (r) => live && (setRes(r), setError(null)),
      (e: Error) => live && (setRes(null), setError(e.message)),
    );
    return () => {
      live = false;
    };
  }, [open, symbol, expiration, deltaHi, maxOtm, rank, minute]);

  return (
    <section className="panel side-panel covered-calls" data-testid="panel-covered-calls" data-open={open} data-rows={res?.rows.length ?? 0}>
      <button type="button" className="panel-title cc-toggle" onClick={() => setOpen((o) => !o)} data-testid="covered-calls-toggle" aria-expanded={open}>
        <span>{open ? '▾' : '▸'} Covered calls {res && open ? `· ${symbol} ${res.dte === 0 ? '0-DTE' : `${res.dte}d`}` : ''}</span>
        {res && open ? <span className={`source-label src-${res.source}`}>{res.source.toUpperCase()}</span> : null}
      </button>
      {open ? (
        <div className="cc-body">
          <div className="cc-controls">
            <select aria-label="Expiration" value={expiration} onChange={(e) => setExpiration(e.target.value)}>
              <option value="">nearest</option>
              {expirations.map((e) => (
                <option key={e.expiration} value={e.expiration}>{e.expiration.slice(5)} ({e.dte}d)</option>
              ))}
            </select>
            <label title="Highest |delta|">Δ≤<input aria-label="Highest delta" value={deltaHi} onChange={(e) => setDeltaHi(e.target.value)} size={4} /></label>
            <label title="Strike at most this % above spot">OTM≤<input aria-label="Max OTM percent" value={maxOtm} onChange={(e) => setMaxOtm(e.target.value)} size={3} />%</label>
            <select aria-label="Rank" value={rank} onChange={(e) => setRank(e.target.value)}>
              <option value="premium_yield">yield</option>
              <option value="max_profit">max profit</option>
              <option value="pop">POP</option>
            </select>
          </div>
          {error ? (
            <p className="muted cc-note">{error}</p>
          ) : !res ? (
            <p className="muted cc-note">Screening…</p>
          ) : res.rows.length === 0 ? (
            <p className="muted cc-note" data-testid="covered-calls-empty">
              No call passes at {formatPrice(res.spot)} ({res.rejected.length} rejected
              {topReasons(res.rejected) ? `: ${topReasons(res.rejected)}` : ''}).
            </p>
          ) : (
            <PickTable
              className="cc-table"
              testId="covered-calls-table"
              columns={CC_COLUMNS}
              rows={res.rows}
              rowKey={(r) => r.ticker}
              rowAttrs={(r) => ({ 'data-testid': 'covered-call-row', 'data-ticker': r.ticker })}
              rowTitle={(r) => `Sell to open ${r.ticker.slice(2)} at the bid ${formatPrice(r.bid)}; break-even ${formatPrice(r.breakeven)}`}
              isSelected={(r) => selected?.ticker === r.ticker}
              onPick={(r) => onSelect({ ticker: r.ticker, side: 'bid', price: r.bid, intent: 'sell_to_open' })}
            />
          )}
          {res ? <p className="muted cc-note">spot {formatPrice(res.spot)} · {res.expiration} · click a row to sell to open</p> : null}
        </div>
      ) : null}
    </section>
  );
}

function topReasons(rejected: CoveredCallsResponse['rejected']): string {
  const counts = new Map<string, number>();
  for (const r of rejected) if (!r.reasons.some((x) => x.startsWith('strike_'))) for (const x of r.reasons) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, n]) => `${n} ${k.replace(/_/g, ' ')}`).join(', ');
}
