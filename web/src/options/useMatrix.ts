/**
 * The quote matrix: the contracts the trader selected or holds. The entry list is the
 * trader's (persisted with PUT /api/matrix and announced with matrix:set); the live rows
 * are the server's (matrix:snapshot, then matrix:delta with seq +1; a gap re-sends
 * matrix:set, which answers with a fresh snapshot).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { MatrixEntry, WireMatrixRow } from '../../../src/wire/options-protocol.js';
import { api } from '../api.js';
import { socket } from '../socket.js';
import { sentence } from '../messages.js';

export interface MatrixState {
  entries: MatrixEntry[];
  rows: ReadonlyMap<string, WireMatrixRow>;
  /** Instant (epoch ms) of the latest snapshot/delta. */
  at: number;
  /** Replace the entry list (optimistic; reverted and rethrown if the server refuses it). */
  update(next: MatrixEntry[]): Promise<void>;
}

export function useMatrix(onError: (message: string) => void): MatrixState {
  const [entries, setEntries] = useState<MatrixEntry[]>([]);
  const [rows, setRows] = useState<ReadonlyMap<string, WireMatrixRow>>(new Map());
  const [at, setAt] = useState(0);
  const entriesRef = useRef<MatrixEntry[]>([]);
  const seqRef = useRef<number | null>(null);
  const loadedRef = useRef(false);
  const onErrorRef = useRef(onError);
  onErrorRef.current = onError;

  const announce = useCallback((list: MatrixEntry[]) => {
    seqRef.current = null; // wait for the snapshot that answers this set
    if (socket.connected) socket.emit('matrix:set', { entries: list });
  }, []);

  useEffect(() => {
    let cancelled = false;
    api.matrix().then(
      (list) => {
        if (cancelled) return;
        loadedRef.current = true;
        // A contract picked before the saved list arrived is kept (it was the trader's last action).
        const merged = [...list, ...entriesRef.current.filter((e) => !list.some((l) => l.ticker === e.ticker))];
        entriesRef.current = merged;
        setEntries(merged);
        announce(merged);
      },
      (e: Error) => {
        loadedRef.current = true;
        onErrorRef.current(`Quote matrix unavailable: ${sentence(e.message)}`);
      },
    );
    // After a reconnect the server has forgotten this socket's matrix.
    const onConnect = () => {
      if (loadedRef.current) announce(entriesRef.current);
    };
    const onSnapshot = (m: { seq: number; at: number; rows: WireMatrixRow[] }) => {
      seqRef.current = m.seq;
      setAt(m.at);
      setRows(new Map(m.rows.map((r) => [r.ticker, r])));
    };
    const onDelta = (m: { seq: number; at: number; rows: WireMatrixRow[] }) => {
      const seq = seqRef.current;
      if (seq === null || m.seq <= seq) return;
      if (m.seq !== seq + 1) {
        announce(entriesRef.current);
        return;
      }
      seqRef.current = m.seq;
      setAt(m.at);
      setRows((prev) => {
        const next = new Map(prev);
        for (const r of m.rows) next.set(r.ticker, r);
        return next;
      });
    };
    socket.on('connect', onConnect);
    socket.on('matrix:snapshot', onSnapshot);
    socket.on('matrix:delta', onDelta);
    return () => {
      cancelled = true;
      socket.off('connect', onConnect);
      socket.off('matrix:snapshot', onSnapshot);
      socket.off('matrix:delta', onDelta);
    };
  }, [announce]);

  const update = useCallback(
    async (next: MatrixEntry[]) => {
      const prev = entriesRef.current;
      entriesRef.current = next;
      setEntries(next);
      announce(next);
      try {
        await api.saveMatrix(next);
      } catch (e) {
        if (entriesRef.current === next) {
          entriesRef.current = prev;
          setEntries(prev);
          announce(prev);
        }
        throw e;
      }
    },
    [announce],
  );

  return { entries, rows, at, update };
}
