/**
 * Every strategy instance side by side: the equity curves on one chart, then a column per
 * instance with its stats (confidence intervals, the traders' bar) and its trades. A page
 * over the desk, like the journal.
 */
import { useEffect, useMemo, useState } from 'react';
import { EquityChart } from '../backtest/EquityChart.js';
import { StatsTable } from '../backtest/StatsTable.js';
import { TradesTable } from '../backtest/TradesTable.js';
import { sentence } from '../messages.js';
import { instancesApi, type InstanceReport, type WireInstance } from './instancesApi.js';

const COLORS = ['#388bfd', '#f0b429', '#3fb950', '#d2a8ff', '#ff7b72', '#56d4dd'];

export function CompareView({ instances, onClose }: { instances: readonly WireInstance[]; onClose(): void }) {
  const [reports, setReports] = useState<Record<string, InstanceReport | string>>({});

  useEffect(() => {
    for (const i of instances) {
      instancesApi.report(i.id).then(
        (r) => setReports((m) => ({ ...m, [i.id]: r })),
        (e: Error) => setReports((m) => ({ ...m, [i.id]: sentence(e.message) })),
      );
    }
  }, [instances]);

  const lines = useMemo(
    () =>
      instances.flatMap((i, k) => {
        const r = reports[i.id];
        // Without trades the report's curve is one starting point at the instance's creation
        // (wall-clock time, years away from a replay's): nothing worth a line.
        return r && typeof r !== 'string' && r.trades.length ? [{ name: i.name, color: COLORS[k % COLORS.length]!, points: r.equity }] : [];
      }),
    [instances, reports],
  );

  return (
    <div className="cmp-page" role="dialog" aria-label="Compare strategy instances" data-testid="compare-view">
      <div className="cmp-head">
        <h2>Strategy instances side by side</h2>
        <button type="button" className="strat-close" aria-label="Close" onClick={onClose}>×</button>
      </div>
      <EquityChart lines={lines} height={220} testId="cmp-equity" />
      <div className="cmp-cols">
        {instances.map((i, k) => {
          const r = reports[i.id];
          return (
            <section key={i.id} className="cmp-col" data-testid={`compare-${i.name}`}>
              <h3><span className="cmp-swatch" style={{ background: COLORS[k % COLORS.length] }} />{i.name}</h3>
              <div className="muted">{i.strategy} {i.symbol} · {i.account} · {i.mode} · {Object.entries(i.params).map(([p, v]) => `${p}=${String(v)}`).join(' ') || 'default parameters'}</div>
              {!r ? <div className="muted">Loading…</div> : typeof r === 'string' ? <div className="bt-error">{r}</div> : (
                <>
                  <StatsTable stats={r.stats} />
                  <TradesTable trades={r.trades} selected={null} />
                </>
              )}
            </section>
          );
        })}
      </div>
    </div>
  );
}
