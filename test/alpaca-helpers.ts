/**
 * Shared setup of the Alpaca tests: the fake Alpaca server, an AlpacaBroker pointed at it
 * through the official SDK with short backoffs, captured log lines, events and 429
 * back-offs, and the real recorded GOOG option quotes of 2015-12-24.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { AlpacaBroker, alpacaSettings, type AlpacaBrokerOptions } from '../src/broker/alpaca/index.js';
import type { BackoffEvent } from '../src/broker/alpaca/rest.js';
import type { ApprovedIntent, BrokerEvent } from '../src/broker/types.js';
import { FakeAlpaca, type FakeAlpacaOptions } from './fakes/alpaca-server.js';
import { DATA_DIR } from './helpers/data.js';

export interface AlpacaRig {
  fake: FakeAlpaca;
  broker: AlpacaBroker;
  /** Every log line as JSON (message + fields). */
  logs: string[];
  events: BrokerEvent[];
  backoffs: BackoffEvent[];
  close(): Promise<void>;
}

export async function alpacaRig(
  opts: { fake?: FakeAlpacaOptions; broker?: Partial<AlpacaBrokerOptions>; reuse?: FakeAlpaca; beforeStart?: (broker: AlpacaBroker) => void } = {},
): Promise<AlpacaRig> {
  const fake = opts.reuse ?? (await FakeAlpaca.start(opts.fake));
  const logs: string[] = [];
  const backoffs: BackoffEvent[] = [];
  const events: BrokerEvent[] = [];
  const broker = new AlpacaBroker({
    settings: alpacaSettings({ keyId: fake.keyId, secret: fake.secret, restUrl: fake.restUrl, streamUrl: fake.streamUrl }),
    log: {
      info: (msg, fields) => logs.push(JSON.stringify({ level: 'info', msg, ...fields })),
      warn: (msg, fields) => logs.push(JSON.stringify({ level: 'warn', msg, ...fields })),
    },
    backoff: { initialMs: 20, maxMs: 200, maxAttempts: 4 },
    onBackoff: (e) => backoffs.push(e),
    reconnect: { initialMs: 20, maxMs: 200 },
    lookup: { attempts: 3, delayMs: 20 },
    pollMs: 50,
    // Every read goes to the fake unless a test asks for the shared read.
    holdingsTtlMs: 0,
    ...opts.broker,
  });
  broker.onEvent((e) => {
    events.push(e);
  });
  opts.beforeStart?.(broker);
  await broker.start();
  return {
    fake,
    broker,
    logs,
    events,
    backoffs,
    async close() {
      broker.stop();
      if (!opts.reuse) await fake.close();
    },
  };
}

let seq = 0;

/** An approved intent for the rig's account (the risk engine's approval is stubbed: these tests are about the broker). */
export function intent(over: Partial<ApprovedIntent> & Pick<ApprovedIntent, 'symbol' | 'side' | 'type'>): ApprovedIntent {
  return {
    account: 'alpaca-paper',
    qty: 1,
    timeInForce: 'day',
    role: 'entry',
    clientOrderId: `t-${process.pid}-${++seq}-${Date.now()}`,
    approval: { decisionId: `test-${seq}`, at: 0 },
    ...over,
  };
}

export function orderEvents(events: BrokerEvent[], orderId?: string): { type: string; status: string; filledQty: number }[] {
  return events
    .filter((e): e is Extract<BrokerEvent, { kind: 'order' }> => e.kind === 'order')
    .filter((e) => !orderId || e.event.order.id === orderId)
    .map((e) => ({ type: e.event.type, status: e.event.order.status, filledQty: e.event.order.filledQty }));
}

export interface RecordedQuote {
  t: number;
  bid: string;
  ask: string;
  bidSize: number;
  askSize: number;
}

/** The recorded NBBO of one GOOG option contract on 2015-12-24, as the vendor's decimal strings. */
export function recordedOptionQuotes(ticker: string): RecordedQuote[] {
  const file = path.join(DATA_DIR, 'flatfiles/us_options_opra/quotes_v1/2015/12/2015-12-24.csv.gz');
  const out: RecordedQuote[] = [];
  for (const line of gunzipSync(readFileSync(file)).toString('utf8').split('\n')) {
    if (!line.startsWith(`${ticker},`)) continue;
    const [, , ask, askSize, , bid, bidSize, , ts] = line.split(',');
    if (!ask || !bid || !ts) continue;
    out.push({ t: Math.round(Number(ts) / 1e6), bid, ask, bidSize: Number(bidSize), askSize: Number(askSize) });
  }
  return out;
}
