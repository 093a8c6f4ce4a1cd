import { Injectable, Logger } from '@nestjs/common';
import type { X402Event, X402EventListener, X402EventOf, X402EventType } from './x402-event.types.js';

/**
 * The module's observability hook: the guard, the interceptor and the settlement service publish
 * what happens to each payment here, and metrics, logs or an app's own code subscribe.
 *
 * Listeners run synchronously, in the order they subscribed, and can never break a request:
 * what one throws, or a promise it returns rejects with, is logged (once per listener) and dropped.
 * Keep them cheap (count, enqueue); do slow work elsewhere. Events are shared between listeners:
 * treat them as read-only. With no listener, `emit` costs one length check.
 *
 * @example
 * @Injectable()
 * export class RevenueAlerts implements OnModuleInit {
 *   constructor(private readonly events: X402Events) {}
 *   onModuleInit() {
 *     this.events.on('settled', (e) => console.log(`${e.route} earned ${e.amount} (${e.transaction})`));
 *     this.events.on('failed', (e) => e.stage === 'settle' && pager.notify(e.reason));
 *   }
 * }
 */
@Injectable()
export class X402Events {
  private readonly logger = new Logger('X402');
  /** Replaced, never mutated, so an emit in progress is not affected by (un)subscribing. */
  private listeners: readonly X402EventListener[] = [];
  private readonly reported = new WeakSet<X402EventListener>();

  /** Subscribes to every event. Returns the function that unsubscribes. */
  on(listener: X402EventListener): () => void;
  /** Subscribes to the events of one `type`. Returns the function that unsubscribes. */
  on<T extends X402EventType>(type: T, listener: X402EventListener<X402EventOf<T>>): () => void;
  on(typeOrListener: X402EventType | X402EventListener, maybeListener?: X402EventListener<never>): () => void {
    const listener: X402EventListener =
      typeof typeOrListener === 'function'
        ? typeOrListener
        : (event) => (event.type === typeOrListener ? (maybeListener as X402EventListener)(event) : undefined);
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Number of subscribed listeners. */
  get listenerCount(): number {
    return this.listeners.length;
  }

  /** Publishes an event to every listener. Never throws. */
  emit(event: X402Event): void {
    const listeners = this.listeners;
    for (let i = 0; i < listeners.length; i++) {
      const listener = listeners[i];
      try {
        const result = listener(event);
        if (result && typeof (result as PromiseLike<unknown>).then === 'function') {
          (result as PromiseLike<unknown>).then(undefined, (error: unknown) => this.report(listener, event, error));
        }
      } catch (error) {
        this.report(listener, event, error);
      }
    }
  }

  private report(listener: X402EventListener, event: X402Event, error: unknown): void {
    if (this.reported.has(listener)) return; // a broken listener would otherwise log on every request
    this.reported.add(listener);
    try {
      const message = error instanceof Error ? error.message : String(error);
      this.logger.warn(`an x402 event listener failed on "${event.type}" (reported once per listener): ${message}`);
    } catch {
      // a failing logger must not reach the request either
    }
  }
}
