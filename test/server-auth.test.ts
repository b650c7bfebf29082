/**
 * The token rule against hostile input: whatever an unauthenticated client sends (here a
 * cookie that is not valid percent-encoding), it gets a 401 / connect_error, and the
 * server keeps serving everyone else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { createServer } from '../src/server/app.js';
import { ManualTicker } from '../src/feeds/replay/index.js';
import { connect } from './helpers/socket.js';

const BAD_COOKIE = 'optdesk_token=%E0%A4%A';

test('a malformed token cookie is a 401 and a refused socket, never a 500 or a crashed server', async () => {
  const token = 'test-token-0123456789';
  const server = createServer({ host: '0.0.0.0', port: 0, token, ticker: new ManualTicker(), replay: { state: 'pause' } });
  const { url } = await server.listen();
  const local = url.replace('0.0.0.0', '127.0.0.1');
  try {
    const res = await fetch(`${local}/api/health`, { headers: { cookie: BAD_COOKIE } });
    assert.equal(res.status, 401);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    assert.match(error.message, /^token: /);
    assert.equal(error.code, 'UNAUTHORIZED');
    // A valid bearer still wins over a garbage cookie.
    assert.equal((await fetch(`${local}/api/health`, { headers: { cookie: BAD_COOKIE, authorization: `Bearer ${token}` } })).status, 200);

    for (const transport of ['polling', 'websocket'] as const) {
      const socket = io(local, { transports: [transport], forceNew: true, reconnection: false, extraHeaders: { cookie: BAD_COOKIE } });
      const outcome = await new Promise<string>((resolve) => {
        socket.once('connect', () => resolve('connected'));
        socket.once('connect_error', (err) => resolve(err.message));
      });
      socket.close();
      assert.match(outcome, /token/, `${transport}: refused with the token sentence`);
    }

    // The server is still up for everyone else.
    assert.equal((await fetch(`${local}/api/health`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    const ok = await connect(local, { token });
    ok.close();
  } finally {
    await server.close();
  }
});
