/**
 * The Journal page, three tabs over the same filters (account, dates, tag, setup):
 * - Trades: the trades built from every account's fills; one trade's detail (legs, fills,
 *   plan, R, MAE/MFE, entry grade, rule breaks) with the trader's notes, tags, setup, rating
 *   and screenshots, manual split/merge, and its game film;
 * - Weekly review: the week's trades with screenshots, notes, R and rule breaks, counted;
 * - Statistics: per group with bootstrap CIs (src/stats), with/without rule breaks, the
 *   minimum entry grade, and the plots (equity, calendar, R, MAE/MFE).
 * Opened from the app bar; Esc or Close returns to the desk. A game film closes the page.
 */
import { useCallback, useEffect, useState } from 'react';
import { journalApi, type StatsGroup, type TradeQuery, type WeekReview, type WireJournalTrade } from './journalApi.js';
import { filmOf, type Film } from './GameFilm.js';
import { shortContract } from '../options/contract.js';
import { CalendarHeatmap, EquityCurve, MaeMfeScatter, RHistogram } from './Plots.js';
import { TradeChart } from './TradeChart.js';
import './journal.css';

const GROUPS = ['setup', 'tag', 'strategy', 'account', 'weekday', 'hour'] as const;
const TABS = ['trades', 'review', 'stats'] as const;
type Tab = (typeof TABS)[number];
const TAB_NAMES: Record<Tab, string> = { trades: 'Trades', review: 'Weekly review', stats: 'Statistics' };
const GRADES = ['A+', 'A', 'B', 'C', 'D', 'F'];

