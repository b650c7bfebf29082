/**
 * feeds/ — where market data comes from. Every live source implements `MarketDataFeed`
 * (./types.ts) and hands raw input — 1-minute aggregates, partial aggregates, trades,
 * option quotes — to the hub, which feeds the BarEngine (the only writer of bars):
 *
 * - `replay/`   recorded sessions from ../shared/data played as if live (the default);
 * - `massive/`  Massive (formerly Polygon.io): REST history + WebSocket live, official client;
 * - `flatfile/` the importer of Massive flat files into the store (`optdesk import`).
 */
export type { FeedListener, FeedStatus, MarketDataFeed } from './types.js';
