/** A report's trades, newest last; a row click selects the trade (the desk shows it on the chart). */
import type { ReportTrade } from './backtestApi.js';

const hm = (iso: string) => iso.slice(11, 16);

export function TradesTable({ trades, selected, onSelect }: { trades: readonly ReportTrade[]; selected: number | null; onSelect?(t: ReportTrade, i: number): void }) {
  if (!trades.length) return <div className="muted bt-none">No trades in this run.</div>;
  return (
    <div className="bt-trades-wrap">
      <table className="bt-trades" data-testid="bt-trades">
        <thead>
          <tr><th>Day</th><th>Side</th><th>In</th><th>Out</th><th>P&amp;L</th><th>R</th></tr>
        </thead>
        <tbody>
          {trades.map((t, i) => (
            <tr
              key={t.entryTime}
              className={`${onSelect ? 'clickable ' : ''}${selected === i ? 'selected' : ''}`}
              data-testid={`bt-trade-${i}`}
              title={`${t.reasonIn} · stop ${t.stop}${t.target !== null ? ` · target ${t.target}` : ''} · ${t.qty} sh · fees $${t.fees.toFixed(2)} · MAE ${t.mae} · MFE ${t.mfe}`}
              onClick={onSelect ? () => onSelect(t, i) : undefined}
            >
              <td>{t.entryTime.slice(5, 10)}</td>
              <td className={t.side === 'long' ? 'up' : 'down'}>{t.side}</td>
              <td>{hm(t.entryTime)} {t.entryPrice.toFixed(2)}</td>
              <td>{hm(t.exitTime)} {t.exitPrice.toFixed(2)} <span className="bt-reason">{t.reasonOut}</span></td>
              <td className={t.pnl > 0 ? 'up' : t.pnl < 0 ? 'down' : 'flat'}>{t.pnl.toFixed(2)}</td>
              <td>{t.r.toFixed(2)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
