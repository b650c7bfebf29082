/**
 * DNS rebinding and cross-site requests: a foreign Host or Origin is refused on every
 * route and on the Socket.IO handshake; loopback requests without an Origin (curl, the
 * CLI) keep working; every response carries the security headers.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { io } from 'socket.io-client';
import { ManualTicker } from '../src/feeds/replay/index.js';
import { createServer, type OptdeskServer } from '../src/server/app.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { connect } from './helpers/socket.js';

let srv: TestServer;
let port: number;

before(async () => {
  srv = await startTestServer({ session: '2013-10-10', time: '11:00', state: 'pause', ticker: new ManualTicker() });
  port = Number(new URL(srv.url).port);
});
after(async () => {
  await srv.close();
});

/** A raw request: fetch() refuses to set Host and Origin by hand. */
function request(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const ROUTES: [string, string, string?][] = [
  ['GET', '/api/health'],
  ['GET', '/api/symbols'],
  ['GET', '/api/matrix'],
  ['PUT', '/api/drawings/SPY', JSON.stringify({ drawings: [] })],
  ['POST', '/api/replay', JSON.stringify({ state: 'play' })],
  ['GET', '/'],
  ['GET', '/no/such/page'],
];

test('a request naming a foreign Host (DNS rebinding) is a 403 naming the host, on every route', async () => {
  for (const [method, path, body] of ROUTES) {
    const res = await request(method, path, { host: `evil.test:${port}`, 'content-type': 'application/json' }, body);
    assert.equal(res.status, 403, `${method} ${path}`);
    const { error } = JSON.parse(res.body);
    assert.match(error.message, /^host: "evil\.test:\d+" is not a name of this server/, `${method} ${path}`);
    assert.deepEqual([error.code, error.field], ['FORBIDDEN_HOST', 'host'], `${method} ${path}`);
  }
  // The rebinding page tried to play the replay: it must still be paused.
  assert.equal(srv.server.hub.replayStatus()!.state, 'pause');
  // Loopback at another port is another server's name, not ours.
  assert.equal((await request('GET', '/api/health', { host: `127.0.0.1:${port + 1}` })).status, 403);
});

test('a request from a foreign Origin is refused even with a loopback Host', async () => {
  for (const [method, path, body] of ROUTES) {
    const res = await request(method, path, { host: `127.0.0.1:${port}`, origin: 'http://evil.test', 'content-type': 'application/json' }, body);
    assert.equal(res.status, 403, `${method} ${path}`);
    const { error } = JSON.parse(res.body);
    assert.match(error.message, /^origin: "http:\/\/evil\.test" is not this server's dashboard/);
    assert.deepEqual([error.code, error.field], ['FORBIDDEN_HOST', 'origin']);
  }
  for (const origin of ['null', `http://evil.test:${port}`, `https://localhost:${port}x`, `http://localhost:${port + 1}`]) {
    assert.equal((await request('GET', '/api/health', { host: `localhost:${port}`, origin })).status, 403, origin);
  }
});

test('loopback without an Origin, and our own Origin, keep working; every answer carries the security headers', async () => {
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
    const res = await request('GET', '/api/health', { host });
    assert.equal(res.status, 200, host);
  }
  const own = await request('PUT', '/api/drawings/SPY', { host: `localhost:${port}`, origin: `http://localhost:${port}`, 'content-type': 'application/json' }, JSON.stringify({ drawings: [] }));
  assert.equal(own.status, 200);
  for (const [method, path, body] of [...ROUTES, ['GET', '/api/nope'] as [string, string]]) {
    for (const host of [`127.0.0.1:${port}`, 'evil.test']) {
      const res = await request(method, path, { host, 'content-type': 'application/json' }, body);
      assert.equal(res.headers['x-frame-options'], 'DENY', `${method} ${path} ${host}`);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['referrer-policy'], 'no-referrer');
      const csp = String(res.headers['content-security-policy']);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.match(csp, /script-src 'self'(;|$)/, 'no inline or eval scripts');
    }
  }
});

async function handshake(url: string, transport: 'polling' | 'websocket', headers: Record<string, string>): Promise<string> {
  const socket = io(url, { transports: [transport], forceNew: true, reconnection: false, extraHeaders: headers });
  try {
    return await new Promise<string>((resolve) => {
      socket.once('connect', () => resolve('connected'));
      socket.once('connect_error', (err) => resolve(`refused: ${err.message}`));
    });
  } finally {
    socket.close();
  }
}

test('the Socket.IO handshake refuses a foreign Origin or Host on both transports and accepts our own', async () => {
  for (const transport of ['polling', 'websocket'] as const) {
    assert.match(await handshake(srv.url, transport, { origin: 'http://evil.test' }), /^refused/, `${transport} foreign origin`);
    // Node's XHR polyfill will not forge Host; the raw polling handshake is checked below.
    if (transport === 'websocket') assert.match(await handshake(srv.url, transport, { host: `evil.test:${port}` }), /^refused/, `${transport} foreign host`);
    assert.equal(await handshake(srv.url, transport, { origin: `http://127.0.0.1:${port}` }), 'connected', `${transport} own origin`);
    assert.equal(await handshake(srv.url, transport, {}), 'connected', `${transport} no origin`);
  }
  const raw = await request('GET', '/socket.io/?EIO=4&transport=polling', { host: `evil.test:${port}` });
  assert.equal(raw.status, 403);
  assert.match(raw.body, /not a name of this server/);
  const ok = await request('GET', '/socket.io/?EIO=4&transport=polling', { host: `127.0.0.1:${port}` });
  assert.equal(ok.status, 200, 'the same raw handshake from loopback opens a session');
  const s = await connect(srv.url);
  s.close();
});

test('OPTDESK_ALLOWED_HOSTS names are accepted as Host and Origin; malformed entries are refused at start', async () => {
  let server: OptdeskServer | undefined = createServer({ host: '127.0.0.1', port: 0, allowedHosts: ['desk.example.com', 'proxy.example.com:8443'], ticker: new ManualTicker(), replay: { state: 'pause' } });
  try {
    const { url } = await server.listen();
    const p = Number(new URL(url).port);
    const get = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port: p, path: '/api/health', headers }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        }).on('error', reject);
      });
    assert.equal(await get({ host: 'desk.example.com' }), 200);
    assert.equal(await get({ host: 'proxy.example.com:8443', origin: 'https://proxy.example.com:8443' }), 200);
    assert.equal(await get({ host: 'proxy.example.com:9000' }), 403);
    assert.equal(await get({ host: 'desk.example.com.evil.test' }), 403);
  } finally {
    await server.close();
    server = undefined;
  }
  assert.throws(() => createServer({ port: 0, allowedHosts: ['http://x/'] }), /OPTDESK_ALLOWED_HOSTS: "http:\/\/x\/" is not a host name/);
});
