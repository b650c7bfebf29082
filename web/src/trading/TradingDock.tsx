/**
 * The trading dock under the chart: the account strip with the kill switch, the order
 * entry for the contract picked in the chain (buy/sell, quantity, limit with bid/mid/ask,
 * take-profit as +% or price, optional stop; cost, fees, max loss and break-even shown
 * before sending), the open positions with live P&L and armed exits, and the orders.
 *
 * Everything comes from the `trading:*` stream (useTrading); orders go through
 * POST /api/orders, so a risk refusal comes back as "check: why" and is shown inline.
 */
import { useEffect, useMemo, useState } from 'react';
import type { WireMatrixRow } from '../../../src/hub/options-protocol.js';
import { ALPACA_FEES, feesFor } from '../../../src/broker/fees.js';
import { toPrice } from '../../../src/broker/money.js';
import { formatPrice, formatSigned } from '../format.js';
import { longContract, parseContract, shortContract, type SelectedContract } from '../options/contract.js';
import { tradingApi, type OrderRequest, type WireOrder, type WirePosition } from './tradingApi.js';
import { useTrading } from './useTrading.js';
import './trading.css';

export interface TradingDockProps {
  selected: SelectedContract | null;
  /** Live matrix row of the selected contract (bid/ask/underlying). */
  row: WireMatrixRow | undefined;
}

