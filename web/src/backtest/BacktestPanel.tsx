/**
 * The backtest panel: strategy, symbol, dates and the strategy's parameters (fields from its
 * declared spec, defaults filled in; a bad value is named by the server and marked on its
 * field), a progress bar fed by `backtest:progress`, the statistics with their 95% confidence
 * intervals, the traders' bar and the report's warnings, the equity curve, and the trades.
 * Clicking a trade asks the desk to show it (onShowTrade): the chart jumps to its day and
 * time with the run's entries/exits as markers and its levels as lines.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api } from '../api.js';
import { sentence } from '../messages.js';
import { backtestApi, backtestSocket, errorField, type BacktestJobView, type BacktestResult, type ParamSpec, type ReportTrade } from './backtestApi.js';
import { EquityChart } from './EquityChart.js';
import { StatsTable } from './StatsTable.js';
import { TradesTable } from './TradesTable.js';

export interface ShownRun {
  id: string;
  result: BacktestResult;
}

export interface BacktestPanelProps {
  /** The chart's symbol: the first run's default. */
  symbol: string;
  onShowTrade(run: ShownRun, trade: ReportTrade, index: number): void;
  /** The trade on the chart now (run id and index), highlighted in the list. */
  shown: { run: string; index: number } | null;
}

type Strategies = Array<{ name: string; params: Record<string, ParamSpec> }>;
type Mode = 'underlying' | 'options';
/** The form's key for options mode's values (kept apart from each strategy's). */
const OPTIONS_KEY = '@options';

const FORM_KEY = 'optdesk.backtest.form';

interface Form {
  strategy: string;
  symbol: string;
  from: string;
  to: string;
  mode?: Mode;
  /** Per strategy (and under OPTIONS_KEY, options mode's): the typed values (strings for numbers, so a bad value reaches the server's check). */
  params: Record<string, Record<string, string | boolean>>;
}

function loadForm(symbol: string): Form {
  try {
    const f = JSON.parse(localStorage.getItem(FORM_KEY) ?? 'null') as Form | null;
    if (f && typeof f.strategy === 'string' && typeof f.from === 'string') return { ...f, params: f.params ?? {} };
  } catch {
    // A broken saved form is replaced by the defaults.
  }
  return { strategy: 'orb', symbol, from: '', to: '', params: {} };
}

const TF_CHOICES = ['1m', '3m', '5m', '15m', '1h', '4h'];

