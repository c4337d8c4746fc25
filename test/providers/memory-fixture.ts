/** A memory server with one calendar, a provider on it and an `OtherClient`, for the memory tests. */
import { MemoryCalendarServer, MemoryProvider, type MemoryProviderOptions, type MemoryServerOptions } from '../../src/providers/memory/index.js';
import { ManualClock } from '../../src/util/clock.js';
import type { ConformanceFixture } from './conformance.js';

export interface MemoryFixture extends ConformanceFixture {
  server: MemoryCalendarServer;
  provider: MemoryProvider;
  clock: ManualClock;
}

export function memoryFixture(serverOptions: MemoryServerOptions = {}, providerOptions: MemoryProviderOptions = {}): MemoryFixture {
  const clock = new ManualClock();
  const server = new MemoryCalendarServer({ clock, seed: 42, ...serverOptions });
  const calendarId = server.addCalendar({ name: 'Weddings' }).remoteId;
  const provider = new MemoryProvider(server, providerOptions);
  const direct = server.otherClient(calendarId);
  return {
    server,
    clock,
    provider,
    calendarId,
    otherClient: {
      create: async (event) => direct.create(event).remoteId,
      update: async (remoteId, event) => {
        direct.update(remoteId, event);
      },
      delete: async (remoteId) => direct.delete(remoteId),
    },
    cleanup: () => provider.close(),
  };
}
