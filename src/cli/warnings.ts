/**
 * Warnings every reading command prints before trusting the store: an import that was
 * killed (or is still running) left some file half-written, so what `bars`, `chain` and
 * `check` print may be stale or incomplete for it.
 */
import type { MarketStore } from '../store/index.js';

/** Writes one `incomplete import: FILE (started …)` line per file whose newest import never finished. */
export function warnIncompleteImports(store: MarketStore, err: NodeJS.WritableStream): number {
  const incomplete = store.incompleteImports();
  for (const r of incomplete) {
    const started = r.startedAt !== undefined ? new Date(r.startedAt).toISOString() : 'at an unknown time';
    const state = r.pid !== undefined && processAlive(r.pid) ? `still running as process ${r.pid}?` : 'interrupted';
    err.write(`incomplete import: ${r.path} (started ${started}, ${state}); its data may be partial: run optdesk import on it again\n`);
  }
  return incomplete.length;
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
