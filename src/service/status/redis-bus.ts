/**
 * The status bus on Redis pub/sub: one channel per deployment (`<prefix>:status`), messages tagged with
 * the publishing bus's origin so a process does not deliver its own events twice. Pub/sub is fire and
 * forget — right for live progress, where a missed step is replaced by the next one.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { StatusBus, StatusListener } from './bus.js';
import { LocalFanout } from './bus.js';
import type { StatusEvent } from './events.js';

export interface RedisStatusBusOptions {
  redisUrl: string;
  /** Channel namespace (default `calsync`); tests use a unique one. */
  prefix?: string;
}

interface Envelope {
  origin: string;
  event: StatusEvent;
}

export class RedisStatusBus implements StatusBus {
  readonly backend = 'redis' as const;
  private readonly origin = randomUUID();
  private readonly channel: string;
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly fanout = new LocalFanout();
  private subscribed: Promise<unknown> | undefined;

  constructor(opts: RedisStatusBusOptions) {
    this.channel = `${opts.prefix ?? 'calsync'}:status`;
    this.pub = new Redis(opts.redisUrl, { maxRetriesPerRequest: 2 });
    this.sub = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
    this.sub.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      let envelope: Envelope;
      try {
        envelope = JSON.parse(message) as Envelope;
      } catch {
        return;
      }
      if (envelope.origin !== this.origin) this.fanout.deliver(envelope.event);
    });
    // ioredis reconnects by itself; without a listener an outage would crash the process.
    this.pub.on('error', () => undefined);
    this.sub.on('error', () => undefined);
  }

  /** Resolves once this bus receives other processes' events (the SUBSCRIBE round trip). */
  ready(): Promise<unknown> {
    return (this.subscribed ??= this.sub.subscribe(this.channel));
  }

  async publish(event: StatusEvent): Promise<void> {
    this.fanout.deliver(event);
    await this.pub.publish(this.channel, JSON.stringify({ origin: this.origin, event } satisfies Envelope));
  }

  subscribe(tenantId: string, listener: StatusListener): () => void {
    void this.ready();
    return this.fanout.add(tenantId, listener);
  }

  async close(): Promise<void> {
    this.fanout.clear();
    this.pub.disconnect();
    this.sub.disconnect();
  }
}
