/**
 * Ordered, one-at-a-time delivery of broker events: a listener's promise (e.g. an exit
 * placed on a fill) settles before the next event goes out, as on the paper broker. A
 * failing listener is reported and never blocks the others.
 */
import type { BrokerEvent, BrokerListener } from '../types.js';

export class EventOutbox {
  private readonly listeners = new Set<BrokerListener>();
  private readonly queue: BrokerEvent[] = [];
  private delivering = false;

  constructor(private readonly onListenerError: (err: unknown) => void) {}

  subscribe(listener: BrokerListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  push(event: BrokerEvent): void {
    this.queue.push(event);
    if (!this.delivering) void this.deliver();
  }

  private async deliver(): Promise<void> {
    this.delivering = true;
    try {
      for (let event = this.queue.shift(); event; event = this.queue.shift()) {
        for (const listener of [...this.listeners]) {
          try {
            const result = listener(event);
            if (result instanceof Promise) await result.catch(this.onListenerError);
          } catch (err) {
            this.onListenerError(err);
          }
        }
      }
    } finally {
      this.delivering = false;
    }
  }
}
