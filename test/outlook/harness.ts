/**
 * An Outlook deployment in one process, against the Graph emulator: a real SQLite store and SQL queue,
 * the Fastify app listening on loopback as the webhook target, the workers (sync + subscription jobs)
 * and an integration connected through the real OAuth code + PKCE flow.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createGraphEmulator, type GraphEmulator, type GraphEmulatorOptions } from '../../src/emulator/graph/index.js';
import type { ActResult } from '../../src/emulator/graph/admin.js';
import type { TlsMaterial } from '../../src/emulator/graph/tls.js';
import { generateCertificate } from '../../src/emulator/graph/tls.js';
import { openQueue } from '../../src/queue/open.js';
import type { QueueWorker } from '../../src/queue/types.js';
import { buildApp } from '../../src/server/app.js';
import { connectOutlook } from '../../src/service/outlook/connect-outlook.js';
import { SubscriptionDirectory } from '../../src/service/outlook/subscription-directory.js';
import { SubscriptionManager, type SubscriptionOptions } from '../../src/service/outlook/subscription-manager.js';
import { ProviderRegistry } from '../../src/service/providers.js';
import { jobHandlers } from '../../src/service/workers.js';
import { openStore, type SqlStore } from '../../src/store/open.js';
import type { CalendarRecord, Integration } from '../../src/store/types.js';
import { systemClock, type Clock } from '../../src/util/clock.js';
import { recording, type RecordingQueue } from './support.js';

export const USER = 'adele@contoso.onmicrosoft.com';

let tls: Promise<TlsMaterial> | undefined;
export const sharedTls = (): Promise<TlsMaterial> => (tls ??= generateCertificate(['127.0.0.1']));

export interface OutlookHarness {
  emu: GraphEmulator;
  store: SqlStore;
  queue: RecordingQueue;
  providers: ProviderRegistry;
  directory: SubscriptionDirectory;
  manager: SubscriptionManager;
  app: FastifyInstance;
  publicUrl: string;
  clock: Clock;
  tenantId: string;
  integration: Integration;
  calendar: CalendarRecord;
  /** Starts the queue workers (sync and subscription jobs). */
  startWorkers(): void;
  /** Stops the workers (waiting for the jobs they are running), so a test alone decides what runs next. */
  stopWorkers(): Promise<void>;
  /** Runs queued jobs until nothing due is left (workers must be started). */
  drain(): Promise<void>;
  /** Acts on the mailbox as another Outlook client (notifies subscribers). */
  act(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<ActResult>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  clock?: Clock;
  emulator?: GraphEmulatorOptions;
  subscriptions?: SubscriptionOptions;
  /** Skip connecting an integration (tests of the connect flow itself). */
  connect?: boolean;
}

export async function outlookHarness(opts: HarnessOptions = {}): Promise<OutlookHarness> {
  const clock = opts.clock ?? systemClock;
  const dataDir = mkdtempSync(join(tmpdir(), 'calsync-outlook-'));
  const emu = await createGraphEmulator({ tls: await sharedTls(), clock, ...opts.emulator });
  const store = await openStore({ databaseUrl: 'sqlite::memory:', dataDir, secretKey: '11'.repeat(32), clock });
  const queue = recording(await openQueue({ db: store.db, dialect: store.dialect, clock }));
  const providers = new ProviderRegistry({ store, clock, allowPrivateUrls: true });
  const directory = new SubscriptionDirectory(store, clock);
  const app = await buildApp({ store, queue, clock, subscriptionDirectory: directory });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const publicUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const tenant = await store.tenants.ensureDefault();
  const deps = { store, queue, providers, clock, publicUrl, subscriptionDirectory: directory, ...(opts.subscriptions ? { subscriptionOptions: opts.subscriptions } : {}) };
  const manager = new SubscriptionManager({ ...deps, onRecordChanged: (id) => directory.invalidate(id), ...(opts.subscriptions ? { options: opts.subscriptions } : {}) });

  let integration = undefined as unknown as Integration;
  let calendar = undefined as unknown as CalendarRecord;
  if (opts.connect !== false) {
    const connected = await connectOutlook({ store, clock }, tenant.id, { graphUrl: emu.url, ca: emu.caCert ?? '', loginHint: USER });
    integration = connected.integration;
    const first = connected.calendars[0];
    if (!first) throw new Error('the emulator mailbox has no calendar');
    calendar = first;
  }

  let worker: QueueWorker | undefined;
  return {
    emu,
    store,
    queue,
    providers,
    directory,
    manager,
    app,
    publicUrl,
    clock,
    tenantId: tenant.id,
    integration,
    calendar,
    startWorkers() {
      worker ??= queue.work(jobHandlers(deps), { concurrency: 4 });
    },
    async stopWorkers() {
      await worker?.stop(30_000);
      worker = undefined;
    },
    drain: () => queue.drain(30_000),
    act: (method, path, body) => emu.admin.act(USER, method, path, body),
    async close() {
      await worker?.stop(5_000);
      await app.close();
      await providers.close();
      await queue.close();
      await store.close();
      await emu.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` resolves truthy (bounded). */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
