/**
 * Strategy instances (item 6 of the automation issue): each bound to one account with its
 * own parameters and an `off | signal | auto` switch. A refused switch (kill switch on, not a
 * paper account, live without the live flag) shows the risk engine's sentence on the row.
 * Signals arrive on the socket as cards with their rationale and the order; one click puts
 * that order in the order ticket (shares side) for the trader to check and send — the card
 * sends nothing itself, so every manual order leaves from the one ticket, via the risk engine. Running instances' levels go to the desk's chart;
 * "Compare" opens every instance's equity, stats and trades side by side.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { sentence } from '../messages.js';
import type { ChartLevel } from '../backtest/StrategyLevels.js';
import { RefusalError } from '../trading/tradingApi.js';
import { instancesApi, strategySocket, type Mode, type WireInstance, type WireLevels, type WireSignal } from './instancesApi.js';
import { CompareView } from './CompareView.js';
import type { StockDraft } from '../trading/StockTicket.js';

const MODES: Mode[] = ['off', 'signal', 'auto'];

function refusalText(e: unknown): string {
  if (e instanceof RefusalError) return `${e.check.replace(/_/g, ' ')}: ${sentence(e.reason)}`;
  return sentence((e as Error).message);
}

export interface InstancesPanelProps {
  accounts: string[];
  symbol: string;
  /** The instances' levels for the chart. */
  onLevels(levels: ChartLevel[]): void;
  /** Fill the order ticket with a signal's order (the ticket sends it, not the card). */
  onTicket(draft: Omit<StockDraft, 'nonce'>): void;
}

