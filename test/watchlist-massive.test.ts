/**
 * The watchlist with the Massive feed (against the fake Massive server): optdesk has no
 * stock reference lookup there, so any well-formed ticker is accepted — and its row says
 * "No data for …" until a trade prints, instead of showing an empty price silently.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type OptdeskServer } from '../src/server/app.js';
import type { WatchlistRow } from '../src/wire/protocol.js';
import { startFakeMassive, type FakeMassive } from './fakes/massive-server.js';
import { massiveFeedFor } from './helpers/massive.js';

let fake: FakeMassive;
let server: OptdeskServer;
let url: string;

before(async () => {
  fake = await startFakeMassive();
  server = createServer({ host: '127.0.0.1', port: 0, feed: massiveFeedFor(fake) });
  ({ url } = await server.listen());
});
after(async () => {
  await server?.close();
  await fake?.close();
});

test('Massive: a ticker without trades is accepted and its row says there is no data', async () => {
  const res = await fetch(`${url}/api/watchlist`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ symbol: 'ZZZZ' }) });
  assert.equal(res.status, 200, await res.clone().text());
  const { symbols } = (await (await fetch(`${url}/api/symbols`)).json()) as { symbols: WatchlistRow[] };
  const row = symbols.find((r) => r.symbol === 'ZZZZ');
  assert.ok(row, 'ZZZZ is on the watchlist');
  assert.equal(row.hasData, false);
  assert.equal(row.last, null);
  assert.match(row.message ?? '', /^No data for ZZZZ on \d{4}-\d{2}-\d{2}$/);
});