function money(v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return '—';
  return `${v < 0 ? '−' : ''}$${Math.abs(v).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

function pnlClass(v: number | null | undefined): string {
  return v == null || v === 0 ? 'flat' : v > 0 ? 'up' : 'down';
}

export function TradingDock({ selected, row }: TradingDockProps) {
  const t = useTrading();
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
        <OrderEntry selected={selected} row={row} account={account?.name} onError={setError} />
        <div className="td-tables">
          <Positions positions={t.positions} onClose={(p) => act(tradingApi.close(p.account, p.symbol))} />
          <Orders working={working} recent={recent} onCancel={(o) => act(tradingApi.cancel(o.id))} />
        </div>
      </div>
      {error ? <div className="td-error" role="alert" data-testid="trading-error">{error}</div> : null}
    </section>
  );
}

type TpMode = 'none' | 'percent' | 'price';

function OrderEntry({ selected, row, account, onError }: { selected: SelectedContract | null; row: WireMatrixRow | undefined; account: string | undefined; onError(m: string | null): void }) {
  const [side, setSide] = useState<'buy' | 'sell'>('buy');
  const [qty, setQty] = useState('1');
  const [limit, setLimit] = useState('');
  const [tpMode, setTpMode] = useState<TpMode>('percent');
  const [tp, setTp] = useState('10');
  const [stop, setStop] = useState('');
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState<string | null>(null);
  const key = selected ? `${selected.ticker}|${selected.side}|${selected.price}` : '';
  useEffect(() => {
    if (!selected) return;
    setSide(selected.side === 'ask' ? 'buy' : 'sell');
    setLimit(selected.price.toFixed(2));
    setSent(null);
  }, [key]); // eslint-disable-line react-hooks/exhaustive-deps

  if (!selected) {
    return (
      <div className="td-entry empty-state" data-testid="order-entry">
        <p className="muted">Click a bid or ask in the options chain to trade it here.</p>
      </div>
    );
  }
  const c = parseContract(selected.ticker);
  const q = Number(qty);
  const px = Number(limit);
  const valid = Number.isInteger(q) && q > 0 && Number.isFinite(px) && px > 0 && toPrice(px) !== null;
  const cost = valid ? px * 100 * q : null;
  const fees = valid ? feesFor(ALPACA_FEES, 'option', side, q, toPrice(px)!).total / 100 : null;
  const breakEven = c && valid ? (c.right === 'call' ? c.strike + px : c.strike - px) : null;
  const tpPrice = tpMode === 'percent' && valid && Number(tp) > 0 ? Math.ceil(px * (1 + Number(tp) / 100) * 100 - 1e-9) / 100 : tpMode === 'price' ? Number(tp) : null;
  const mid = row && row.bid != null && row.ask != null ? (row.bid + row.ask) / 2 : null;

  const submit = (): void => {
    if (!valid) return onError('qty and limit: enter a whole quantity and a price');
    const order: OrderRequest = {
      ...(account ? { account } : {}), symbol: selected.ticker, side, qty: q, type: 'limit', limitPrice: px,
      ...(side === 'buy' && tpMode === 'percent' && Number(tp) > 0 ? { takeProfit: { percent: Number(tp) } } : {}),
      ...(side === 'buy' && tpMode === 'price' && Number(tp) > 0 ? { takeProfit: { limitPrice: Number(tp) } } : {}),
      ...(side === 'buy' && stop.trim() !== '' ? { stopLoss: { stopPrice: Number(stop) } } : {}),
    };
    setBusy(true);
    onError(null);
    tradingApi.submit(order).then(
      (o) => setSent(`${o.side} ${o.qty} ${shortContract(o.symbol)}: ${o.status}${o.avgFillPrice != null ? ` @ ${formatPrice(o.avgFillPrice)}` : ''}`),
      (e: Error) => onError(e.message),
    ).finally(() => setBusy(false));
  };

  return (
    <div className="td-entry" data-testid="order-entry" data-ticker={selected.ticker}>
      <div className="td-row">
        <b className="td-contract">{longContract(selected.ticker)}</b>
        <span className="tb-group">
          <button className={`tb-btn ${side === 'buy' ? 'active' : ''}`} onClick={() => setSide('buy')} data-testid="side-buy">Buy</button>
          <button className={`tb-btn ${side === 'sell' ? 'active' : ''}`} onClick={() => setSide('sell')} data-testid="side-sell">Sell</button>
        </span>
      </div>
      <div className="td-row">
        <label>Qty <input className="td-num" value={qty} onChange={(e) => setQty(e.target.value)} data-testid="entry-qty" inputMode="numeric" /></label>
        <label>Limit <input className="td-num" value={limit} onChange={(e) => setLimit(e.target.value)} data-testid="entry-limit" inputMode="decimal" /></label>
        <span className="td-quick">
          <button onClick={() => row?.bid != null && setLimit(row.bid.toFixed(2))} disabled={row?.bid == null}>bid</button>
          <button onClick={() => mid != null && setLimit(mid.toFixed(2))} disabled={mid == null}>mid</button>
          <button onClick={() => row?.ask != null && setLimit(row.ask.toFixed(2))} disabled={row?.ask == null}>ask</button>
        </span>
      </div>
      {side === 'buy' ? (
        <div className="td-row">
          <label>Take-profit{' '}
            <select value={tpMode} onChange={(e) => setTpMode(e.target.value as TpMode)} data-testid="entry-tp-mode">
              <option value="percent">+%</option>
              <option value="price">price</option>
              <option value="none">none</option>
            </select>
          </label>
          {tpMode !== 'none' ? <input className="td-num" value={tp} onChange={(e) => setTp(e.target.value)} data-testid="entry-tp" inputMode="decimal" /> : null}
          {tpMode === 'percent' && tpPrice != null ? <span className="muted">→ {formatPrice(tpPrice)}</span> : null}
          <label>Stop <input className="td-num" value={stop} placeholder="none" onChange={(e) => setStop(e.target.value)} data-testid="entry-stop" inputMode="decimal" /></label>
        </div>
      ) : null}
      <div className="td-preview" data-testid="entry-preview">
        <span>{side === 'buy' ? 'cost' : 'proceeds'} <b>{money(cost)}</b></span>
        <span>fees <b>{money(fees)}</b></span>
        {side === 'buy' ? <span>max loss <b>{money(cost != null && fees != null ? cost + fees : null)}</b></span> : null}
        {breakEven != null ? <span>break-even <b>{formatPrice(breakEven)}</b></span> : null}
      </div>
      <div className="td-row">
        <button className={`td-submit ${side}`} onClick={submit} disabled={busy || !valid} data-testid="entry-submit">
          {side === 'buy' ? 'Buy' : 'Sell'} {valid ? `${q} @ ${formatPrice(px)}` : ''}
        </button>
        {sent ? <span className="muted" data-testid="entry-sent">{sent}</span> : null}
      </div>
    </div>
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
