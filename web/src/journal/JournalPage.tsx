/**
 * The Journal page: the trades built from every account's fills (filters by account, dates,
 * tag, setup), one trade's detail (legs, fills, plan, R, MAE/MFE, rule breaks) with the
 * trader's notes, tags, setup, rating and screenshots, and the statistics per group.
 * Opened from the app bar; Esc or Close returns to the desk.
 */
import { useCallback, useEffect, useState } from 'react';
import { journalApi, type StatsGroup, type TradeQuery, type WireJournalTrade } from './journalApi.js';
import { TradeChart } from './TradeChart.js';
import './journal.css';

const GROUPS = ['setup', 'tag', 'strategy', 'account', 'weekday', 'hour'] as const;

const usd = (v: number | null | undefined): string => (v == null ? '—' : `${v < 0 ? '-' : ''}$${Math.abs(v).toFixed(2)}`);
const cls = (v: number | null | undefined): string => (v == null || v === 0 ? 'flat' : v > 0 ? 'up' : 'down');
const nyTime = (iso: string | null): string => (iso ? iso.slice(0, 16).replace('T', ' ') : '—');
function hold(s: number | null): string {
  if (s == null) return 'open';
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

export function JournalPage({ onClose }: { onClose: () => void }) {
  const [query, setQuery] = useState<TradeQuery>({});
  const [trades, setTrades] = useState<WireJournalTrade[]>([]);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [groupBy, setGroupBy] = useState<(typeof GROUPS)[number]>('setup');
  const [stats, setStats] = useState<StatsGroup[]>([]);
  const [clean, setClean] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(() => {
    Promise.all([journalApi.trades(query), journalApi.stats(groupBy, query, clean)]).then(([t, s]) => {
      setTrades(t);
      setStats(s);
      setError(null);
    }, (e: Error) => setError(e.message));
  }, [query, groupBy, clean]);
  useEffect(reload, [reload]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => { if (e.key === 'Escape') onClose(); };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onClose]);

  const selected = trades.find((t) => t.id === selectedId) ?? null;
  const accounts = [...new Set(trades.map((t) => t.account))];
  const set = (k: keyof TradeQuery) => (e: { target: { value: string } }) => setQuery((q) => ({ ...q, [k]: e.target.value.trim() || undefined }));

  return (
    <div className="journal-page" role="dialog" aria-label="Journal">
      <header className="jp-bar">
        <b>Journal</b>
        <label>Account <select aria-label="account" value={query.account ?? ''} onChange={set('account')}>
          <option value="">all</option>
          {accounts.map((a) => <option key={a} value={a}>{a}</option>)}
        </select></label>
        <label>From <input type="date" aria-label="from" onChange={set('from')} /></label>
        <label>To <input type="date" aria-label="to" onChange={set('to')} /></label>
        <label>Tag <input aria-label="tag filter" placeholder="any" onChange={set('tag')} /></label>
        <label>Setup <input aria-label="setup filter" placeholder="any" onChange={set('setup')} /></label>
        <span className="tb-spacer" />
        <a className="jp-link" href="/api/journal/export?format=csv" download>Export CSV</a>
        <button type="button" className="jp-close" onClick={onClose}>Close</button>
      </header>
      {error ? <div className="jp-error" role="alert">{error}</div> : null}
      <div className="jp-body">
        <section className="jp-list">
          {trades.length === 0 ? (
            <p className="jp-empty">No trades yet. Trades appear here as soon as an order fills (paper or Alpaca) or fills are imported (<code>optdesk journal import</code>).</p>
          ) : (
            <table className="jp-table">
              <thead><tr><th>Entry (NY)</th><th>Account</th><th>Symbol</th><th>Side</th><th>Qty</th><th>P&amp;L</th><th>R</th><th>MAE</th><th>MFE</th><th>Held</th><th>Setup</th><th>Tags</th><th>Breaks</th></tr></thead>
              <tbody>
                {trades.map((t) => (
                  <tr key={t.id} className={t.id === selectedId ? 'sel' : ''} onClick={() => setSelectedId(t.id)} data-trade={t.id}>
                    <td>{nyTime(t.entryTime)}</td><td>{t.account}</td><td className="mono">{t.symbol}{t.legs.length > 1 ? ` (${t.legs.length} legs)` : ''}</td>
                    <td>{t.side === 'buy' ? 'long' : 'short'}</td><td className="num">{t.qty}</td>
                    <td className={`num ${cls(t.pnl)}`}>{t.status === 'open' ? 'open' : usd(t.pnl)}</td>
                    <td className={`num ${cls(t.r)}`}>{t.r == null ? '—' : `${t.r.toFixed(2)}R`}</td>
                    <td className="num down">{usd(t.mae)}</td><td className="num up">{usd(t.mfe)}</td>
                    <td>{hold(t.holdingSeconds)}</td><td>{t.setup ?? ''}</td><td>{t.tags.join(', ')}</td>
                    <td>{t.ruleBreaks.length ? <span className="jp-break" title={t.ruleBreaks.map((b) => b.message).join('\n')}>{t.ruleBreaks.length}</span> : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <div className="jp-stats">
            <div className="jp-stats-head">Statistics by <select aria-label="group by" value={groupBy} onChange={(e) => setGroupBy(e.target.value as (typeof GROUPS)[number])}>
              {GROUPS.map((g) => <option key={g} value={g}>{g}</option>)}
            </select> <span className="muted">(closed trades)</span>
              <label className="jp-clean"><input type="checkbox" checked={clean} onChange={(e) => setClean(e.target.checked)} /> without rule breaks</label></div>
            <table className="jp-table">
              <thead><tr><th>{groupBy}</th><th>Trades</th><th>Win %</th><th title="bootstrap 95% confidence interval">Win % 95% CI</th><th>P&amp;L</th><th>Expectancy</th><th title="bootstrap 95% confidence interval">Exp. 95% CI</th><th>Exp. R</th><th>Profit factor</th><th>Avg win</th><th>Avg loss</th><th>Max DD</th><th /></tr></thead>
              <tbody>
                {stats.map((g) => (
                  <tr key={g.key} data-group={g.key}>
                    <td>{g.key}</td><td className="num">{g.trades}</td><td className="num">{g.winRate == null ? '—' : `${Math.round(g.winRate * 100)}%`}</td>
                    <td className="num muted">{g.ci95.winRate ? `${Math.round(g.ci95.winRate.low * 100)}–${Math.round(g.ci95.winRate.high * 100)}%` : '—'}</td>
                    <td className={`num ${cls(g.netPnl)}`}>{usd(g.netPnl)}</td><td className="num">{usd(g.expectancy)}</td>
                    <td className="num muted">{g.ci95.expectancy ? `${usd(g.ci95.expectancy.low)} – ${usd(g.ci95.expectancy.high)}` : '—'}</td>
                    <td className="num">{g.expectancyR == null ? '—' : g.expectancyR.toFixed(2)}</td><td className="num">{g.profitFactor == null ? '—' : g.profitFactor.toFixed(2)}</td>
                    <td className="num">{usd(g.avgWin)}</td><td className="num">{usd(g.avgLoss)}</td><td className="num">{usd(g.maxDrawdown)}{g.maxDrawdownPct == null ? '' : ` (${(g.maxDrawdownPct * 100).toFixed(1)}%)`}</td>
                    <td className="muted" title={g.warnings.join('\n')}>{!g.bar.trades ? '⚠ too few trades' : g.warnings.length ? '⚠ below the bar' : '✓ meets the bar'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
        {selected ? <TradeDetail key={selected.id} trade={selected} onSaved={reload} /> : <aside className="jp-detail jp-empty">Pick a trade to review it.</aside>}
      </div>
    </div>
  );
}

function TradeDetail({ trade, onSaved }: { trade: WireJournalTrade; onSaved: () => void }) {
  const [notes, setNotes] = useState(trade.notes);
  const [tags, setTags] = useState(trade.tags.join(', '));
  const [setup, setSetup] = useState(trade.setup ?? '');
  const [rating, setRating] = useState<number | null>(trade.rating);
  const [status, setStatus] = useState<string | null>(null);
  const [history, setHistory] = useState(0);

  useEffect(() => {
    journalApi.trade(trade.id).then((r) => setHistory(r.noteHistory.length), () => undefined);
  }, [trade.id, trade.notes]);

  const save = () => {
    const tagList = tags.split(',').map((t) => t.trim()).filter(Boolean);
    journalApi.update(trade.id, { notes, tags: tagList, setup: setup.trim() || null, rating }).then(() => {
      setStatus('Saved');
      onSaved();
    }, (e: Error) => setStatus(e.message));
  };
  const upload = (file: File | undefined) => {
    if (!file) return;
    journalApi.screenshot(trade.id, file).then(() => { setStatus('Screenshot added'); onSaved(); }, (e: Error) => setStatus(e.message));
  };

  return (
    <aside className="jp-detail" aria-label="trade detail">
      <h3 className="mono">{trade.symbol} <span className={cls(trade.pnl)}>{trade.status === 'open' ? 'open' : usd(trade.pnl)}</span></h3>
      <dl className="jp-facts">
        <dt>Account</dt><dd>{trade.account} · {trade.mode ?? 'imported'}{trade.strategy ? ` · ${trade.strategy}` : ''}</dd>
        <dt>Entry → exit</dt><dd>{nyTime(trade.entryTime)} → {nyTime(trade.exitTime)} ({hold(trade.holdingSeconds)})</dd>
        <dt>Prices</dt><dd>{trade.entryPrice.toFixed(2)} → {trade.exitPrice == null ? '—' : trade.exitPrice.toFixed(2)} · fees {usd(trade.fees)}</dd>
        <dt>Plan</dt><dd>stop {trade.plannedStop ?? '—'} · target {trade.plannedTarget ?? '—'} · risk {usd(trade.risk)} · {trade.r == null ? 'no R' : `${trade.r.toFixed(2)}R`}</dd>
        <dt>Excursion</dt><dd>MAE <span className="down">{usd(trade.mae)}</span>{trade.maeR != null ? ` (${trade.maeR}R)` : ''} · MFE <span className="up">{usd(trade.mfe)}</span>{trade.mfeR != null ? ` (${trade.mfeR}R)` : ''}</dd>
        <dt>Slippage</dt><dd>{usd(trade.slippage)} vs the mid at submission</dd>
      </dl>
      <TradeChart trade={trade} />
      {trade.ruleBreaks.length ? <ul className="jp-breaks">{trade.ruleBreaks.map((b, i) => <li key={i}><b>{b.code}</b> {b.message}</li>)}</ul> : null}
      <table className="jp-table jp-fills">
        <thead><tr><th>Time</th><th>Symbol</th><th>Side</th><th>Qty</th><th>Price</th><th>Fees</th></tr></thead>
        <tbody>{trade.fills.map((f, i) => <tr key={`${f.id}-${i}`}><td>{f.time.slice(11, 19)}</td><td className="mono">{f.symbol}</td><td>{f.side}{f.reason !== 'execution' ? ` (${f.reason})` : ''}</td><td className="num">{f.qty}</td><td className="num">{f.price.toFixed(2)}</td><td className="num">{usd(f.fees)}</td></tr>)}</tbody>
      </table>
      <label className="jp-field">Setup <input aria-label="setup" value={setup} onChange={(e) => setSetup(e.target.value)} placeholder="ORB, time block…" /></label>
      <label className="jp-field">Tags <input aria-label="tags" value={tags} onChange={(e) => setTags(e.target.value)} placeholder="comma-separated" /></label>
      <div className="jp-field">Discipline {[1, 2, 3, 4, 5].map((n) => (
        <button key={n} type="button" aria-label={`rating ${n}`} className={`jp-star ${rating !== null && n <= rating ? 'on' : ''}`} onClick={() => setRating(rating === n ? null : n)}>★</button>
      ))}</div>
      <label className="jp-field jp-notes">Notes (Markdown){history ? <span className="muted"> · {history} earlier version{history > 1 ? 's' : ''} kept</span> : null}
        <textarea aria-label="notes" value={notes} onChange={(e) => setNotes(e.target.value)} rows={6} />
      </label>
      <div className="jp-actions">
        <button type="button" className="jp-save" onClick={save}>Save</button>
        <label className="jp-upload">Attach image <input type="file" accept="image/png,image/jpeg,image/webp" onChange={(e) => upload(e.target.files?.[0])} /></label>
        {status ? <span className="muted" role="status">{status}</span> : null}
      </div>
      <div className="jp-shots">{trade.screenshots.map((s) => <a key={s.id} href={`/api/journal/screenshots/${s.id}`} target="_blank" rel="noreferrer"><img src={`/api/journal/screenshots/${s.id}`} alt={`${s.kind} screenshot`} /></a>)}</div>
    </aside>
  );
}
