/**
 * The trading dock under the chart: the account strip with the kill switch, the open
 * positions with live P&L and armed exits (close button), and the working and filled
 * orders (cancel). Orders are entered in the one order ticket (OrderTicket.tsx, right
 * column). Everything comes from the `trading:*` stream (useTrading, owned by App so the
 * ticket, the quote matrix and the chart's fill markers read the same state).
 */
import { useMemo, useState } from 'react';
import { formatPrice, formatSigned } from '../format.js';
import { shortContract } from '../options/contract.js';
import { money, pnlClass } from './display.js';
import { tradingApi, type WireOrder, type WirePosition } from './tradingApi.js';
import type { TradingState } from './useTrading.js';
import './trading.css';

export interface TradingDockProps {
  trading: TradingState;
}

export function TradingDock({ trading: t }: TradingDockProps) {
  const [error, setError] = useState<string | null>(null);
  const account = t.accounts[0];
  const working = useMemo(() => [...t.orders.values()].filter((o) => !['filled', 'canceled', 'expired', 'replaced', 'rejected'].includes(o.status)), [t.orders]);
  const recent = useMemo(() => [...t.orders.values()].filter((o) => o.status === 'filled').slice(-6).reverse(), [t.orders]);
  const act = (p: Promise<unknown>): void => {
    setError(null);
    p.catch((e: Error) => setError(e.message));
  };

  return (
    <section className="panel trading-dock" data-testid="trading-dock">
      <div className="td-strip">
        <span className="td-account" data-testid="account-strip">
          <b>{account?.name ?? 'paper'}</b>
          <span>cash <b className="num">{money(account?.cash)}</b></span>
          <span>equity <b className="num">{money(account?.equity)}</b></span>
          <span>day P&amp;L <b className={`num ${pnlClass(account?.dayPnl)}`} data-testid="day-pnl">{money(account?.dayPnl)}</b></span>
          <span>fees <b className="num">{money(account?.dayFees)}</b></span>
        </span>
        <span className="tb-spacer" />
        {t.killSwitch.engaged ? (
          <button className="td-kill on" data-testid="kill-switch" title={t.killSwitch.reason ?? ''} onClick={() => act(tradingApi.release())}>
            KILL SWITCH ON — release
          </button>
        ) : (
          <button className="td-kill" data-testid="kill-switch" title="Cancel every working order and block new ones" onClick={() => act(tradingApi.kill('halted from the dashboard'))}>
            KILL
          </button>
        )}
      </div>
      {t.killSwitch.engaged && t.killSwitch.reason ? <div className="td-error">Trading halted: {t.killSwitch.reason}</div> : null}
      <div className="td-body">
        <div className="td-tables">
          <Positions positions={t.positions} onClose={(p) => act(tradingApi.close(p.account, p.symbol))} />
          <Orders working={working} recent={recent} onCancel={(o) => act(tradingApi.cancel(o.id))} />
        </div>
      </div>
      {error ? <div className="td-error" role="alert" data-testid="trading-error">{error}</div> : null}
    </section>
  );
}

function Positions({ positions, onClose }: { positions: WirePosition[]; onClose(p: WirePosition): void }) {
  return (
    <table className="td-table" data-testid="positions">
      <thead>
        <tr><th>Position</th><th>Qty</th><th>Avg</th><th>Bid</th><th>Mark</th><th>Ask</th><th>P&amp;L</th><th>%</th><th>Exits</th><th /></tr>
      </thead>
      <tbody>
        {positions.length === 0 ? (
          <tr><td colSpan={10} className="muted">No open positions.</td></tr>
        ) : positions.map((p) => (
          <tr key={`${p.account}|${p.symbol}`} data-testid="position-row" data-symbol={p.symbol}>
            <td>{shortContract(p.symbol)}</td>
            <td className="num">{p.qty}</td>
            <td className="num">{formatPrice(p.avgPrice)}</td>
            <td className="num">{formatPrice(p.bid)}</td>
            <td className="num">{formatPrice(p.mark)}</td>
            <td className="num">{formatPrice(p.ask)}</td>
            <td className={`num ${pnlClass(p.unrealizedPnl)}`} data-testid="position-pnl">{money(p.unrealizedPnl)}</td>
            <td className={`num ${pnlClass(p.unrealizedPnl)}`}>{p.unrealizedPnlPercent == null ? '—' : `${formatSigned(p.unrealizedPnlPercent)}%`}</td>
            <td className="td-exits" title={p.exitNote ?? ''}>
              {p.takeProfit ? <span>TP {formatPrice(p.takeProfit.limitPrice)}</span> : null}
              {p.stopLoss ? <span>SL {formatPrice(p.stopLoss.stopPrice)}</span> : null}
              {!p.takeProfit && !p.stopLoss ? <span className="muted">—</span> : null}
            </td>
            <td><button className="td-small" onClick={() => onClose(p)}>Close</button></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Orders({ working, recent, onCancel }: { working: WireOrder[]; recent: WireOrder[]; onCancel(o: WireOrder): void }) {
  const rows = [...working, ...recent];
  return (
    <table className="td-table" data-testid="orders">
      <thead>
        <tr><th>Order</th><th>Role</th><th>Side</th><th>Qty</th><th>Price</th><th>Status</th><th>Time</th><th /></tr>
      </thead>
      <tbody>
        {rows.length === 0 ? (
          <tr><td colSpan={8} className="muted">No orders yet.</td></tr>
        ) : rows.map((o) => (
          <tr key={o.id} data-testid="order-row" data-role={o.role} data-status={o.status}>
            <td>{shortContract(o.symbol)}</td>
            <td className="muted">{o.role.replace('_', '-')}</td>
            <td className={o.side === 'buy' ? 'up' : 'down'}>{o.side}</td>
            <td className="num">{o.filledQty}/{o.qty}</td>
            <td className="num">{formatPrice(o.avgFillPrice ?? o.limitPrice ?? o.stopPrice)}</td>
            <td>{o.status.replace('_', ' ')}</td>
            <td className="num muted">{(o.fills[o.fills.length - 1]?.time ?? o.createdAt).slice(11, 19)}</td>
            <td>{working.includes(o) ? <button className="td-small" onClick={() => onCancel(o)}>Cancel</button> : null}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
