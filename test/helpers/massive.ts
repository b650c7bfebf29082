/** A MassiveFeed pointed at the fake Massive server, with short capped backoffs so tests take milliseconds. */
import { MassiveFeed, type MassiveFeedConfig } from '../../src/feeds/massive/index.js';
import type { FakeMassive } from '../fakes/massive-server.js';

export function massiveFeedFor(fake: FakeMassive, overrides: Partial<MassiveFeedConfig> = {}): MassiveFeed {
  return new MassiveFeed({
    apiKey: fake.apiKey,
    restBaseUrl: fake.restUrl,
    wsUrl: fake.wsUrl,
    optionsWsUrl: fake.optionsWsUrl,
    reconnect: { initialMs: 20, maxMs: 150 },
    restRetry: { initialMs: 20, maxMs: 100, maxAttempts: 4 },
    startTimeoutMs: 2000,
    // A login counts once something follows it; alone (no subscriptions yet) after this.
    authSettleMs: 30,
    logger: { warn: () => {} },
    ...overrides,
  });
}
