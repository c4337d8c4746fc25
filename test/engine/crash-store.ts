/**
 * A store that "crashes" after a number of writes: the write goes through, then the process dies (the
 * engine sees a STORE_FAILURE and aborts, leaving whatever was written so far). That is a crash between
 * any two actions — and between the two writes of one action — without killing the test process.
 */
import { CalsyncError } from '../../src/errors.js';
import type { Store } from '../../src/store/types.js';

const WRITES: Record<string, ReadonlySet<string>> = {
  events: new Set(['put', 'putMany', 'delete', 'restore']),
  links: new Set(['create', 'createMany', 'update', 'setWriteIntent', 'delete']),
  conflicts: new Set(['record', 'resolve']),
  syncState: new Set(['set']),
  integrations: new Set(['update']),
};

export interface CrashSwitch {
  store: Store;
  /** Crash right after the `n`-th write from now (1 = after the next write). */
  arm(n: number): void;
  disarm(): void;
  readonly crashed: boolean;
}

export function crashingStore(inner: Store): CrashSwitch {
  let remaining: number | undefined;
  let crashed = false;
  const wrapRepo = (name: string, repo: object): object =>
    new Proxy(repo, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function' || typeof prop !== 'string' || !WRITES[name]?.has(prop)) return value;
        return async (...args: unknown[]) => {
          const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          if (remaining !== undefined) {
            remaining -= 1;
            if (remaining <= 0) {
              remaining = undefined;
              crashed = true;
              throw new CalsyncError('STORE_FAILURE', `simulated crash after ${name}.${prop}`, { retryable: false });
            }
          }
          return result;
        };
      },
    });
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof prop === 'string' && prop in WRITES && typeof value === 'object' && value !== null) return wrapRepo(prop, value);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    store,
    arm: (n) => {
      remaining = n;
      crashed = false;
    },
    disarm: () => {
      remaining = undefined;
    },
    get crashed() {
      return crashed;
    },
  };
}
