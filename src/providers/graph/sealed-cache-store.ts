/**
 * A `TokenCacheStore` that encrypts the MSAL cache (it holds refresh tokens) with the app's secret key
 * before it reaches storage, bound to the integration it belongs to: a sealed cache copied onto
 * another integration's row fails to open instead of signing in as the wrong mailbox.
 */
import { open, seal } from '../../util/crypto.js';
import type { TokenCacheStore } from './auth.js';

/** Where the sealed text is kept (an integration's credentials column). */
export interface SealedTextStore {
  read(): Promise<string | undefined>;
  write(sealed: string): Promise<void>;
}

export function sealedCacheStore(key: Buffer, integrationId: string, storage: SealedTextStore): TokenCacheStore {
  const context = `graph-token-cache:${integrationId}`;
  return {
    async load() {
      const sealed = await storage.read();
      return sealed === undefined ? undefined : open(key, sealed, context);
    },
    async save(cache) {
      await storage.write(seal(key, cache, context));
    },
  };
}
