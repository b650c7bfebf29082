/** A report's trades, newest last; a row click selects the trade (the desk shows it on the chart). */
import type { ReportTrade } from './backtestApi.js';

const hm = (iso: string) => iso.slice(11, 16);

/** O:SPY131011C00167500 → "167.5C 10/11" (the full ticker is the cell's title). */
function shortContract(ticker: string): string {
  const m = /^O:[A-Z.]+\d?(\d{2})(\d{2})(\d{2})([CP])(\d{8})$/.exec(ticker);
  return m ? `${Number(m[5]) / 1000}${m[4]} ${m[2]}/${m[3]}` : ticker;
}

export function TradesTable({ trades, selected, onSelect }: { trades: readonly ReportTrade[]; selected: number | null; onSelect?(t: ReportTrade, i: number): void }) {
  if (!trades.length) return <div className="muted bt-none">No trades in this run.</div>;
  // Options mode: prices are the option's ask/bid; the contract, its quote source and break-even get columns.
  const options = trades.some((t) => t.contract !== undefined);
  return (
    <div className="bt-trades-wrap">
      <table className="bt-trades" data-testid="bt-trades">
        <thead>
          <tr><th>Day</th><th>Side</th>{options ? <th title="RECORDED (REC) or MODEL quotes">Contract</th> : null}<th>In</th><th>Out</th>{options ? <th>B/E</th> : null}<th>P&amp;L</th><th>R</th></tr>
        </thead>
        <tbody>
          {trades.map((t, i) => (
            <tr
              key={t.entryTime}
              className={`${onSelect ? 'clickable ' : ''}${selected === i ? 'selected' : ''}`}
              data-testid={`bt-trade-${i}`}
              title={`${t.reasonIn} · stop ${t.stop}${t.target !== null ? ` · target ${t.target}` : ''} · ${t.qty} ${t.contract ? 'contracts' : 'sh'}${t.pick ? ` · ${t.pick}` : ''}${t.exitNote ? ` · ${t.exitNote}` : ''} · fees $${t.fees.toFixed(2)} · MAE ${t.mae} · MFE ${t.mfe}`}
              onClick={onSelect ? () => onSelect(t, i) : undefined}
            >
              <td>{t.entryTime.slice(5, 10)}</td>
              <td className={t.side === 'long' ? 'up' : 'down'}>{t.side}</td>
              {options ? (
                <td className="bt-contract" data-testid="bt-contract" data-contract={t.contract ?? ''} title={t.contract}>
                  {t.contract ? shortContract(t.contract) : ''}{' '}
                  <span className={t.quoteSource === 'MODEL' ? 'bt-model' : 'bt-recorded'} data-testid="bt-quote-source" data-source={t.quoteSource ?? ''}>{t.quoteSource === 'MODEL' ? 'MODEL' : 'REC'}</span>
                </td>
              ) : null}
              <td>{hm(t.entryTime)} {t.entryPrice.toFixed(2)}</td>
              <td>{hm(t.exitTime)} {t.exitPrice.toFixed(2)} <span className="bt-reason">{t.reasonOut}</span></td>
              {options ? <td data-testid="bt-break-even">{t.breakEven?.toFixed(2) ?? ''}</td> : null}
              <td className={t.pnl > 0 ? 'up' : t.pnl < 0 ? 'down' : 'flat'}>{t.pnl.toFixed(2)}</td>
              <td>{t.r.toFixed(2)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
