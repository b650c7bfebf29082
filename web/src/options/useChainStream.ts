/**
 * The chain stream of one (underlying, expiration): subscribe, take the snapshot, apply
 * deltas strictly in `seq` order (snapshot seq, then +1 each), re-subscribe on a gap, and
 * ignore anything addressed to another underlying/expiration — after a switch, messages of
 * the abandoned stream can still be in flight and must never paint the new one.
 *
 * A REST GET of the same chain runs alongside: it fills the panel (or yields the server's
 * 404 sentence, shown as is) if it answers before the socket snapshot; once the snapshot
 * arrives the socket owns the view.
 */
import { useEffect, useState } from 'react';
import type { ChainDeltaMessage, ChainResponse, ChainSnapshotMessage, QuoteSource, WireOptionRow } from '../../../src/wire/options-protocol.js';
import { api } from '../api.js';
import { socket } from '../socket.js';
import { sentence } from '../messages.js';

/** The chain as the panel holds it: the server's answer, rows keyed for O(1) delta application. */
export interface ChainView extends Omit<ChainResponse, 'rows' | 'note'> {
  /** A sentence from the server to show with the chain (e.g. how model quotes were priced). */
  note: string | null;
  /** By ticker; render order comes from sorting by strike. */
  rows: Map<string, WireOptionRow>;
  /** Snapshot seq when the socket owns the view, null while only the REST answer is shown. */
  seq: number | null;
}

export interface ChainState {
  view: ChainView | null;
  /** Why there is no chain, or why the live stream stopped (the last view stays on screen). */
  error: string | null;
}

function fromResponse(r: ChainResponse, seq: number | null): ChainView {
  return {
    underlying: r.underlying,
    expiration: r.expiration,
    dte: r.dte,
    at: r.at,
    underlyingPrice: r.underlyingPrice,
    atmStrike: r.atmStrike,
    source: r.source,
    note: r.note ?? null,
    rows: new Map(r.rows.map((row) => [row.ticker, row])),
    seq,
  };
}

export function useChainStream(underlying: string | null, expiration: string | null, resyncToken: number): ChainState {
  const [state, setState] = useState<ChainState>({ view: null, error: null });

  useEffect(() => {
    setState({ view: null, error: null });
    if (!underlying || !expiration) return;
    const key = { underlying, expiration };
    let seq: number | null = null;
    let cancelled = false;
    const mine = (m: { underlying: string; expiration: string }) => m.underlying === underlying && m.expiration === expiration;

    // Not connected: socket.io would buffer the emit and the connect handler below would
    // subscribe a second time; leave it to the connect handler.
    const subscribe = () => {
      seq = null;
      if (socket.connected) socket.emit('options:subscribe', key);
    };
    const onSnapshot = (m: ChainSnapshotMessage) => {
      if (!mine(m)) return;
      seq = m.seq;
      setState({ view: fromResponse(m, m.seq), error: null });
    };
    const onDelta = (m: ChainDeltaMessage) => {
      if (!mine(m) || seq === null) return;
      if (m.seq <= seq) return; // already contained in the snapshot we hold
      if (m.seq !== seq + 1) {
        // A lost delta means some cell on screen is wrong: start over from a snapshot.
        socket.emit('options:unsubscribe', key);
        subscribe();
        return;
      }
      seq = m.seq;
      const nextSeq = m.seq;
      setState((s) => {
        if (!s.view || !mine(s.view)) return s;
        const rows = new Map(s.view.rows);
        for (const r of m.rows) rows.set(r.ticker, r);
        return { view: { ...s.view, rows, at: m.at, underlyingPrice: m.underlyingPrice, seq: nextSeq }, error: null };
      });
    };
    // The server ends a stream it cannot continue (expiration closed, session changed) with
    // an error_message naming the stream; one for a stream we left is not ours.
    const onError = (m: { event: string; message: string; stream?: Record<string, string> }) => {
      if (m.event !== 'options:subscribe') return;
      if (m.stream && !mine({ underlying: m.stream.underlying ?? '', expiration: m.stream.expiration ?? '' })) return;
      seq = null;
      setState((s) => ({ view: s.view ? { ...s.view, seq: null } : null, error: sentence(m.message) }));
    };

    socket.on('options:snapshot', onSnapshot);
    socket.on('options:delta', onDelta);
    socket.on('error_message', onError);
    socket.on('connect', subscribe);
    subscribe();
    api.optionChain(underlying, expiration).then(
      (r) => {
        if (cancelled || seq !== null) return;
        setState((s) => (s.view?.seq != null ? s : { view: fromResponse(r, null), error: null }));
      },
      (e: Error) => {
        if (cancelled || seq !== null) return;
        setState({ view: null, error: sentence(e.message) });
      },
    );
    return () => {
      cancelled = true;
      socket.off('options:snapshot', onSnapshot);
      socket.off('options:delta', onDelta);
      socket.off('error_message', onError);
      socket.off('connect', subscribe);
      if (socket.connected) socket.emit('options:unsubscribe', key);
    };
  }, [underlying, expiration, resyncToken]);

  return state;
}
