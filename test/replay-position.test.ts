/**
 * The replay position survives a restart: move it, stop the server, start another on the
 * same database, and it is where it was; explicit settings (OPTDESK_REPLAY_*) still win.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualTicker } from '../src/feeds/replay/index.js';
import type { ReplayStatus } from '../src/wire/protocol.js';
import { startServer } from '../src/server/main.js';
import { replayStart } from '../src/server/replay-position.js';
import { startTestServer } from './helpers/server.js';
import { DATA_DIR } from './helpers/data.js';

async function replayOf(url: string): Promise<ReplayStatus> {
  return (await (await fetch(`${url}/api/replay`)).json()) as ReplayStatus;
}

test('session, time, speed and state survive a restart on the same database', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'optdesk-replay-pos-'));
  const dbPath = path.join(dir, 'optdesk.db');
  try {
    const first = await startTestServer({ dbPath, ticker: new ManualTicker() });
    const fresh = await replayOf(first.url);
    const moved = { session: '2013-10-08', time: '14:15', speed: 120, state: 'pause' as const };
    assert.notEqual(fresh.session, moved.session, 'the move is a real change from the default');
    const res = await fetch(`${first.url}/api/replay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(moved) });
    assert.equal(res.status, 200);
    await first.close();

    const second = await startTestServer({ dbPath, ticker: new ManualTicker() });
    try {
      const restored = await replayOf(second.url);
      assert.deepEqual({ session: restored.session, time: restored.time, speed: restored.speed, state: restored.state }, moved);
    } finally {
      await second.close();
    }

    // The environment wins over the saved position, field by field (real startServer, real env parsing).
    const third = await startServer({ port: 0, db: dbPath, dataDir: DATA_DIR, env: { OPTDESK_REPLAY_SPEED: '30', OPTDESK_LOG: 'off' }, log: () => {} });
    try {
      const st = await replayOf(third.url.replace('[::1]', '127.0.0.1'));
      assert.deepEqual([st.session, st.time, st.speed, st.state], ['2013-10-08', '14:15', 30, 'pause']);
    } finally {
      await third.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an explicit session starts at its default time, not at the time saved for another session', () => {
  const saved = { session: '2013-10-08', time: '14:15', speed: 120, state: 'pause' as const };
  assert.deepEqual(replayStart(saved, {}), saved);
  assert.deepEqual(replayStart(saved, { session: '2013-10-10' }), { session: '2013-10-10', speed: 120, state: 'pause' });
  assert.deepEqual(replayStart(saved, { session: '2013-10-08' }), saved);
  assert.deepEqual(replayStart(undefined, { time: '10:00' }), { time: '10:00' });
});
