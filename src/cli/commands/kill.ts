/**
 * `optdesk kill [--release] [--reason TEXT] [--url URL] [--db FILE]` — the kill switch from
 * a terminal. It asks the running server (POST/DELETE /api/risk/kill, with OPTDESK_TOKEN
 * when set) so working orders are canceled at once. When no server answers, it sets the
 * switch in the database instead (audited), and the next `optdesk serve` starts halted
 * and cancels what was left working.
 */
import { AuditTrail } from '../../audit/index.js';
import { InputError } from '../../core/errors.js';
import { RiskEngine } from '../../risk/engine.js';
import { openStore, resolveDbPath } from '../../store/index.js';
import { tradingRepository } from '../../store/trading.js';

export interface KillOptions {
  release?: boolean;
  reason?: string;
  url?: string;
  db?: string;
}

export async function runKill(opts: KillOptions, out: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const base = (opts.url ?? `http://127.0.0.1:${env.PORT?.trim() || '3000'}`).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+$/.test(base)) throw new InputError('--url', `must be the server's base URL like http://127.0.0.1:3000, got ${JSON.stringify(opts.url)}`);
  const reason = opts.reason?.trim() || 'optdesk kill (command line)';
  const token = env.OPTDESK_TOKEN?.trim();
  let response: Response | undefined;
  try {
    response = await fetch(`${base}/api/risk/kill`, {
      method: opts.release ? 'DELETE' : 'POST',
      // No content-type on the body-less DELETE: Fastify refuses an empty JSON body.
      headers: { ...(opts.release ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(opts.release ? {} : { body: JSON.stringify({ reason }) }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch {
    response = undefined;
  }
  if (response) {
    const body = (await response.json().catch(() => ({}))) as { killSwitch?: { engaged: boolean }; canceled?: string[]; error?: unknown };
    if (!response.ok) {
      // {error: {code, message}}: the sentence for the trader, the code in brackets for scripts and bug reports.
      const e = body.error as { code?: unknown; message?: unknown } | undefined;
      const why = typeof e?.message === 'string' ? `${e.message}${typeof e.code === 'string' ? ` [${e.code}]` : ''}` : JSON.stringify(body.error ?? body);
      out.write(`the server at ${base} refused: HTTP ${response.status} ${why}\n`);
      return 1;
    }
    out.write(opts.release
      ? `kill switch released on ${base}: new orders are allowed again\n`
      : `kill switch ON at ${base}: ${body.canceled?.length ?? 0} working order(s) canceled, new orders blocked\n`);
    return 0;
  }
  // No server: record it in the database, so the desk starts halted.
  const path = resolveDbPath(opts, env);
  const store = openStore(path);
  try {
    const repo = tradingRepository(store);
    const risk = new RiskEngine(repo);
    const state = risk.setKillSwitch(!opts.release, opts.release ? null : reason, 'cli', Date.now());
    new AuditTrail(repo).append('kill_switch', { engaged: state.engaged, reason: state.reason, by: 'cli', offline: true });
    out.write(opts.release
      ? `no optdesk server at ${base}: kill switch released in ${path}\n`
      : `no optdesk server at ${base}: kill switch set in ${path}; the server starts halted and cancels what is left working\n`);
    return 0;
  } finally {
    store.close();
  }
}
