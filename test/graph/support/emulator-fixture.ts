/**
 * A Graph emulator with a GraphProvider pointed at it, and an Outlook "phone" (`OtherClient`) that edits
 * the mailbox through the emulator's admin `act` — no hub id, no If-Match, as another client would.
 */
import { createGraphEmulator } from '../../../src/emulator/graph/index.js';
import type { GraphEmulator, GraphEmulatorOptions } from '../../../src/emulator/graph/index.js';
import type { TlsMaterial } from '../../../src/emulator/graph/tls.js';
import { generateCertificate } from '../../../src/emulator/graph/tls.js';
import type { CalendarEvent } from '../../../src/model/event.js';
import { GraphClient } from '../../../src/providers/graph/client.js';
import type { GraphClientOptions } from '../../../src/providers/graph/client.js';
import { UID_PROPERTY } from '../../../src/providers/graph/constants.js';
import type { GraphProviderOptions } from '../../../src/providers/graph/graph-provider.js';
import { GraphProvider } from '../../../src/providers/graph/graph-provider.js';
import { createTransport } from '../../../src/providers/graph/http/transport.js';
import type { FetchLike } from '../../../src/net/types.js';
import { eventToGraph } from '../../../src/providers/graph/mapping/event-to-graph.js';
import type { OtherClient } from '../../providers/conformance.js';
import { fakeSleep } from './fake-fetch.js';

export const USER = 'adele@contoso.onmicrosoft.com';

let tls: Promise<TlsMaterial> | undefined;
const sharedTls = (): Promise<TlsMaterial> => (tls ??= generateCertificate(['127.0.0.1']));

export interface GraphFixture {
  emu: GraphEmulator;
  client: GraphClient;
  provider: GraphProvider;
  calendarId: string;
  otherClient: OtherClient;
  sleep: ReturnType<typeof fakeSleep>;
  /** Raw admin access as the mailbox owner. */
  act(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<unknown>;
  cleanup(): Promise<void>;
}

export interface FixtureOptions {
  emulator?: GraphEmulatorOptions;
  /** Wraps the real transport (to lose responses, count requests…). */
  wrapFetch?: (fetch: FetchLike) => FetchLike;
  client?: Partial<GraphClientOptions>;
  provider?: Partial<GraphProviderOptions>;
}

export async function graphFixture(opts: FixtureOptions = {}): Promise<GraphFixture> {
  const emu = await createGraphEmulator({ tls: await sharedTls(), ...opts.emulator });
  const transport = createTransport({ ca: emu.caCert ?? '' });
  const sleep = fakeSleep();
  let token = emu.admin.issueToken(USER).accessToken;
  const client = new GraphClient({
    baseUrl: emu.graphUrl,
    fetch: opts.wrapFetch ? opts.wrapFetch(transport.fetch) : transport.fetch,
    sleep,
    getToken: async ({ forceRefresh }) => {
      if (forceRefresh) token = emu.admin.issueToken(USER).accessToken;
      return token;
    },
    ...opts.client,
  });
  const provider = new GraphProvider({ client, ...opts.provider });
  // Another client that names events as calsync does (`Prefer: IdType="ImmutableId"`), so a test can
  // compare the ids it made with the ones calsync lists.
  const act = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<unknown> => {
    const res = await emu.admin.act(USER, method, path, body, { prefer: 'IdType="ImmutableId"' });
    if (res.status >= 400) throw new Error(`emulator ${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const calendar = (await act('POST', '/calendars', { name: 'Weddings' })) as { id: string };
  const foreignBody = (event: CalendarEvent): Record<string, unknown> => ({
    ...eventToGraph(event),
    ...(event.organizer ? { organizer: { emailAddress: { address: event.organizer.email, name: event.organizer.name } } } : {}),
    // The UID a received invitation would carry (Graph offers no other way to set one).
    singleValueExtendedProperties: [{ id: UID_PROPERTY, value: event.uid }],
  });
  const otherClient: OtherClient = {
    async create(event) {
      return ((await act('POST', `/calendars/${calendar.id}/events`, foreignBody(event))) as { id: string }).id;
    },
    async update(remoteId, event) {
      await act('PATCH', `/events/${remoteId}`, eventToGraph(event));
    },
    async delete(remoteId) {
      await act('DELETE', `/events/${remoteId}`);
    },
  };
  return {
    emu,
    client,
    provider,
    calendarId: calendar.id,
    otherClient,
    sleep,
    act,
    async cleanup() {
      await emu.close();
      await transport.close();
    },
  };
}