const usd = (v: number | null | undefined): string => (v == null ? '—' : `${v < 0 ? '-' : ''}$${Math.abs(v).toFixed(2)}`);
const cls = (v: number | null | undefined): string => (v == null || v === 0 ? 'flat' : v > 0 ? 'up' : 'down');
const nyTime = (iso: string | null): string => (iso ? iso.slice(0, 16).replace('T', ' ') : '—');
function hold(s: number | null): string {
  if (s == null) return 'open';
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

/** The day of a wire time (its New York date: the wire carries the New York offset). */
const dayOf = (iso: string): string => iso.slice(0, 10);

export function JournalPage({ onClose, onFilm }: { onClose: () => void; onFilm?: (film: Film) => void }) {
  const [tab, setTab] = useState<Tab>('trades');
  const [query, setQuery] = useState<TradeQuery>({});
  const [trades, setTrades] = useState<WireJournalTrade[]>([]);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [filmDay, setFilmDay] = useState('');
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(() => {
    journalApi.trades(query).then((t) => {
      setTrades(t);
      setError(null);
    }, (e: Error) => setError(e.message));
  }, [query]);
  // Each tab shows what is stored now (fills keep arriving while the page is open).
  useEffect(reload, [reload, tab]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => { if (e.key === 'Escape') onClose(); };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onClose]);

  const selected = trades.find((t) => t.id === selectedId) ?? null;
  const accounts = [...new Set(trades.map((t) => t.account))];
  const set = (k: keyof TradeQuery) => (e: { target: { value: string } }) => setQuery((q) => ({ ...q, [k]: e.target.value.trim() || undefined }));
  /** The day's trades (all accounts of the filter) as a film starting at `startId`. */
  const playDay = (date: string, startId?: string) => {
    if (!onFilm) return;
    journalApi.trades({ ...(query.account ? { account: query.account } : {}), from: date, to: date }).then(
      (dayTrades) => onFilm(filmOf(date, dayTrades, startId)),
      (e: Error) => setError(e.message),
    );
  };

  return (
    <div className="journal-page" role="dialog" aria-label="Journal">
      <header className="jp-bar">
        <b>Journal</b>
        <nav className="jp-tabs" role="tablist">
          {TABS.map((t) => <button key={t} type="button" role="tab" aria-selected={tab === t} className={tab === t ? 'on' : ''} onClick={() => setTab(t)}>{TAB_NAMES[t]}</button>)}
        </nav>
        <label>Account <select aria-label="account" value={query.account ?? ''} onChange={set('account')}>
          <option value="">all</option>
          {accounts.map((a) => <option key={a} value={a}>{a}</option>)}
        </select></label>
        <label>From <input type="date" aria-label="from" onChange={set('from')} /></label>
        <label>To <input type="date" aria-label="to" onChange={set('to')} /></label>
        <label>Tag <input aria-label="tag filter" placeholder="any" onChange={set('tag')} /></label>
        <label>Setup <input aria-label="setup filter" placeholder="any" onChange={set('setup')} /></label>
        <span className="tb-spacer" />
        {onFilm ? (
          <form className="jp-filmday" onSubmit={(e) => { e.preventDefault(); if (filmDay) playDay(filmDay); }}>
            <input type="date" aria-label="game film day" value={filmDay} onChange={(e) => setFilmDay(e.target.value)} />
            <button type="submit" disabled={!filmDay}>▶ Game film of the day</button>
          </form>
        ) : null}
        <a className="jp-link" href="/api/journal/export?format=csv" download>Export CSV</a>
        <button type="button" className="jp-close" onClick={onClose}>Close</button>
      </header>
      {error ? <div className="jp-error" role="alert">{error}</div> : null}
      {tab === 'trades' ? (
        <div className="jp-body">
          <section className="jp-list">
            {trades.length === 0 ? (
              <p className="jp-empty">No trades yet. Trades appear here as soon as an order fills (paper or Alpaca) or fills are imported (<code>optdesk journal import</code>).</p>
            ) : (
              <table className="jp-table">
                <thead><tr><th>Entry (NY)</th><th>Account</th><th>Symbol</th><th>Side</th><th>Qty</th><th>P&amp;L</th><th>R</th><th>MAE</th><th>MFE</th><th>Held</th><th>Setup</th><th>Tags</th><th>Breaks</th><th>Grade</th></tr></thead>
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
                      <td>{t.grade ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          {selected ? (
            <TradeDetail key={selected.id} trade={selected} others={trades.filter((t) => t.id !== selected.id && t.account === selected.account)} onSaved={reload}
              onRegrouped={(ids) => { setSelectedId(ids[0] ?? null); reload(); }}
              onFilm={onFilm ? () => playDay(dayOf(selected.entryTime), selected.id) : undefined} />
          ) : <aside className="jp-detail jp-empty">Pick a trade to review it.</aside>}
        </div>
      ) : tab === 'review' ? (
        <WeeklyReview account={query.account} latest={trades.reduce<string | null>((m, t) => (m === null || t.entryTime > m ? t.entryTime : m), null)}
          onFilm={onFilm ? (t) => playDay(dayOf(t.entryTime), t.id) : undefined} />
      ) : (
        <StatisticsTab query={query} trades={trades} />
      )}
    </div>
  );
}

function StatisticsTab({ query, trades }: { query: TradeQuery; trades: WireJournalTrade[] }) {
  const [groupBy, setGroupBy] = useState<(typeof GROUPS)[number]>('setup');
  const [stats, setStats] = useState<StatsGroup[]>([]);
  const [clean, setClean] = useState(false);
  const [minGrade, setMinGrade] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    journalApi.stats(groupBy, query, clean).then((s) => { setStats(s); setError(null); }, (e: Error) => setError(e.message));
  }, [groupBy, query, clean, minGrade]);
  useEffect(() => { journalApi.settings().then((s) => setMinGrade(s.minGrade), () => undefined); }, []);
  const saveMin = (v: string) => journalApi.updateSettings({ minGrade: v || null }).then((s) => setMinGrade(s.minGrade), (e: Error) => setError(e.message));
  const plotted = clean ? trades.filter((t) => !t.ruleBreaks.length) : trades;
  return (
    <section className="jp-statspage" aria-label="statistics">
      {error ? <div className="jp-error" role="alert">{error}</div> : null}
      <div className="jp-stats-head">Statistics by <select aria-label="group by" value={groupBy} onChange={(e) => setGroupBy(e.target.value as (typeof GROUPS)[number])}>
        {GROUPS.map((g) => <option key={g} value={g}>{g}</option>)}
      </select> <span className="muted">(closed trades; 95% CIs: seeded bootstrap, as in the backtest report)</span>
        <label className="jp-clean"><input type="checkbox" aria-label="without rule breaks" checked={clean} onChange={(e) => setClean(e.target.checked)} /> without rule breaks</label>
        <label className="jp-clean">Minimum entry grade <select aria-label="minimum grade" value={minGrade ?? ''} onChange={(e) => void saveMin(e.target.value)} disabled={minGrade === undefined}>
          <option value="">none</option>
          {GRADES.map((g) => <option key={g} value={g}>{g}</option>)}
        </select></label></div>
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
      {stats.length === 0 ? <p className="jp-empty">No closed trades match.</p> : null}
      <div className="jp-plots">
        <EquityCurve trades={plotted} />
        <CalendarHeatmap trades={plotted} />
        <RHistogram trades={plotted} />
        <MaeMfeScatter trades={plotted} />
      </div>
    </section>
  );
}

const today = (): string => new Date().toISOString().slice(0, 10);

function WeeklyReview({ account, latest, onFilm }: { account?: string; latest: string | null; onFilm?: (t: WireJournalTrade) => void }) {
  const [week, setWeek] = useState<string>(latest ? dayOf(latest) : today());
  const [review, setReview] = useState<WeekReview | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    journalApi.week(week, account).then((r) => { setReview(r); setError(null); }, (e: Error) => setError(e.message));
  }, [week, account]);
  const shift = (days: number) => {
    const d = new Date(`${week}T12:00:00Z`);
    d.setUTCDate(d.getUTCDate() + days);
    setWeek(d.toISOString().slice(0, 10));
  };
  const breaks = review ? Object.entries(review.ruleBreaks).sort((a, b) => b[1] - a[1]) : [];
  return (
    <section className="jp-review" aria-label="weekly review">
      <div className="jp-review-head">
        <button type="button" aria-label="previous week" onClick={() => shift(-7)}>◀</button>
        <input type="date" aria-label="week" value={week} onChange={(e) => e.target.value && setWeek(e.target.value)} />
        <button type="button" aria-label="next week" onClick={() => shift(7)}>▶</button>
        {review ? <b>Week of {review.from} – {review.to}</b> : null}
        {review ? (
          <span data-testid="review-summary">
            {review.trades.length} trade{review.trades.length === 1 ? '' : 's'} · net <span className={cls(review.stats.netPnl)}>{usd(review.stats.netPnl)}</span>
            {' · '}<span className={review.tradesWithRuleBreaks ? 'down' : 'up'}>{review.tradesWithRuleBreaks} with rule breaks</span>
            {' · '}without them: {review.statsWithoutRuleBreaks.trades} trade{review.statsWithoutRuleBreaks.trades === 1 ? '' : 's'}, {usd(review.statsWithoutRuleBreaks.netPnl)}
          </span>
        ) : null}
      </div>
      {breaks.length ? <ul className="jp-breakcounts" data-testid="rule-break-counts">{breaks.map(([code, n]) => <li key={code}><b>{n}×</b> {code.replace(/_/g, ' ')}</li>)}</ul> : null}
      {error ? <div className="jp-error" role="alert">{error}</div> : null}
      {review && !review.trades.length ? <p className="jp-empty">No trades entered this week.</p> : null}
      <div className="jp-cards">
        {review?.trades.map((t) => (
          <article key={t.id} className="jp-card" data-review-trade={t.id}>
            <header>
              <span className="mono">{t.symbol}</span>
              <span className="muted">{nyTime(t.entryTime)} → {t.exitTime ? t.exitTime.slice(11, 16) : 'open'}</span>
              <span className={cls(t.pnl)}>{t.status === 'open' ? 'open' : usd(t.pnl)}</span>
              <span>{t.r == null ? 'no R' : `${t.r.toFixed(2)}R`}</span>
              {t.grade ? <span>grade {t.grade}</span> : null}
              {t.setup ? <span className="muted">{t.setup}</span> : null}
              {t.tags.length ? <span className="muted">#{t.tags.join(' #')}</span> : null}
              {onFilm ? <button type="button" onClick={() => onFilm(t)}>▶ Film</button> : null}
            </header>
            {t.ruleBreaks.length ? <ul className="jp-breaks">{t.ruleBreaks.map((b, i) => <li key={i}><b>{b.code}</b> {b.message}</li>)}</ul> : null}
            {t.notes ? <p className="jp-card-notes">{t.notes}</p> : <p className="muted">No notes.</p>}
            <div className="jp-shots">{t.screenshots.map((x) => <a key={x.id} href={`/api/journal/screenshots/${x.id}`} target="_blank" rel="noreferrer"><img src={`/api/journal/screenshots/${x.id}`} alt={`${x.kind} screenshot`} /></a>)}</div>
          </article>
        ))}
      </div>
    </section>
  );
}

