/**
 * The scale benchmark's worker side, the same in the parent and in a child process: the real workers
 * (BullMQ queue, Redis poll schedule, outbox drainer, sync handler) over a store whose queries are
 * counted, with a CalDAV-shaped in-process provider: the memory calendar server (one calendar per
 * tenant, built identically in every process) behind a fixed latency per request.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { KyselyPlugin } from 'kysely';
import { MemoryCalendarServer, MemoryProvider } from '../../src/providers/memory/index.js';
import type { CalendarProvider } from '../../src/providers/types.js';
import { openQueue } from '../../src/queue/open.js';
import type { JobQueue } from '../../src/queue/types.js';
import { ProviderRegistry } from '../../src/service/providers.js';
import { startWorkers, type Workers } from '../../src/service/workers.js';
import { connect } from '../../src/store/connect.js';
import type { StoreDatabase } from '../../src/store/schema.js';
import { SqlStore } from '../../src/store/sql-store.js';
import { systemClock } from '../../src/util/clock.js';

/** Counts the queries through a Kysely instance, and of them the writes (INSERT, UPDATE, DELETE). */
export class QueryCounter implements KyselyPlugin {
  count = 0;
  writes = 0;
  transformQuery: KyselyPlugin['transformQuery'] = (args) => {
    this.count += 1;
    const node = args.node as { kind: string; sqlFragments?: readonly string[] };
    const raw = node.kind === 'RawNode' ? (node.sqlFragments ?? []).join('').trim().toLowerCase() : '';
    if (['InsertQueryNode', 'UpdateQueryNode', 'DeleteQueryNode'].includes(node.kind) || /^(insert|update|delete)\b/.test(raw)) this.writes += 1;
    return args.node;
  };
  transformResult: KyselyPlugin['transformResult'] = async (args) => args.result;
}

export interface WorldOptions {
  databaseUrl: string;
  dataDir: string;
  secretKey: string;
  redisPrefix: string;
  redisUrl: string;
  calendars: number;
  latencyMs: number;
  concurrency: number;
}

export const accountOf = (i: number): string => `a${i}`;
export const remoteIdOf = (i: number): string => `/cal/${i}/`;

/** Every async method answers after `ms`, as a server across the network would. */
function withLatency(provider: CalendarProvider, ms: number): CalendarProvider {
  return new Proxy(provider, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || prop === 'constructor') return value;
      return async (...args: unknown[]) => {
        await sleep(ms);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

export interface World {
  server: MemoryCalendarServer;
  store: SqlStore;
  queue: JobQueue;
  counter: QueryCounter;
  completed: number;
  workers: Workers;
  close(): Promise<void>;
}

export async function openWorld(o: WorldOptions): Promise<World> {
  const server = new MemoryCalendarServer({ clock: systemClock, seed: 7 });
  for (let i = 0; i < o.calendars; i += 1) server.addCalendar({ account: accountOf(i), remoteId: remoteIdOf(i), name: `Calendar ${i}` });
  const counter = new QueryCounter();
  const { db } = connect<StoreDatabase>(o.databaseUrl, o.dataDir);
  const store = new SqlStore({ db: db.withPlugin(counter), dialect: 'postgres', clock: systemClock, secretKey: Buffer.from(o.secretKey, 'hex'), location: 'bench' });
  const queue = await openQueue({ redisUrl: o.redisUrl, prefix: o.redisPrefix, clock: systemClock });
  const providers = new ProviderRegistry({ store, clock: systemClock, allowPrivateUrls: false });
  providers.register('memory', (integration) => withLatency(new MemoryProvider(server, { account: String(integration.config.account) }), o.latencyMs));
  const world: World = {
    server,
    store,
    queue,
    counter,
    completed: 0,
    workers: undefined as unknown as Workers,
    async close() {
      await world.workers.stop(30_000);
      await providers.close();
      await queue.close();
      await store.close();
    },
  };
  world.workers = startWorkers(
    {
      store,
      queue,
      providers,
      clock: systemClock,
      redis: { url: o.redisUrl, prefix: o.redisPrefix },
      onStatus: (s) => {
        if (s.type === 'completed') world.completed += 1;
      },
    },
    { concurrency: o.concurrency },
  );
  return world;
}
