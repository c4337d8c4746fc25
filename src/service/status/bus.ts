/**
 * The status bus: how a sync running in any process reaches the WebSocket of every `calsync serve`.
 * Two implementations pass one conformance suite (`test/status/conformance.ts`): Redis pub/sub
 * (`REDIS_URL`) and a small table in the store, polled, for deployments without Redis. Both deliver to
 * subscribers in the publishing process at once, without the round trip.
 */
import type { StatusEvent } from './events.js';

export type StatusListener = (event: StatusEvent) => void;

export interface StatusBus {
  readonly backend: 'redis' | 'store' | 'memory';
  /** Delivers to local subscribers at once and to other processes through the backend. */
  publish(event: StatusEvent): Promise<void>;
  /** Events of one tenant, from this and every other process; returns the unsubscribe function. */
  subscribe(tenantId: string, listener: StatusListener): () => void;
  close(): Promise<void>;
}

/** Per-tenant listener sets; shared by the implementations for local delivery. */
export class LocalFanout {
  private readonly listeners = new Map<string, Set<StatusListener>>();

  add(tenantId: string, listener: StatusListener): () => void {
    let set = this.listeners.get(tenantId);
    if (!set) this.listeners.set(tenantId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(tenantId);
    };
  }

  get size(): number {
    return this.listeners.size;
  }

  deliver(event: StatusEvent): void {
    for (const listener of this.listeners.get(event.tenantId) ?? []) {
      // One broken listener (a closed socket) must not starve the others.
      try {
        listener(event);
      } catch {
        /* the listener's own problem */
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}

/** One process, no backend: in-process delivery only (tests, `calsync sync`). */
export class MemoryStatusBus implements StatusBus {
  readonly backend = 'memory' as const;
  private readonly fanout = new LocalFanout();

  async publish(event: StatusEvent): Promise<void> {
    this.fanout.deliver(event);
  }

  subscribe(tenantId: string, listener: StatusListener): () => void {
    return this.fanout.add(tenantId, listener);
  }

  async close(): Promise<void> {
    this.fanout.clear();
  }
}
