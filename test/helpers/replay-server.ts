/**
 * The replay server most hub tests share: SPY & co. on 2013-10-10 at 10:30, paused, driven
 * minute by minute with a ManualTicker. `useReplayServer()` starts it before the file's tests
 * and closes it after them, with every socket its `client()` opened.
 */
import { after, before } from 'node:test';
import type { Socket } from 'socket.io-client';
import { ManualTicker } from '../../src/feeds/replay/index.js';
import { startTestServer, type TestServer } from './server.js';
import { connect } from './socket.js';

export interface ReplayServerFixture {
  /** Valid once the file's `before` hooks have run. */
  readonly srv: TestServer;
  readonly ticker: ManualTicker;
  /** A connected Socket.IO client, closed with the server. */
  client(): Promise<Socket>;
  /** Every client opened so far. */
  readonly sockets: readonly Socket[];
}

/** `onReady` gets the server and ticker once they run (e.g. to set the file's own variables). */
export function useReplayServer(onReady?: (srv: TestServer, ticker: ManualTicker) => void): ReplayServerFixture {
  let srv: TestServer | undefined;
  let ticker: ManualTicker | undefined;
  const sockets: Socket[] = [];
  before(async () => {
    ticker = new ManualTicker();
    srv = await startTestServer({ session: '2013-10-10', time: '10:30', speed: 60, state: 'pause', ticker });
    onReady?.(srv, ticker);
  });
  after(async () => {
    for (const s of sockets) s.close();
    await srv?.close();
  });
  return {
    get srv() {
      if (!srv) throw new Error('useReplayServer: the server starts in a before hook; read srv inside a test');
      return srv;
    },
    get ticker() {
      if (!ticker) throw new Error('useReplayServer: the ticker exists once the before hook has run');
      return ticker;
    },
    sockets,
    async client() {
      const s = await connect(this.srv.url);
      sockets.push(s);
      return s;
    },
  };
}
