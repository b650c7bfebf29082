/** POST /api/replay for tests: moves the replay (time, session, play/pause) and returns the new status, failing on a non-200. */
import assert from 'node:assert/strict';
import type { ReplayStatus } from '../../src/wire/protocol.js';

export async function replayControl(baseUrl: string, body: Record<string, unknown>): Promise<ReplayStatus> {
  const res = await fetch(`${baseUrl}/api/replay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as ReplayStatus;
}
