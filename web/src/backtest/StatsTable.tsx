/** A report's statistics with their 95% confidence intervals, the traders' bar and the warnings. */
import type { BacktestResult } from './backtestApi.js';

type Stats = BacktestResult['stats'];

const money = (x: number | null) => (x === null ? 'n/a' : `${x < 0 ? '−' : ''}$${Math.abs(x).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`);
const pct = (x: number | null, d = 1) => (x === null ? 'n/a' : `${(x * 100).toFixed(d)}%`);
const num = (x: number | null, d = 2) => (x === null ? 'n/a' : x.toFixed(d));

export function StatsTable({ stats: s, compact = false }: { stats: Stats; compact?: boolean }) {
  const ci = s.ci95;
  const rows: Array<[string, string, string?]> = [
    ['Trades', `${s.trades} (${s.wins} W / ${s.losses} L)`],
    ['Win rate', pct(s.winRate), ci.winRate ? `95% CI ${pct(ci.winRate.low)} – ${pct(ci.winRate.high)}` : undefined],
    ['Profit factor', num(s.profitFactor)],
    ['Net P&L', money(s.netPnl)],
    ['Expectancy', `${money(s.expectancy)} · ${num(s.expectancyR)} R`, ci.expectancy ? `95% CI ${money(ci.expectancy.low)} – ${money(ci.expectancy.high)}` : undefined],
    ['Avg win / loss', `${money(s.avgWin)} / ${money(s.avgLoss)}`],
    ['Max drawdown', `${money(s.maxDrawdown)} (${pct(s.maxDrawdownPct, 2)})`],
    ['Sharpe / Sortino', `${num(s.sharpe)} / ${num(s.sortino)}`],
    ['Exposure', pct(s.exposure)],
  ];
  const bar: Array<[keyof Stats['bar'], string]> = [['trades', '≥ 100 trades'], ['winRate', 'win rate > 55%'], ['profitFactor', 'PF > 1.5'], ['maxDrawdown', 'drawdown < 15%']];
  return (
    <div className="bt-stats" data-testid="bt-stats">
      <table>
        <tbody>
          {rows.map(([k, v, c]) => (
            <tr key={k} data-stat={k}>
              <th>{k}</th>
              <td>
                {v}
                {c ? <div className="bt-ci">{c}</div> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="bt-bar" title="The traders' own bar before automating a strategy" data-testid="bt-bar">
        {bar.map(([k, label]) => (
          <span key={k} className={s.bar[k] ? 'ok' : 'no'}>{s.bar[k] ? '✓' : '✗'} {label}</span>
        ))}
      </div>
      {compact ? null : s.warnings.map((w) => <div key={w} className="bt-warn" data-testid="bt-warning">{w}</div>)}
    </div>
  );
}
