/**
 * The desk: watchlist | chart over quote matrix | (options chain, order ticket), replay
 * controls below. App owns the selection (symbol, timeframe, extended hours, selected
 * option contract) and the server-wide state (feed health, replay clock, matrix entries);
 * the chart and the chain own their data (chart/ChartView.tsx, options/useChainStream.ts).
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ReplayStatus, SeriesHealth, SeriesKey } from '../../src/wire/protocol.js';
import { api, type FeedHealth, type ReplayControl, type ReplaySession, type WatchlistRow } from './api.js';
import { ChartView, type Tool } from './chart/ChartView.js';
import { ReplayBar } from './components/ReplayBar.js';
import { SidePanels } from './components/SidePanels.js';
import { TIMEFRAMES, Toolbar, type BadgeInfo, type ChartTimeframe } from './components/Toolbar.js';
import { Watchlist } from './components/Watchlist.js';
import { QuoteMatrix } from './components/QuoteMatrix.js';
import { TradingDock } from './trading/TradingDock.js';
import { useTrading } from './trading/useTrading.js';
import type { StockDraft } from './trading/StockTicket.js';
import { fillsOf } from './chart/fillMarkers.js';
import type { SelectedContract } from './options/contract.js';
import { parseOccTicker } from '../../src/core/occ.js';
import { JournalPage } from './journal/JournalPage.js';
import { useAutoCapture } from './journal/autoCapture.js';
import { GameFilmBar, withFilmFills, type Film } from './journal/GameFilm.js';
import { useMatrix } from './options/useMatrix.js';
import { useQuotes } from './quotes/useQuotes.js';
import { formatPct, formatPrice, tickSize } from './format.js';
import { socket } from './socket.js';
import { sentence } from './messages.js';
import { ScannerPanel } from './scanner/ScannerPanel.js';
import { ChecklistGrade } from './scanner/ChecklistGrade.js';
import './scanner/scanner.css';
import { IndicatorMenu, IndicatorOverlays, useOverlayPrefs } from './indicators/IndicatorOverlays.js';
import type { IChartApi } from 'lightweight-charts';
import { StrategiesDock } from './strategies/StrategiesDock.js';
import { useStrategyChart } from './strategies/useStrategyChart.js';
import { StrategyLevels } from './backtest/StrategyLevels.js';

const STORAGE_KEY = 'optdesk.chart';

type BadPrints = 'hide' | 'show';

function loadPrefs(): { symbol: string; tf: ChartTimeframe; extended: boolean; badPrints: BadPrints } {
  try {
    const p = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') as Record<string, unknown>;
    return {
      symbol: typeof p.symbol === 'string' && p.symbol ? p.symbol : 'SPY',
      tf: (TIMEFRAMES as readonly string[]).includes(p.tf as string) ? (p.tf as ChartTimeframe) : '5m',
      extended: p.extended === true,
      badPrints: p.badPrints === 'show' ? 'show' : 'hide',
    };
  } catch {
    return { symbol: 'SPY', tf: '5m', extended: false, badPrints: 'hide' };
  }
}

/** A watchlist row before the quotes stream's snapshot has it. */
function pendingRow(symbol: string): WatchlistRow {
  return { symbol, session: '', last: null, change: null, changePct: null, hasData: true, sessions: [] };
}