interface TradeDetailProps {
  trade: WireJournalTrade;
  /** The account's other trades (merge candidates). */
  others: WireJournalTrade[];
  onSaved: () => void;
  /** After a split/merge/unlink: the ids of the trades this one became. */
  onRegrouped: (ids: string[]) => void;
  onFilm?: (() => void) | undefined;
}

function TradeDetail({ trade, others, onSaved, onRegrouped, onFilm }: TradeDetailProps) {
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
  const [mergeWith, setMergeWith] = useState('');
  /** Split, merge or unlink, then select what this trade became (the trade holding its first fill). */
  const regroup = (o: Parameters<typeof journalApi.override>[0], what: string) => {
    const firstFill = trade.fills[0]?.id;
    journalApi.override(o).then((all) => {
      const mine = all.filter((t) => t.fills.some((f) => f.id === firstFill) || (o.kind === 'split_at' && t.fills.some((f) => f.id === o.fillId)));
      setStatus(what);
      onRegrouped(mine.map((t) => t.id));
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
        <dt>Entry grade</dt><dd data-testid="entry-grade">{trade.grade ?? '— (no checklist data at the entry)'}</dd>
      </dl>
      {onFilm ? <button type="button" className="jp-film" onClick={onFilm}>▶ Game film of this trade</button> : null}
      <TradeChart trade={trade} />
      {trade.ruleBreaks.length ? <ul className="jp-breaks">{trade.ruleBreaks.map((b, i) => <li key={i}><b>{b.code}</b> {b.message}</li>)}</ul> : null}
      <table className="jp-table jp-fills">
        <thead><tr><th>Time</th><th>Symbol</th><th>Side</th><th>Qty</th><th>Price</th><th>Fees</th><th /></tr></thead>
        <tbody>{trade.fills.map((f, i) => (
          <tr key={`${f.id}-${i}`}><td>{f.time.slice(11, 19)}</td><td className="mono" title={f.symbol}>{shortContract(f.symbol)}</td><td>{f.side}{f.reason !== 'execution' ? ` (${f.reason})` : ''}</td><td className="num">{f.qty}</td><td className="num">{f.price.toFixed(2)}</td><td className="num">{usd(f.fees)}</td>
            <td>{i > 0 ? <button type="button" className="jp-mini" title="Start a new trade at this fill (the open quantity carries over at its average cost)" aria-label={`split at fill ${f.id}`} onClick={() => regroup({ kind: 'split_at', fillId: f.id }, 'Split')}>split here</button> : null}</td></tr>
        ))}</tbody>
      </table>
      <div className="jp-regroup">
        <select aria-label="merge with" value={mergeWith} onChange={(e) => setMergeWith(e.target.value)}>
          <option value="">Merge with another trade…</option>
          {others.map((o) => <option key={o.id} value={o.id}>{nyTime(o.entryTime)} {o.symbol} {o.side === 'buy' ? 'long' : 'short'} {o.qty}</option>)}
        </select>
        <button type="button" className="jp-mini" disabled={!mergeWith} onClick={() => regroup({ kind: 'merge', tradeIds: [trade.id, mergeWith] }, 'Merged')}>Merge</button>
        {trade.legs.length > 1 ? <button type="button" className="jp-mini" onClick={() => regroup({ kind: 'unlink_legs', tradeId: trade.id }, 'Legs unlinked')}>Unlink legs</button> : null}
      </div>
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
