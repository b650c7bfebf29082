/**
 * Subscribes to one scan stream: a snapshot, then deltas applied in seq order; a gap, a
 * reconnect or a new request re-subscribes (the same rule as the chart's bar stream).
 */
import { useEffect, useRef, useState } from 'react';
import type { Socket } from 'socket.io-client';
import { socket as hubSocket } from '../socket.js';
import { SCAN, type ScanDeltaMessage, type ScanResultRow, type ScanSnapshotMessage } from './scannerApi.js';

/** The scan events on the one hub connection (typed here, so web/src/socket.ts stays the bar/options contract). */
interface ScanServerEvents {
  'scan:snapshot': (m: ScanSnapshotMessage) => void;
  'scan:delta': (m: ScanDeltaMessage) => void;
  error_message: (m: { event: string; message: string }) => void;
}
interface ScanClientEvents {
  'scan:subscribe': (r: { id: string; preset: string; universe: string }) => void;
  'scan:unsubscribe': (r: { id: string }) => void;
}
const socket = hubSocket as unknown as Socket<ScanServerEvents, ScanClientEvents>;

export interface ScanView {
  rows: ScanResultRow[];
  at: number | null;
  universe: number;
  withData: number;
  loading: boolean;
  error: string | null;
}

const ID = 'panel';

export function useScanStream(preset: string, universe: string): ScanView {
  const [view, setView] = useState<ScanView>({ rows: [], at: null, universe: 0, withData: 0, loading: true, error: null });
  const seqRef = useRef(-1);
  const rowsRef = useRef(new Map<string, ScanResultRow>());

  useEffect(() => {
    const subscribe = () => {
      seqRef.current = -1;
      setView((v) => ({ ...v, loading: true, error: null }));
      socket.emit(SCAN.subscribe, { id: ID, preset, universe });
    };
    const onSnapshot = (m: ScanSnapshotMessage) => {
      if (m.id !== ID) return;
      seqRef.current = m.seq;
      rowsRef.current = new Map(m.rows.map((r) => [r.symbol, r]));
      setView({ rows: m.rows, at: m.at, universe: m.universe, withData: m.withData, loading: false, error: null });
    };
    const onDelta = (m: ScanDeltaMessage) => {
      if (m.id !== ID || seqRef.current < 0) return;
      if (m.seq !== seqRef.current + 1) return subscribe(); // missed a delta: start over
      seqRef.current = m.seq;
      const book = rowsRef.current;
      for (const r of m.upserts) book.set(r.symbol, r);
      for (const s of m.removed) book.delete(s);
      const rows = m.order.map((s) => book.get(s)).filter((r): r is ScanResultRow => !!r);
      setView((v) => ({ ...v, rows, at: m.at }));
    };
    const onError = (m: { event: string; message: string }) => {
      if (m.event === SCAN.subscribe) setView((v) => ({ ...v, loading: false, error: m.message.replace(/^scan:subscribe: /, '') }));
    };
    socket.on(SCAN.snapshot, onSnapshot);
    socket.on(SCAN.delta, onDelta);
    socket.on('error_message', onError);
    socket.on('connect', subscribe);
    if (socket.connected) subscribe();
    return () => {
      socket.off(SCAN.snapshot, onSnapshot);
      socket.off(SCAN.delta, onDelta);
      socket.off('error_message', onError);
      socket.off('connect', subscribe);
      socket.emit(SCAN.unsubscribe, { id: ID });
    };
  }, [preset, universe]);

  return view;
}