function ageText(ms: number | null): string {
  if (ms == null) return '';
  if (ms < 90_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

/** The badge's state and a sentence a trader can act on. */
function badgeFor(
  connected: boolean,
  series: SeriesHealth | null,
  feed: FeedHealth | null,
  replay: ReplayStatus | null,
  symbol: string,
): BadgeInfo {
  if (!connected) return { state: 'DEGRADED', sentence: 'Connection to the optdesk server lost — reconnecting…' };
  const isReplay = feed?.mode === 'replay' || feed?.kind === 'replay' || !!replay;
  const state = series?.state ?? (isReplay ? 'REPLAY' : 'LIVE');
  const source = series?.source ?? feed?.kind ?? 'the feed';
  const message = series?.message ?? (state === 'REPLAY' || state === 'LIVE' ? undefined : feed?.message);
  if (message && !/^No data for/i.test(message)) return { state, sentence: message };
  switch (state) {
    case 'REPLAY':
      return { state, sentence: replay ? `Market closed: showing replay of ${replay.session}.` : 'Market closed: showing a replay.' };
    case 'LIVE':
      return { state, sentence: `Live data from ${source}.` };
    case 'DELAYED':
      return { state, sentence: `Data from ${source} is delayed${series?.lastUpdateAgeMs ? ` (last update ${ageText(series.lastUpdateAgeMs)} ago)` : ''}.` };
    case 'BACKFILLING':
      return { state, sentence: `Loading history for ${symbol} from ${source}…` };
    case 'STALE':
      return { state, sentence: `No update for ${ageText(series?.lastUpdateAgeMs ?? null) || 'a while'} — the feed may be stalled.` };
    case 'DEGRADED':
      return { state, sentence: `${source} is degraded${series?.gaps ? `: ${series.gaps} gaps in this session` : ''}.` };
  }
}

export function App() {
  const initial = useRef(loadPrefs()).current;
  const [symbol, setSymbol] = useState(initial.symbol);
  const [tf, setTf] = useState<ChartTimeframe>(initial.tf);
  const [extended, setExtended] = useState(initial.extended);
  const [badPrints, setBadPrints] = useState<BadPrints>(initial.badPrints);
  const [tool, setTool] = useState<Tool>('none');
  // The watchlist's symbols; their prices come from the quotes stream (useQuotes), never a poll.
  const [watchlist, setWatchlist] = useState<string[]>([]);
  const [feed, setFeed] = useState<FeedHealth | null>(null);
  const [replay, setReplay] = useState<ReplayStatus | null>(null);
  const [sessions, setSessions] = useState<ReplaySession[]>([]);
  const [seriesHealth, setSeriesHealth] = useState<{ key: SeriesKey; health: SeriesHealth } | null>(null);
  const [connected, setConnected] = useState(socket.connected);
  const [resyncToken, setResyncToken] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const [journalOpen, setJournalOpen] = useState(false);
  // Game film: a journal day replayed with its trades' fills on the chart (journal/GameFilm.tsx).
  const [film, setFilm] = useState<Film | null>(null);
  const [strategiesOpen, setStrategiesOpen] = useState(false);
  // A strategy signal's order, put in the ticket's shares side by the signal card (sent from the ticket).
  const [stockDraft, setStockDraft] = useState<StockDraft | null>(null);
  const fillTicket = useCallback((d: Omit<StockDraft, 'nonce'>) => {
    setStockDraft((prev) => ({ ...d, nonce: (prev?.nonce ?? 0) + 1 }));
    setStrategiesOpen(false); // the dock lies over the ticket
  }, []);
  useAutoCapture();
  const replayRef = useRef<ReplayStatus | null>(null);
  // The contract picked in the chain: the order ticket consumes it.
  const [selectedContract, setSelectedContract] = useState<SelectedContract | null>(null);
  const matrix = useMatrix(setNotice);
  // Orders, fills and positions: the dock, the ticket, the matrix's held rows and the chart's fill markers.
  const trading = useTrading();
  const fills = useMemo(() => fillsOf(trading.orders.values()), [trading.orders]);
  const filmFills = useMemo(() => withFilmFills(fills, film), [fills, film]);
  const [chartApi, setChartApi] = useState<IChartApi | null>(null);
  const [overlays, toggleOverlay] = useOverlayPrefs();
  const matrixRef = useRef(matrix);
  matrixRef.current = matrix;
  const inMatrix = useMemo(() => new Set(matrix.entries.map((e) => e.ticker)), [matrix.entries]);

  const selectContract = useCallback((sel: SelectedContract) => {
    setSelectedContract(sel);
    const m = matrixRef.current;
    if (!m.entries.some((e) => e.ticker === sel.ticker)) {
      m.update([...m.entries, { ticker: sel.ticker }]).catch((e: Error) => setNotice(`Quote matrix: ${sentence(e.message)}`));
    }
  }, []);

  useEffect(() => {
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ symbol, tf, extended, badPrints }));
  }, [symbol, tf, extended, badPrints]);

  const quotes = useQuotes(useMemo(() => [...watchlist, symbol], [watchlist, symbol]));
  const rows = useMemo<WatchlistRow[]>(() => watchlist.map((s) => quotes.get(s) ?? pendingRow(s)), [watchlist, quotes]);

  const loadWatchlist = useCallback(() => {
    api.symbols().then((r) => setWatchlist(r.map((x) => x.symbol)), (e: Error) => setNotice(`Watchlist unavailable: ${sentence(e.message)}`));
  }, []);

  /**
   * Take a replay status from a broadcast or our own POST. A new session or a clock that
   * went backwards invalidates every bar on screen, so the chart asks for a fresh snapshot
   * (cheap, and correct even if the server already re-sent one).
   */
  const acceptReplay = useCallback(
    (next: ReplayStatus, jumped = false) => {
      const prev = replayRef.current;
      replayRef.current = next;
      setReplay(next);
      if (prev && (jumped || prev.session !== next.session || next.clock < prev.clock)) {
        setResyncToken((n) => n + 1);
      }
    },
    [],
  );

  // Initial load + socket-wide events.
  useEffect(() => {
    loadWatchlist();
    api.health().then(
      (h) => {
        setFeed(h.feed);
        if (h.replay) acceptReplay(h.replay);
      },
      (e: Error) => setNotice(`Server health unavailable: ${sentence(e.message)}`),
    );
    api.replaySessions().then(setSessions, () => setSessions([]));
    const onConnect = () => setConnected(true);
    const onDisconnect = () => setConnected(false);
    const onReplay = (r: ReplayStatus) => acceptReplay(r);
    // Panels show their own streams' errors (the chain says why it stopped); the rest is a notice.
    const onError = (m: { event: string; message: string }) => {
      if (m.event !== 'options:subscribe') setNotice(sentence(m.message));
    };
    // e.g. the token check of a non-loopback server: show the server's sentence.
    const onConnectError = (e: Error) => setNotice(`Cannot connect: ${e.message}`);
    socket.on('connect_error', onConnectError);
    socket.on('connect', onConnect);
    socket.on('disconnect', onDisconnect);
    socket.on('replay', onReplay);
    socket.on('error_message', onError);
    return () => {
      socket.off('connect', onConnect);
      socket.off('disconnect', onDisconnect);
      socket.off('replay', onReplay);
      socket.off('error_message', onError);
      socket.off('connect_error', onConnectError);
    };
  }, [loadWatchlist, acceptReplay]);

  // Feed health (mode, message) changes rarely; a slow poll keeps the badge honest.
  useEffect(() => {
    const id = setInterval(() => {
      api.health().then((h) => setFeed(h.feed), () => undefined);
    }, 15_000);
    return () => clearInterval(id);
  }, []);

  useEffect(() => {
    if (!notice) return;
    const id = setTimeout(() => setNotice(null), 6_000);
    return () => clearTimeout(id);
  }, [notice]);

  const selectSymbol = useCallback((s: string) => {
    setSymbol(s);
    setTool('none');
  }, []);

  const onControl = useCallback(
    async (c: ReplayControl) => {
      const status = await api.replay(c);
      acceptReplay(status, !!c.time);
    },
    [acceptReplay],
  );

  // Keyboard shortcuts (documented in the toolbar tooltips).
  const rowsRef = useRef(rows);
  rowsRef.current = rows;
  const symbolRef = useRef(symbol);
  symbolRef.current = symbol;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA' || t.isContentEditable)) return;
      const n = Number(e.key);
      if (Number.isInteger(n) && n >= 1 && n <= TIMEFRAMES.length) {
        setTf(TIMEFRAMES[n - 1]!);
      } else if (e.key === 'e' || e.key === 'E') {
        setExtended((v) => !v);
      } else if (e.key === 'h' || e.key === 'H') {
        setTool((v) => (v === 'hline' ? 'none' : 'hline'));
      } else if (e.key === 'Escape') {
        setTool('none');
      } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        const list = rowsRef.current;
        if (!list.length) return;
        e.preventDefault();
        const i = list.findIndex((r) => r.symbol === symbolRef.current);
        const next = list[(i + (e.key === 'ArrowDown' ? 1 : -1) + list.length) % list.length]!;
        selectSymbol(next.symbol);
      } else if (e.key === ' ' && t?.tagName !== 'BUTTON') {
        const r = replayRef.current;
        if (!r || r.state === 'ended') return;
        e.preventDefault();
        onControl({ state: r.state === 'play' ? 'pause' : 'play' }).catch((err: Error) => setNotice(sentence(err.message)));
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onControl, selectSymbol]);

  // Backtest trades and strategy levels on the chart; showing a trade jumps symbol and replay to it.
  const strategyChart = useStrategyChart(
    useCallback((s: string, at: { session: string; time: string }) => {
      selectSymbol(s);
      api.replay({ ...at, state: 'pause' }).then((st) => acceptReplay(st), (e: Error) => setNotice(sentence(e.message)));
    }, [selectSymbol, acceptReplay]),
    replay?.clock ?? null,
  );
  // The account's fills (plus a game film's), then a backtest's entries and exits (strategies/).
  const chartFills = useMemo(() => (strategyChart.fills.length ? [...filmFills, ...strategyChart.fills] : filmFills), [filmFills, strategyChart.fills]);

  const onHealth = useCallback((key: SeriesKey, health: SeriesHealth) => setSeriesHealth({ key, health }), []);
  const currentHealth =
    seriesHealth && seriesHealth.key.symbol === symbol && seriesHealth.key.tf === tf && seriesHealth.key.extended === extended && seriesHealth.key.badPrints === badPrints
      ? seriesHealth.health
      : null;
  const badge = badgeFor(connected, currentHealth, feed, replay, symbol);
  const row = quotes.get(symbol);
  // Unknown (null) until the quotes stream has described this symbol in the session on screen:
  // asking for the options of a symbol the new session lacks would only be a 404.
  const rowCurrent = !!row && (!replay || row.session === replay.session);
  const symbolData = useMemo(
    () => (!row || !rowCurrent ? null : row.hasData ? ({ ok: true } as const) : ({ ok: false, message: row.message ?? `No data for ${symbol}` } as const)),
    [rowCurrent, row?.hasData, row?.message, symbol], // eslint-disable-line react-hooks/exhaustive-deps
  );
  const lastText =
    row && row.last != null ? `${formatPrice(row.last, tickSize(symbol))}  ${formatPct(row.changePct)}` : null;

  return (
    <div className="app">
      <header className="appbar">
        <span className="brand">optdesk</span>
        <span className="appbar-mode">{feed?.kind === 'replay' || replay ? 'Replay · paper' : 'Paper'}</span>
        <button type="button" className="jp-open" onClick={() => setJournalOpen(true)}>Journal</button>
        <button type="button" className="jp-open strat-open" aria-pressed={strategiesOpen} data-testid="strategies-open" onClick={() => setStrategiesOpen((v) => !v)}>Strategies</button>
        <span className="tb-spacer" />
        {notice ? <span className="notice" role="status">{notice}</span> : null}
        <span className={`conn ${connected ? 'up' : 'down'}`} title={connected ? 'Connected to the optdesk server' : 'Disconnected — reconnecting'}>
          {connected ? '● connected' : '○ reconnecting'}
        </span>
      </header>
      <div className="leftcol">
      <Watchlist
        rows={rows}
        selected={symbol}
        onSelect={selectSymbol}
        onAdd={async (s) => {
          const r = await api.addSymbol(s);
          setWatchlist(r.watchlist);
          selectSymbol(s);
        }}
        onRemove={(s) => {
          api.removeSymbol(s).then(
            (r) => {
              const rest = r.watchlist;
              if (s === symbol && rest[0]) selectSymbol(rest[0]);
              setWatchlist(rest);
            },
            (e: Error) => setNotice(sentence(e.message)),
          );
        }}
      />
      <ScannerPanel selected={symbol} onSelect={selectSymbol} />
      </div>
      <main className="centre">
        {film ? (
          <GameFilmBar
            film={film}
            onIndex={(index) => setFilm((f) => (f ? { ...f, index } : f))}
            onClose={() => setFilm(null)}
            onControl={onControl}
            onSymbol={selectSymbol}
            onContracts={(tickers) => {
              const m = matrixRef.current;
              const add = tickers.filter((t) => !m.entries.some((e) => e.ticker === t));
              if (add.length) m.update([...m.entries, ...add.map((ticker) => ({ ticker }))]).catch((e: Error) => setNotice(`Quote matrix: ${sentence(e.message)}`));
            }}
          />
        ) : null}
        <Toolbar
          symbol={symbol}
          lastText={lastText}
          tf={tf}
          onTf={setTf}
          extended={extended}
          onExtended={setExtended}
          badPrints={badPrints}
          onBadPrints={setBadPrints}
          tool={tool}
          onTool={setTool}
          badge={badge}
        />
        <div className="chart-subbar">
          <ChecklistGrade symbol={symbol} clock={replay?.clock ?? null} hasData={symbolData ? symbolData.ok : null} />
          <IndicatorMenu enabled={overlays} onToggle={toggleOverlay} />
        </div>
        <IndicatorOverlays chart={chartApi} symbol={symbol} tf={tf} extended={extended} clock={replay?.clock ?? null} enabled={overlays} />
        <StrategyLevels chart={chartApi} symbol={symbol} tf={tf} clock={replay?.clock ?? null} levels={strategyChart.levels} focus={strategyChart.focus} />
        <ChartView
          symbol={symbol}
          tf={tf}
          extended={extended}
          badPrints={badPrints}
          tool={tool}
          onToolDone={() => setTool('none')}
          resyncToken={resyncToken}
          noDataMessage={row && !row.hasData ? (row.message ?? `No data for ${symbol}`) : null}
          onHealth={onHealth}
          onNotice={setNotice}
          onChart={setChartApi}
          fills={chartFills}
        />
        <QuoteMatrix
          entries={matrix.entries}
          rows={matrix.rows}
          at={matrix.at}
          selected={selectedContract}
          onChange={matrix.update}
          onSelect={selectContract}
          positions={trading.positions}
        />
        <TradingDock trading={trading} />
      </main>
      <SidePanels
        symbol={parseOccTicker(symbol)?.underlying ?? symbol /* an option contract's chart: its underlying's chain */}
        symbolData={symbolData}
        quotes={quotes}
        session={replay?.session ?? null}
        clock={replay?.clock ?? null}
        resyncToken={resyncToken}
        selected={selectedContract}
        selectedRow={selectedContract ? matrix.rows.get(selectedContract.ticker) : undefined}
        inMatrix={inMatrix}
        onSelect={selectContract}
        account={trading.accounts[0]?.name}
        positions={trading.positions}
        stockDraft={stockDraft}
      />
      <ReplayBar replay={replay} sessions={sessions} available={!!replay} onControl={onControl} />
      {strategiesOpen ? <StrategiesDock symbol={symbol} chart={strategyChart} accounts={trading.accounts.map((a) => a.name)} onClose={() => setStrategiesOpen(false)} onTicket={fillTicket} /> : null}
      {journalOpen ? <JournalPage onClose={() => setJournalOpen(false)} onFilm={(f) => { setJournalOpen(false); setFilm(f); }} /> : null}
    </div>
  );
}
