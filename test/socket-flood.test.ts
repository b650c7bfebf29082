/**
 * A page that floods the socket must not be able to exhaust the server (issue: 10,000
 * re-subscribes to a loaded series took RSS from 154 MB to 4.2 GB and then the heap).
 * Re-subscribes cost snapshots only within a per-socket budget, repeated ones collapse
 * into one, and a client that stops reading is dropped by its queued bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket as ServerSocket } from 'socket.io';
import { ManualTicker } from '../src/feeds/replay/index.js';
import { SocketGuard } from '../src/hub/socket-errors.js';
import type { SnapshotMessage } from '../src/wire/protocol.js';
import { startTestServer } from './helpers/server.js';
import { barrier, connect, next } from './helpers/socket.js';
import { until } from './helpers/wait.js';
import { scaled } from './helpers/timeouts.js';

const SERIES = { symbol: 'SPY', tf: '1m', extended: true } as const;
const FLOOD = 10_000;

test('10,000 re-subscribes to a loaded series: snapshots stay within the budget, memory stays bounded, the last one still answers', async () => {
  const guard = new SocketGuard({ snapshotBurst: 20, snapshotsPerSecond: 10 });
  const srv = await startTestServer({ session: '2013-10-10', time: '15:00', state: 'pause', ticker: new ManualTicker(), hub: { guard } });
  const s = await connect(srv.url);
  try {
    const first = next<SnapshotMessage>(s, 'snapshot');
    s.emit('subscribe', SERIES);
    const snap = await first;
    const snapshotBytes = JSON.stringify(snap).length;
    assert.ok(snapshotBytes > 100_000, `a big series (${snapshotBytes} bytes), as in the report`);

    let received = 0;
    s.on('snapshot', () => received++);
    const hub = srv.server.hub;
    const before = hub.counters.snapshots;
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    for (let i = 0; i < FLOOD; i++) s.emit('subscribe', SERIES);
    await barrier(s); // every subscribe above has been handled (same ordered connection)
    const health = await fetch(`${srv.url}/api/health`);
    assert.equal(health.status, 200, 'the server still answers during the flood');
    const elapsedS = (performance.now() - started) / 1000;
    const sent = hub.counters.snapshots - before;
    // The budget: the burst, plus the refill over the time the flood took, plus the one deferred answer.
    const budget = 20 + Math.ceil(10 * elapsedS) + 1;
    assert.ok(sent <= budget, `${sent} snapshots for ${FLOOD} re-subscribes (budget ${budget})`);
    assert.ok(guard.counters.coalesced >= FLOOD - budget, 'the rest collapsed into one pending re-subscribe');
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    assert.ok(rssGrowth < FLOOD * snapshotBytes * 0.02, `RSS grew ${Math.round(rssGrowth / 1e6)} MB; unbounded would be ${Math.round((FLOOD * snapshotBytes) / 1e6)} MB`);

    // The last re-subscribe (a seq-gap recovery) still gets its fresh snapshot.
    const serverSocket = srv.server.io.sockets.sockets.get(s.id!) as ServerSocket;
    await until('the deferred re-subscribe is answered', () => guard.pending(serverSocket) === 0 && received === hub.counters.snapshots - before);
    const fresh = next<SnapshotMessage>(s, 'snapshot');
    s.emit('subscribe', SERIES);
    const last = await fresh;
    assert.equal(last.seq, hub.engine.seq(SERIES.symbol, SERIES.tf, SERIES.extended));
    assert.deepEqual(last.bars, snap.bars, 'paused replay: the same series');
  } finally {
    s.close();
    await srv.close();
  }
});

test('a client that stops reading is dropped once its queued bytes pass the bound; others are unaffected', async () => {
  const guard = new SocketGuard({ snapshotBurst: 1_000, snapshotsPerSecond: 1_000, maxBufferedBytes: 1 << 20 });
  const srv = await startTestServer({ session: '2013-10-10', time: '15:00', state: 'pause', ticker: new ManualTicker(), hub: { guard } });
  const slow = await connect(srv.url);
  const healthy = await connect(srv.url);
  try {
    const loaded = next<SnapshotMessage>(slow, 'snapshot');
    slow.emit('subscribe', SERIES);
    await loaded;
    const serverSocket = srv.server.io.sockets.sockets.get(slow.id!) as ServerSocket;
    // Stop reading: the kernel buffers fill, then the server's own queue grows.
    const ws = (slow.io.engine.transport as unknown as { ws: { _socket: { pause(): void } } }).ws;
    ws._socket.pause();
    const before = srv.server.hub.counters.snapshots;
    for (let i = 0; i < 300; i++) slow.emit('subscribe', SERIES);
    await until('the slow client is dropped', () => !serverSocket.connected, scaled(60_000));
    assert.equal(guard.counters.droppedSlow, 1);
    assert.ok(srv.server.hub.counters.snapshots - before < 300, 'it stopped getting snapshots when dropped');

    const snap = next<SnapshotMessage>(healthy, 'snapshot');
    healthy.emit('subscribe', { symbol: 'AIG', tf: '5m' });
    assert.ok((await snap).bars.length > 0, 'another client is served as before');
  } finally {
    slow.close();
    healthy.close();
    await srv.close();
  }
});
