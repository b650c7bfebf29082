/**
 * The chain's expiration picker: the open expirations of the symbol (REST, refreshed as the
 * replay clock moves so an expired 0-DTE tab disappears), the one shown (the trader's pick per
 * symbol, else the nearest), a note when the shown one changed by itself, and the tab strip.
 */
import { useEffect, useRef, useState } from 'react';
import type { ExpirationsResponse, WireExpiration } from '../../../src/wire/options-protocol.js';
import { api } from '../api.js';
import { sentence } from '../messages.js';
import { formatExpiryShort, formatStrike } from './contract.js';

export interface ExpirationsInput {
  symbol: string;
  session: string | null;
  clock: number | null;
  resyncToken: number;
  /** Whether the symbol has data in this session (only then are its expirations asked for). */
  dataOk: boolean;
}

export function useExpirations({ symbol, session, clock, resyncToken, dataOk }: ExpirationsInput) {
  // Expirations are only good for the (symbol, session, resync) they were asked for: after a
  // session change or a replay jump none is streamed until the new list has arrived, so no
  // request ever names an expiration the new timeline does not have.
  const timeline = `${symbol}|${session ?? ''}|${resyncToken}`;
  const [exps, setExps] = useState<{ list: ExpirationsResponse; timeline: string } | null>(null);
  const [expError, setExpError] = useState<string | null>(null);
  const [expiration, setExpiration] = useState<string | null>(null);
  // Why the shown expiration changed by itself (the one picked has closed).
  const [switchNote, setSwitchNote] = useState<string | null>(null);
  // Bumped when the chain stream ends (e.g. the 0-DTE closed): ask for the open expirations again.
  const [refetch, setRefetch] = useState(0);
  // The expiration a trader picked, per symbol, survives symbol switches within the page.
  const chosen = useRef(new Map<string, string>());
  // Refetch every 5 replay minutes: enough to drop an expiration at its close without polling per tick.
  const clockBucket = clock == null ? 0 : Math.floor(clock / 300_000);

  const sessionRef = useRef(session);
  useEffect(() => {
    let cancelled = false;
    setExpError(null);
    if (!dataOk) {
      setExps(null);
      return;
    }
    const sameSession = sessionRef.current === session;
    sessionRef.current = session;
    api.optionExpirations(symbol).then(
      (r) => {
        if (cancelled) return;
        setExps({ list: r, timeline });
        setExpiration((cur) => {
          const want = chosen.current.get(symbol) ?? cur;
          if (r.expirations.some((e) => e.expiration === want)) return want;
          const next = r.expirations[0]?.expiration ?? null;
          // Within a session an expiration only disappears by expiring: say so.
          if (want && sameSession && next && want < next) {
            setSwitchNote(`The ${formatExpiryShort(want)} expiration has expired — showing ${formatExpiryShort(next)}.`);
          }
          chosen.current.delete(symbol);
          return next;
        });
      },
      (e: Error) => {
        if (cancelled) return;
        setExps(null);
        setExpiration(null);
        setExpError(sentence(e.message));
      },
    );
    return () => {
      cancelled = true;
    };
  }, [symbol, session, resyncToken, clockBucket, dataOk, refetch, timeline]);

  useEffect(() => setSwitchNote(null), [symbol, session]);

  // Tabs of another symbol or an earlier timeline are never shown nor streamed.
  const forSymbol = exps && exps.timeline === timeline && exps.list.underlying === symbol ? exps.list : null;
  const active = forSymbol && expiration && forSymbol.expirations.some((e) => e.expiration === expiration) ? expiration : null;

  const pick = (e: string) => {
    chosen.current.set(symbol, e);
    setSwitchNote(null);
    setExpiration(e);
  };
  /** Look up what is open now (the shown expiration's stream ended). */
  const reload = () => setRefetch((n) => n + 1);

  return { expirations: forSymbol, active, error: expError, switchNote, pick, reload };
}

export function ExpirationTabs({ expirations, active, onPick }: { expirations: WireExpiration[]; active: string | null; onPick(e: string): void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector<HTMLElement>('[aria-selected="true"]')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [active]);
  return (
    <div
      className="exp-tabs"
      role="tablist"
      aria-label="Expirations"
      ref={ref}
      // A vertical wheel scrolls the tab strip sideways: most mice have no horizontal wheel.
      onWheel={(e) => {
        if (ref.current && Math.abs(e.deltaY) > Math.abs(e.deltaX)) ref.current.scrollLeft += e.deltaY;
      }}
    >
      {expirations.map((e) => (
        <button
          key={e.expiration}
          role="tab"
          aria-selected={e.expiration === active}
          className={`exp-tab${e.expiration === active ? ' active' : ''}${e.dte === 0 ? ' zero-dte' : ''}`}
          data-testid={`exp-${e.expiration}`}
          title={`${e.expiration}: ${e.contracts} contracts, ATM ${formatStrike(e.atmStrike)}`}
          onClick={() => onPick(e.expiration)}
        >
          {formatExpiryShort(e.expiration)} · {e.dte}d
        </button>
      ))}
    </div>
  );
}
