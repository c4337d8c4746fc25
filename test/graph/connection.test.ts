import { describe, expect, it } from 'vitest';
import { createGraphEmulator } from '../../src/emulator/graph/index.js';
import { createGraphProvider } from '../../src/providers/graph/index.js';
import { makeEvent } from '../support/events.js';
import { USER } from './support/emulator-fixture.js';

describe('createGraphProvider', () => {
  it('builds a working provider for one mailbox from a base URL, a token source and a CA', async () => {
    const emu = await createGraphEmulator();
    try {
      const provider = createGraphProvider({
        baseUrl: emu.graphUrl,
        ca: emu.caCert ?? '',
        getToken: async () => emu.admin.issueToken(USER).accessToken,
        http: { maxAttempts: 2, sleep: async () => undefined },
      });
      const [calendar] = await provider.listCalendars();
      expect(calendar?.writable).toBe(true);
      const created = await provider.create(calendar?.remoteId ?? '', makeEvent(), { hubId: 'hub-9' }).then((w) => w.item);
      expect(created.hubId).toBe('hub-9');
      expect(provider.stats.requests).toBeGreaterThan(2);
      expect(provider.capabilities).toMatchObject({ incremental: true, push: true, maxConcurrency: 4 });
      await provider.close();
      // The transport is closed: further requests fail instead of hanging.
      await expect(provider.listCalendars()).rejects.toMatchObject({ code: 'PROVIDER_LISTING_FAILED' });
    } finally {
      await emu.close();
    }
  });
});
