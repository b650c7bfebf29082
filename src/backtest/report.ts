/**
 * Report formats beyond JSON: the trades as CSV, and a self-contained HTML page (the
 * lightweight-charts standalone build inlined from node_modules) with the equity curve and,
 * for ranges short enough to draw, the 5-minute candles with every entry/exit marker and the
 * published levels. Times on the charts are New York wall-clock (lightweight-charts draws UTC).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { formatNyIso, type Session } from '../calendar/index.js';
import { MINUTE_MS } from '../core/types.js';
import type { BacktestReport, ReportTrade } from './backtest.js';
import type { DaySource } from './minutes.js';
import type { DataWarning } from './data-check.js';

export const TRADE_COLUMNS = ['entryTime', 'exitTime', 'side', 'entryPrice', 'exitPrice', 'stop', 'target', 'qty', 'fees', 'pnl', 'r', 'reasonIn', 'reasonOut', 'mae', 'mfe'] as const;

/** Added in options mode: entryPrice/exitPrice are then the option's ask/bid, and `quoteSource` says RECORDED or MODEL on every row. */
export const OPTION_TRADE_COLUMNS = ['contract', 'quoteSource', 'optionEntryTime', 'optionExitTime', 'entryAsk', 'exitBid', 'breakEven', 'underlyingEntry', 'underlyingExit', 'exitNote'] as const;

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

export function tradesCsv(report: BacktestReport): string {
  const cols: ReadonlyArray<keyof ReportTrade> = report.mode === 'options' ? [...TRADE_COLUMNS, ...OPTION_TRADE_COLUMNS] : TRADE_COLUMNS;
  const lines = [cols.join(',')];
  for (const t of report.trades) lines.push(cols.map((c) => csvCell(t[c])).join(','));
  return lines.join('\n') + '\n';
}

export interface Candle { time: number; open: number; high: number; low: number; close: number }

/** New York wall-clock seconds of an instant, the time axis lightweight-charts shows as-is. */
export function wallSeconds(ms: number): number {
  return Date.parse(formatNyIso(ms).slice(0, 19) + 'Z') / 1000;
}
const isoWall = (iso: string) => Date.parse(iso.slice(0, 19) + 'Z') / 1000;

/** 5-minute candles of the sessions, aligned to the open (for the report chart only). */
export function fiveMinuteCandles(source: DaySource, symbol: string, sessions: readonly Session[]): Candle[] {
  const out: Candle[] = [];
  const width = 5 * MINUTE_MS;
  source.forEachDay(symbol, sessions, (d) => {
    let cur: Candle | null = null;
    let curStart = -1;
    for (let i = 0; i < d.n; i++) {
      const b = d.session.open + Math.floor((d.start[i]! - d.session.open) / width) * width;
      if (b !== curStart) {
        if (cur) out.push(cur);
        curStart = b;
        cur = { time: wallSeconds(b), open: d.open[i]!, high: d.high[i]!, low: d.low[i]!, close: d.close[i]! };
      } else {
        cur!.high = Math.max(cur!.high, d.high[i]!);
        cur!.low = Math.min(cur!.low, d.low[i]!);
        cur!.close = d.close[i]!;
      }
    }
    if (cur) out.push(cur);
  });
  return out;
}