export function BacktestPanel({ symbol, onShowTrade, shown }: BacktestPanelProps) {
  const [strategies, setStrategies] = useState<Strategies>([]);
  const [optionSpec, setOptionSpec] = useState<Record<string, ParamSpec>>({});
  const [expirationHelp, setExpirationHelp] = useState('');
  const [form, setForm] = useState<Form>(() => loadForm(symbol));
  const [showParams, setShowParams] = useState(false);
  const [job, setJob] = useState<BacktestJobView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const jobId = useRef<string | null>(null);

  useEffect(() => {
    backtestApi.strategies().then((r) => {
      setStrategies(r.strategies);
      setOptionSpec(r.optionParams ?? {});
      setExpirationHelp(r.expirationHelp ?? '');
    }, (e: Error) => setError(e.message));
    // Empty dates default to the stored sessions' range.
    api.replaySessions().then((s) => {
      if (!s.length) return;
      setForm((f) => (f.from && f.to ? f : { ...f, from: f.from || s[0]!.date, to: f.to || s[s.length - 1]!.date }));
    }, () => undefined);
  }, []);

  useEffect(() => {
    localStorage.setItem(FORM_KEY, JSON.stringify(form));
  }, [form]);

  // Progress and the end of the run come from the socket; the report is fetched once at the end.
  useEffect(() => {
    const onProgress = (m: { id: string; done: number; total: number }) => {
      if (m.id !== jobId.current) return;
      setJob((j) => (j && j.id === m.id && j.status === 'running' ? { ...j, progress: { done: m.done, total: m.total } } : j));
    };
    const onDone = (m: { id: string }) => {
      if (m.id !== jobId.current) return;
      backtestApi.get(m.id).then(
        (v) => {
          if (jobId.current !== v.id) return;
          setJob(v);
          if (v.status === 'error' && v.error) setError(v.error);
        },
        (e: Error) => setError(e.message),
      );
    };
    backtestSocket.on('backtest:progress', onProgress);
    backtestSocket.on('backtest:done', onDone);
    return () => {
      backtestSocket.off('backtest:progress', onProgress);
      backtestSocket.off('backtest:done', onDone);
    };
  }, []);

  const spec = strategies.find((s) => s.name === form.strategy)?.params ?? {};
  const values = form.params[form.strategy] ?? {};
  const valueOf = (k: string, s: ParamSpec): string | boolean => values[k] ?? (s.type === 'boolean' ? s.default : String(s.default));
  const setValue = (k: string, v: string | boolean) => setForm((f) => ({ ...f, params: { ...f.params, [f.strategy]: { ...(f.params[f.strategy] ?? {}), [k]: v } } }));
  const mode: Mode = form.mode ?? 'underlying';
  const optionValues = form.params[OPTIONS_KEY] ?? {};
  const optionValueOf = (k: string, s: ParamSpec): string | boolean => optionValues[k] ?? (s.type === 'boolean' ? s.default : String(s.default));
  const setOptionValue = (k: string, v: string | boolean) => setForm((f) => ({ ...f, params: { ...f.params, [OPTIONS_KEY]: { ...(f.params[OPTIONS_KEY] ?? {}), [k]: v } } }));
  const badField = error ? errorField(error) : null;

  const run = useCallback(async () => {
    setError(null);
    setStarting(true);
    const params: Record<string, string | number | boolean> = {};
    const add = (given: Record<string, string | boolean>, specs: Record<string, ParamSpec>) => {
      for (const [k, s] of Object.entries(specs)) {
        const v = given[k];
        if (v === undefined) continue;
        // Numbers go as typed (the server names a bad one); untouched defaults are left out.
        if (s.type === 'boolean' ? v !== s.default : String(v).trim() !== String(s.default)) params[k] = typeof v === 'string' ? v.trim() : v;
      }
    };
    add(values, spec);
    if (mode === 'options') {
      add(optionValues, optionSpec);
      const exp = optionValues.expiration;
      if (typeof exp === 'string' && exp.trim() && exp.trim() !== 'weekly') params.expiration = exp.trim();
    }
    try {
      const { id } = await backtestApi.start({ strategy: form.strategy, symbol: form.symbol.trim().toUpperCase(), from: form.from, to: form.to, params, ...(mode === 'options' ? { mode } : {}) });
      jobId.current = id;
      setJob({ id, status: 'running', progress: { done: 0, total: 0 }, request: { strategy: form.strategy, symbol: form.symbol, from: form.from, to: form.to } });
      // The run may have finished before the socket events were listened to: ask once.
      backtestApi.get(id).then((v) => {
        if (jobId.current === id && v.status !== 'running') {
          setJob(v);
          if (v.error) setError(v.error);
        }
      }, () => undefined);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setStarting(false);
    }
  }, [form, spec, values, mode, optionSpec, optionValues]);

  const result = job?.status === 'done' ? job.result ?? null : null;
  const shownRun = useMemo(() => (job && result ? { id: job.id, result } : null), [job, result]);
  const equity = useMemo(() => (result ? [{ name: 'equity', color: '#388bfd', points: result.equity }] : []), [result]);
  const pct = job && job.progress.total ? Math.round((100 * job.progress.done) / job.progress.total) : 0;
  const fieldClass = (name: string) => (badField === name ? 'bt-bad' : undefined);

  return (
    <div className="bt-panel" data-testid="backtest-panel">
      <form
        className="bt-form"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <label>
          Strategy
          <select value={form.strategy} className={fieldClass('strategy')} data-testid="bt-strategy" onChange={(e) => setForm({ ...form, strategy: e.target.value })}>
            {(strategies.length ? strategies.map((s) => s.name) : [form.strategy]).map((n) => (
              <option key={n} value={n}>{n === 'orb' ? 'Opening-range breakout' : n === 'timeblock' ? 'Time blocks' : n}</option>
            ))}
          </select>
        </label>
        <label>
          Symbol
          <input value={form.symbol} className={fieldClass('symbol')} data-testid="bt-symbol" size={6} onChange={(e) => setForm({ ...form, symbol: e.target.value.toUpperCase() })} />
        </label>
        <label>
          From
          <input type="date" value={form.from} className={fieldClass('from')} data-testid="bt-from" onChange={(e) => setForm({ ...form, from: e.target.value })} />
        </label>
        <label>
          To
          <input type="date" value={form.to} className={fieldClass('to')} data-testid="bt-to" onChange={(e) => setForm({ ...form, to: e.target.value })} />
        </label>
        <label>
          Mode
          <select value={mode} className={fieldClass('mode')} data-testid="bt-mode" onChange={(e) => setForm({ ...form, mode: e.target.value as Mode })}>
            <option value="underlying">Underlying (shares)</option>
            <option value="options">Options</option>
          </select>
        </label>
        <button type="button" className="bt-params-toggle" aria-expanded={showParams} onClick={() => setShowParams((v) => !v)}>
          Parameters {showParams ? '▾' : '▸'}
        </button>
        <button type="submit" className="bt-run" data-testid="bt-run" disabled={starting || job?.status === 'running'}>
          {job?.status === 'running' ? 'Running…' : 'Run backtest'}
        </button>
        {showParams || (badField?.startsWith('params.') ?? false) ? (
          <div className="bt-params" data-testid="bt-params">
            {Object.entries(spec).map(([k, s]) => (
              <label key={k} title={s.help} className={fieldClass(`params.${k}`)}>
                <span>{k}</span>
                {s.type === 'boolean' ? (
                  <input type="checkbox" checked={valueOf(k, s) === true} data-testid={`bt-param-${k}`} onChange={(e) => setValue(k, e.target.checked)} />
                ) : s.type === 'timeframe' ? (
                  <select value={String(valueOf(k, s))} data-testid={`bt-param-${k}`} onChange={(e) => setValue(k, e.target.value)}>
                    {TF_CHOICES.map((t) => <option key={t}>{t}</option>)}
                  </select>
                ) : (
                  <input value={String(valueOf(k, s))} inputMode="decimal" data-testid={`bt-param-${k}`} onChange={(e) => setValue(k, e.target.value)} />
                )}
              </label>
            ))}
            {mode === 'options' ? (
              <>
                <div className="bt-params-group">Options mode</div>
                <label title={expirationHelp} className={fieldClass('params.expiration')}>
                  <span>expiration</span>
                  <input value={String(optionValues.expiration ?? 'weekly')} list="bt-expiration-rules" data-testid="bt-param-expiration" onChange={(e) => setOptionValue('expiration', e.target.value)} />
                  <datalist id="bt-expiration-rules"><option value="0dte" /><option value="weekly" /><option value="min-days:7" /></datalist>
                </label>
                {Object.entries(optionSpec).map(([k, s]) => (
                  <label key={k} title={s.help} className={fieldClass(`params.${k}`)}>
                    <span>{k}</span>
                    <input value={String(optionValueOf(k, s))} inputMode="decimal" data-testid={`bt-param-${k}`} onChange={(e) => setOptionValue(k, e.target.value)} />
                  </label>
                ))}
              </>
            ) : null}
          </div>
        ) : null}
      </form>
      {error ? <div className="bt-error" role="alert" data-testid="bt-error">{badField ? <b>{badField}: </b> : null}{sentence(error)}</div> : null}
      {job?.status === 'running' ? (
        <div className="bt-progress" data-testid="bt-progress" aria-label={`${pct}%`}>
          <div className="bt-progress-bar" style={{ width: `${pct}%` }} />
          <span>{job.progress.total ? `${job.progress.done} / ${job.progress.total} sessions` : 'Starting…'}</span>
        </div>
      ) : null}
      {result && shownRun ? (
        <div className="bt-result" data-testid="bt-result">
          <div className="bt-summary muted">
            {result.strategy} {result.symbol} {result.from} → {result.to} · {result.sessions} sessions · {result.bars.toLocaleString('en-US')} minutes · mode {result.mode}
          </div>
          {result.options?.notice ? <div className="bt-model-notice" role="note" data-testid="bt-model-notice">{result.options.notice}</div> : null}
          <StatsTable stats={result.stats} />
          {result.dataWarnings.map((d) => (
            <div key={d.time} className="bt-warn">Data: {d.time.slice(0, 16).replace('T', ' ')} {d.detail} while the trade entered {d.trade.slice(11, 16)} was open.</div>
          ))}
          <div className="bt-section">Equity</div>
          <EquityChart lines={equity} />
          <div className="bt-section">Trades ({result.trades.length}) · click one to show it on the chart</div>
          <TradesTable trades={result.trades} selected={shown?.run === shownRun.id ? shown.index : null} onSelect={(t, i) => onShowTrade(shownRun, t, i)} />
        </div>
      ) : null}
    </div>
  );
}