export function InstancesPanel({ accounts, symbol, onLevels, onTicket }: InstancesPanelProps) {
  const [instances, setInstances] = useState<WireInstance[]>([]);
  const [refusals, setRefusals] = useState<Record<string, string>>({});
  const [signals, setSignals] = useState<WireSignal[]>([]);
  const [levels, setLevels] = useState<Record<string, WireLevels[]>>({});
  const [error, setError] = useState<string | null>(null);
  const [comparing, setComparing] = useState(false);
  const [form, setForm] = useState({ name: '', strategy: 'orb', symbol, account: '' });

  const refresh = useCallback(() => {
    instancesApi.list().then(
      (list) => {
        setInstances(list);
        setError(null);
        // Levels of the running instances (stored per instance, so a reload shows them too).
        for (const i of list) {
          if (i.mode === 'off') continue;
          instancesApi.report(i.id).then((r) => setLevels((m) => ({ ...m, [i.id]: r.levels })), () => undefined);
        }
      },
      (e: Error) => setError(e.message),
    );
  }, []);

  useEffect(() => {
    refresh();
    const onUpdate = (m: { instanceId: string; levels?: WireLevels[] }) => {
      if (m.levels) setLevels((all) => ({ ...all, [m.instanceId]: [...(all[m.instanceId] ?? []), ...m.levels!] }));
      refresh();
    };
    const onSignal = (s: WireSignal) => setSignals((list) => [s, ...list].slice(0, 20));
    strategySocket.on('strategy:update', onUpdate);
    strategySocket.on('strategy:signal', onSignal);
    return () => {
      strategySocket.off('strategy:update', onUpdate);
      strategySocket.off('strategy:signal', onSignal);
    };
  }, [refresh]);

  useEffect(() => {
    const out: ChartLevel[] = [];
    for (const i of instances) {
      if (i.mode === 'off') continue;
      for (const l of levels[i.id] ?? []) out.push({ set: i.name, symbol: i.symbol, from: Date.parse(l.from), to: Date.parse(l.to), high: l.high, low: l.low });
    }
    onLevels(out);
  }, [instances, levels, onLevels]);

  const setMode = async (i: WireInstance, mode: Mode) => {
    setRefusals(({ [i.id]: _, ...rest }) => rest);
    try {
      const next = await instancesApi.setMode(i.id, mode);
      setInstances((list) => list.map((x) => (x.id === next.id ? next : x)));
    } catch (e) {
      setRefusals((r) => ({ ...r, [i.id]: refusalText(e) }));
    }
  };

  const create = async () => {
    setError(null);
    try {
      await instancesApi.create({ ...form, name: form.name.trim(), symbol: form.symbol.trim().toUpperCase(), account: form.account || accounts[0] || '' });
      setForm((f) => ({ ...f, name: '' }));
      refresh();
    } catch (e) {
      setError(refusalText(e));
    }
  };

  const toTicket = (s: WireSignal, inst: WireInstance | undefined) => {
    const o = s.order;
    const name = inst?.name ?? 'instance';
    onTicket({
      ...(inst ? { account: inst.account } : {}),
      symbol: o.symbol, side: o.side, qty: o.qty, type: o.type, stop: o.stop, target: o.target,
      source: { label: `${name} · ${s.at.slice(11, 16)} · ${s.side}:`, rationale: s.rationale.text },
    });
  };

  const byId = useMemo(() => new Map(instances.map((i) => [i.id, i])), [instances]);

  return (
    <div className="inst-panel" data-testid="instances-panel">
      {error ? <div className="bt-error" role="alert" data-testid="inst-error">{error}</div> : null}
      {signals.length ? (
        <div className="inst-signals">
          {signals.map((s) => {
            const key = `${s.instanceId}@${s.at}`;
            const inst = byId.get(s.instanceId);
            return (
              <div key={key} className={`inst-signal ${s.side}`} data-testid="signal-card">
                <div className="inst-signal-head">
                  <b>{inst?.name ?? 'instance'}</b> · {s.at.slice(11, 16)} · <span className={s.side === 'long' ? 'up' : s.side === 'short' ? 'down' : ''}>{s.side}</span> {s.symbol}
                </div>
                <div className="inst-rationale">{s.rationale.text}</div>
                <div className="muted">
                  {s.order.side} {s.order.qty} {s.order.symbol} at market{s.order.stop !== null ? ` · stop ${s.order.stop}` : ''}{s.order.target !== null ? ` · target ${s.order.target}` : ''}
                </div>
                {s.outcome ? (
                  <div className={s.outcome.sent ? 'up' : 'bt-warn'}>{s.outcome.sent ? 'Sent automatically.' : `${(s.outcome.check ?? 'refused').replace(/_/g, ' ')}: ${sentence(s.outcome.message ?? '')}`}</div>
                ) : s.side !== 'exit' ? (
                  <button type="button" className="bt-run" data-testid="signal-place" onClick={() => toTicket(s, inst)}>
                    {s.order.side === 'buy' ? 'Buy' : 'Sell'} {s.order.qty} {s.order.symbol}: fill the order ticket
                  </button>
                ) : null}
              </div>
            );
          })}
        </div>
      ) : null}
      <div className="inst-list">
        {instances.length === 0 ? <div className="muted">No instances yet: add one below (several can run side by side on different accounts).</div> : null}
        {instances.map((i) => (
          <div key={i.id} className="inst-row" data-testid={`instance-${i.name}`}>
            <div className="inst-row-head">
              <b>{i.name}</b>
              <span className="muted">{i.strategy} {i.symbol} · {i.account}</span>
            </div>
            <div className="inst-switch" role="group" aria-label={`${i.name} mode`}>
              {MODES.map((m) => (
                <button key={m} type="button" aria-pressed={i.mode === m} data-testid={`mode-${m}`} onClick={() => void setMode(i, m)}>{m}</button>
              ))}
              <span className="muted inst-status">{i.status.replace(/_/g, ' ')}</span>
            </div>
            <div className="muted inst-stats">
              {i.stats.trades} trades · win {i.stats.winRate === null ? 'n/a' : `${(i.stats.winRate * 100).toFixed(0)}%`} · P&amp;L ${i.stats.pnl.toFixed(2)}
              {i.openPosition ? ` · open ${i.openPosition.side} ${i.openPosition.qty} @ ${i.openPosition.entryPrice}` : ''}
            </div>
            {refusals[i.id] ? <div className="bt-error" role="alert" data-testid="mode-refusal">{refusals[i.id]}</div> : null}
          </div>
        ))}
      </div>
      <button type="button" className="bt-params-toggle" data-testid="compare-open" disabled={!instances.length} onClick={() => setComparing(true)}>Compare instances side by side</button>
      <form
        className="bt-form inst-new"
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <label>Name<input value={form.name} data-testid="inst-name" onChange={(e) => setForm({ ...form, name: e.target.value })} /></label>
        <label>
          Strategy
          <select value={form.strategy} onChange={(e) => setForm({ ...form, strategy: e.target.value })}>
            <option value="orb">Opening-range breakout</option>
            <option value="timeblock">Time blocks</option>
          </select>
        </label>
        <label>Symbol<input value={form.symbol} data-testid="inst-symbol" onChange={(e) => setForm({ ...form, symbol: e.target.value.toUpperCase() })} /></label>
        <label>
          Account
          <select value={form.account || accounts[0] || ''} data-testid="inst-account" onChange={(e) => setForm({ ...form, account: e.target.value })}>
            {accounts.map((a) => <option key={a}>{a}</option>)}
          </select>
        </label>
        <button type="submit" className="bt-run" data-testid="inst-create">Add instance (off)</button>
      </form>
      {comparing ? <CompareView instances={instances} onClose={() => setComparing(false)} /> : null}
    </div>
  );
}