function chartLibrary(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('lightweight-charts/package.json');
  return readFileSync(pkg.replace(/package\.json$/, 'dist/lightweight-charts.standalone.production.js'), 'utf8');
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const money = (x: number | null) => (x === null ? 'n/a' : `${x < 0 ? '−' : ''}$${Math.abs(x).toFixed(2)}`);
const pct = (x: number | null, d = 1) => (x === null ? 'n/a' : `${(x * 100).toFixed(d)}%`);
const num = (x: number | null, d = 2) => (x === null ? 'n/a' : x.toFixed(d));

/** The HTML report. `candles` empty: the price chart is left out (long ranges). */
export function htmlReport(report: BacktestReport, candles: readonly Candle[], dataWarnings: readonly DataWarning[] = []): string {
  const s = report.stats;
  const ci = s.ci95;
  const statRows: Array<[string, string]> = [
    ['Trades', String(s.trades)], ['Win rate', `${pct(s.winRate)}${ci.winRate ? ` (95% CI ${pct(ci.winRate.low)}–${pct(ci.winRate.high)})` : ''}`],
    ['Profit factor', num(s.profitFactor)], ['Net P&L', money(s.netPnl)],
    ['Expectancy', `${money(s.expectancy)} / ${num(s.expectancyR)} R${ci.expectancy ? ` (95% CI ${money(ci.expectancy.low)}–${money(ci.expectancy.high)})` : ''}`],
    ['Avg win / loss', `${money(s.avgWin)} / ${money(s.avgLoss)}`], ['Max drawdown', `${money(s.maxDrawdown)} (${pct(s.maxDrawdownPct, 2)})`],
    ['Sharpe / Sortino (daily, annualised)', `${num(s.sharpe)} / ${num(s.sortino)}`], ['Exposure', pct(s.exposure)],
  ];
  const markers = report.trades.flatMap((t) => [
    { time: isoWall(t.entryTime), position: t.side === 'long' ? 'belowBar' : 'aboveBar', color: t.side === 'long' ? '#26a69a' : '#ef5350', shape: t.side === 'long' ? 'arrowUp' : 'arrowDown', text: t.contract ? `${t.side} ${t.contract.slice(2)} ask ${t.entryAsk}` : `${t.side} ${t.entryPrice}` },
    { time: isoWall(t.exitTime), position: t.side === 'long' ? 'aboveBar' : 'belowBar', color: t.pnl >= 0 ? '#26a69a' : '#ef5350', shape: 'circle', text: `${t.reasonOut} ${t.contract ? `bid ${t.exitBid}` : t.exitPrice} (${t.pnl >= 0 ? '+' : ''}${t.pnl.toFixed(2)})` },
  ]);
  // Markers must sit on bar times: snap each to the 5-minute candle holding it.
  const times = candles.map((c) => c.time);
  const snap = (t: number) => {
    let lo = 0;
    let hi = times.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (times[mid]! <= t) lo = mid;
      else hi = mid - 1;
    }
    return times[lo] ?? t;
  };
  const snapped = markers.map((m) => ({ ...m, time: snap(m.time) })).sort((a, b) => a.time - b.time);
  // Levels as two line series (high, low): any number of blocks costs two series. A line joins
  // consecutive points and a segment takes its first point's colour, so each block's last point
  // is transparent (no slanted join to the next block).
  const spans = report.levels.map((l) => ({ from: isoWall(l.from), to: isoWall(l.to), high: l.high, low: l.low })).sort((a, b) => a.from - b.from);
  const levelHigh: Array<{ time: number; value: number; color?: string }> = [];
  const levelLow: Array<{ time: number; value: number; color?: string }> = [];
  const spanOf: number[] = [];
  let k = 0;
  for (const c of candles) {
    while (k < spans.length - 1 && spans[k + 1]!.from <= c.time) k++;
    const sp = spans[k];
    if (sp === undefined || c.time < sp.from || c.time >= sp.to) continue;
    levelHigh.push({ time: c.time, value: sp.high });
    levelLow.push({ time: c.time, value: sp.low });
    spanOf.push(k);
  }
  for (let i = 0; i < spanOf.length - 1; i++) {
    if (spanOf[i + 1] !== spanOf[i]) levelHigh[i]!.color = levelLow[i]!.color = 'rgba(0,0,0,0)';
  }
  const data = {
    equity: report.equity.map((e) => ({ time: isoWall(e.time), value: e.equity })).filter((p, i, a) => i === 0 || p.time > a[i - 1]!.time),
    candles, markers: snapped, levelHigh, levelLow,
  };
  const title = `${report.strategy} ${report.symbol} ${report.from} → ${report.to}`;
  const opt = report.mode === 'options';
  const optCells = (t: ReportTrade) => (opt ? `<td>${esc(t.contract ?? '')}</td><td>${esc(t.quoteSource ?? '')}</td><td>${t.breakEven ?? ''}</td><td>${t.underlyingEntry ?? ''} → ${t.underlyingExit ?? ''}</td>` : '');
  const tradeRows = report.trades.map((t) => `<tr class="${t.pnl >= 0 ? 'win' : 'loss'}"><td>${esc(t.entryTime)}</td><td>${esc(t.exitTime)}</td><td>${t.side}</td><td>${t.entryPrice}</td><td>${t.exitPrice}</td><td>${t.qty}</td><td>${t.fees.toFixed(2)}</td><td>${t.pnl.toFixed(2)}</td><td>${t.r}</td><td>${esc(t.reasonIn)}</td><td>${esc(t.reasonOut)}</td><td>${t.mae}</td><td>${t.mfe}</td>${optCells(t)}</tr>`).join('\n');
  const o = report.options;
  const optionsHtml = o ? `${o.notice ? `<div class="warn model" id="model-notice">${esc(o.notice)}</div>` : ''}
<div>options: ${o.quoteSources.RECORDED} trades on RECORDED quotes, ${o.quoteSources.MODEL} on MODEL quotes; bought at the ask, sold at the bid; exits ${esc(o.exits)}; ${report.skippedEntries.length} entries skipped (no contract or no fill); picker ${esc(JSON.stringify(o.params))}</div>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{background:#131722;color:#d1d4dc;font:13px/1.4 system-ui,sans-serif;margin:16px}
h1{font-size:18px;margin:0 0 8px}h2{font-size:14px;margin:16px 0 6px}
.warn{background:#4a3000;border:1px solid #b07d00;padding:6px 10px;margin:4px 0;border-radius:4px}
table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #2a2e39;text-align:right}
th{color:#9598a1;font-weight:normal}td:first-child,th:first-child{text-align:left}
tr.win td:nth-child(8){color:#26a69a}tr.loss td:nth-child(8){color:#ef5350}
.chart{height:320px;width:100%}#price{height:420px}
</style></head><body>
<h1>${esc(title)}</h1>
<div>mode ${report.mode} · ${report.sessions} sessions · ${report.bars.toLocaleString('en-US')} one-minute bars · params ${esc(JSON.stringify(report.params))}</div>
${optionsHtml}
${s.warnings.map((w) => `<div class="warn">${esc(w)}</div>`).join('\n')}
${dataWarnings.map((d) => `<div class="warn">Data: ${esc(d.time)} ${esc(d.detail)} while the trade entered ${esc(d.trade)} was open.</div>`).join('\n')}
<h2>Statistics</h2><table id="stats">${statRows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>
<h2>Equity</h2><div id="equity" class="chart"></div>
${candles.length ? '<h2>Price (5-minute candles, New York time) with entries, exits and levels</h2><div id="price" class="chart"></div>' : '<p>Range too long to draw the candles; the trades are listed below.</p>'}
<h2>Trades</h2><table id="trades"><tr><th>entry</th><th>exit</th><th>side</th><th>${opt ? 'entry ask' : 'entry $'}</th><th>${opt ? 'exit bid' : 'exit $'}</th><th>qty</th><th>fees</th><th>P&amp;L</th><th>R</th><th>in</th><th>out</th><th>MAE</th><th>MFE</th>${opt ? '<th>contract</th><th>quotes</th><th>break-even</th><th>underlying</th>' : ''}</tr>
${tradeRows}</table>
<script>${chartLibrary()}</script>
<script>
const D = ${JSON.stringify(data)};
const L = LightweightCharts;
const opts = { layout: { background: { color: '#131722' }, textColor: '#d1d4dc' }, grid: { vertLines: { color: '#1e222d' }, horzLines: { color: '#1e222d' } }, timeScale: { timeVisible: true } };
const eq = L.createChart(document.getElementById('equity'), opts);
eq.addSeries(L.AreaSeries, { lineColor: '#2962ff', topColor: 'rgba(41,98,255,0.3)', bottomColor: 'rgba(41,98,255,0)' }).setData(D.equity);
eq.timeScale().fitContent();
if (D.candles.length) {
  const pc = L.createChart(document.getElementById('price'), opts);
  const cs = pc.addSeries(L.CandlestickSeries, {});
  cs.setData(D.candles);
  L.createSeriesMarkers(cs, D.markers);
  const lineOpts = { color: '#f0b90b', lineWidth: 1, lineStyle: 2, priceLineVisible: false, lastValueVisible: false, crosshairMarkerVisible: false };
  pc.addSeries(L.LineSeries, lineOpts).setData(D.levelHigh);
  pc.addSeries(L.LineSeries, lineOpts).setData(D.levelLow);
  pc.timeScale().fitContent();
}
window.reportData = D;
window.reportReady = true;
</script></body></html>
`;
}
