/**
 * The quotes stream (src/wire/protocol.ts "quotes stream"): the one price per symbol that
 * the watchlist, the toolbar, the chain's spot marker and the order ticket all print.
 * Nothing polls: `quotes:set` names the symbols, the server answers one snapshot and then
 * deltas with seq + 1; a gap or a reconnect sends `quotes:set` again (fresh snapshot).
 */
import { useEffect, useRef, useState } from 'react';
import type { QuotesDeltaMessage, QuotesSnapshotMessage, WatchlistRow } from '../../../src/wire/protocol.js';
import { socket } from '../socket.js';

export type Quotes = ReadonlyMap<string, WatchlistRow>;

/** Live rows for `symbols` (order irrelevant). The returned map is replaced on every change. */
export function useQuotes(symbols: readonly string[]): Quotes {
  const [rows, setRows] = useState<Quotes>(new Map());
  const key = [...new Set(symbols)].sort().join(',');
  const seqRef = useRef<number | null>(null);

  useEffect(() => {
    const list = key ? key.split(',') : [];
    const announce = () => {
      seqRef.current = null; // wait for the snapshot that answers this set
      if (socket.connected) socket.emit('quotes:set', { symbols: list });
    };
    const onSnapshot = (m: QuotesSnapshotMessage) => {
      // A snapshot for an older set is harmless: the one for this set follows and replaces it.
      seqRef.current = m.seq;
      setRows(new Map(m.rows.map((r) => [r.symbol, r])));
    };
    const onDelta = (m: QuotesDeltaMessage) => {
      const seq = seqRef.current;
      if (seq === null || m.seq <= seq) return;
      if (m.seq !== seq + 1) {
        announce();
        return;
      }
      seqRef.current = m.seq;
      setRows((prev) => {
        const next = new Map(prev);
        for (const r of m.rows) next.set(r.symbol, r);
        return next;
      });
    };
    socket.on('quotes:snapshot', onSnapshot);
    socket.on('quotes:delta', onDelta);
    socket.on('connect', announce);
    announce();
    return () => {
      socket.off('quotes:snapshot', onSnapshot);
      socket.off('quotes:delta', onDelta);
      socket.off('connect', announce);
    };
  }, [key]);

  return rows;
}
