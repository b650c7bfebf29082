/** Bottom bar: replay session, play/pause, speed, jump to a New York time, and the replay clock. */
import { useEffect, useState, type FormEvent } from 'react';
import type { ReplayStatus } from '../../../src/wire/protocol.js';
import type { ReplayControl, ReplaySession } from '../api.js';
import { sentence } from '../messages.js';

const SPEEDS = [1, 2, 5, 10, 30, 60, 120, 300, 600];

export interface ReplayBarProps {
  replay: ReplayStatus | null;
  sessions: ReplaySession[];
  /** False when the server runs a live feed: the controls are hidden. */
  available: boolean;
  onControl(c: ReplayControl): Promise<void>;
}

export function ReplayBar({ replay, sessions, available, onControl }: ReplayBarProps) {
  const [time, setTime] = useState('');
  const [error, setError] = useState<string | null>(null);

  useEffect(() => setError(null), [replay?.session]);

  if (!available || !replay) {
    return <footer className="replaybar"><span className="muted">Live feed — replay controls are available when the server runs in replay mode.</span></footer>;
  }

  const send = (c: ReplayControl) =>
    onControl(c).then(
      () => setError(null),
      (e: Error) => setError(sentence(e.message)),
    );

  function jump(e: FormEvent) {
    e.preventDefault();
    const t = time.trim();
    // "9:45" means 09:45; the server says when a time is outside the session's data.
    if (!/^([01]?\d|2[0-3]):[0-5]\d$/.test(t)) {
      setError('Type a New York time like 10:30 or 9:45.');
      return;
    }
    void send({ time: t.padStart(5, '0') });
  }

  const playing = replay.state === 'play';
  return (
    <footer className="replaybar" data-testid="replaybar">
      <span className="rb-label">Replay</span>
      <select
        aria-label="Replay session"
        data-testid="replay-session"
        value={replay.session}
        onChange={(e) => void send({ session: e.target.value })}
      >
        {sessions.some((s) => s.date === replay.session) ? null : <option value={replay.session}>{replay.session}</option>}
        {sessions.map((s) => (
          <option key={s.date} value={s.date} title={s.symbols.join(', ')}>
            {s.date} · {s.symbols.slice(0, 4).join(' ')}{s.symbols.length > 4 ? ' …' : ''}
          </option>
        ))}
      </select>
      <button
        className={`rb-play${playing ? ' playing' : ''}`}
        data-testid="replay-play"
        title="Play / pause (Space)"
        disabled={replay.state === 'ended'}
        onClick={() => void send({ state: playing ? 'pause' : 'play' })}
      >
        {playing ? '❚❚ Pause' : '▶ Play'}
      </button>
      <label className="rb-speed">
        Speed
        <select aria-label="Replay speed" value={replay.speed} onChange={(e) => void send({ speed: Number(e.target.value) })}>
          {SPEEDS.includes(replay.speed) ? null : <option value={replay.speed}>{replay.speed}×</option>}
          {SPEEDS.map((s) => (
            <option key={s} value={s}>{s}×</option>
          ))}
        </select>
      </label>
      <form className="rb-jump" onSubmit={jump}>
        <input
          aria-label="Jump to New York time"
          placeholder="HH:MM"
          value={time}
          maxLength={5}
          onChange={(e) => setTime(e.target.value)}
        />
        <button type="submit" title="Jump the replay clock to this New York time">Go</button>
      </form>
      {error ? <span className="form-error inline" role="alert">{error}</span> : null}
      <span className="tb-spacer" />
      <span className="rb-clock" data-testid="replay-clock">
        <span className="rb-time">{replay.time}</span>
        <span className="muted"> ET · {replay.session} · {replay.state === 'play' ? `playing ${replay.speed}×` : replay.state === 'ended' ? 'session ended' : 'paused'}</span>
      </span>
    </footer>
  );
}
