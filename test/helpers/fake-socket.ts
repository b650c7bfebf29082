/**
 * A Socket.IO client stand-in for the dashboard's socket code run without a browser
 * (web/src/chart/seriesFeed.ts): records what the client emits and delivers server events
 * to the handlers it registered.
 */
type Handler = (m: unknown) => void;

export class FakeSocket {
  connected = true;
  readonly emitted: [string, unknown][] = [];
  private readonly handlers = new Map<string, Set<Handler>>();
  on(event: string, fn: Handler) {
    if (!this.handlers.has(event)) this.handlers.set(event, new Set());
    this.handlers.get(event)!.add(fn);
    return this;
  }
  off(event: string, fn: Handler) {
    this.handlers.get(event)?.delete(fn);
    return this;
  }
  emit(event: string, payload: unknown) {
    this.emitted.push([event, payload]);
    return this;
  }
  /** Plays the server sending `event`. */
  deliver(event: string, payload: unknown) {
    for (const fn of this.handlers.get(event) ?? []) fn(payload);
  }
  /** How many `subscribe` requests the client has sent. */
  subscribes(): number {
    return this.emitted.filter(([e]) => e === 'subscribe').length;
  }
}
