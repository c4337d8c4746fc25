/**
 * A worker's view of the store: every write is a scheduling point (before the write), so two workers'
 * store writes interleave as the schedule says and a crash can fall between any two writes of one
 * action (the hub written, the link not). Multi-row writes run inside a store transaction and are
 * not points: a worker never parks while it holds the database.
 */
import type { Store } from '../../../src/store/types.js';
import type { Scheduler } from './scheduler.js';

const WRITES: Record<string, ReadonlySet<string>> = {
  events: new Set(['put', 'delete', 'restore']),
  links: new Set(['create', 'update', 'delete']),
  conflicts: new Set(['record', 'resolve']),
  syncState: new Set(['set', 'setClaim']),
  integrations: new Set(['update']),
};

export function workerStore(inner: Store, scheduler: Scheduler, worker: number): Store {
  const wrapRepo = (name: string, repo: object): object =>
    new Proxy(repo, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        const fn = value as (...a: unknown[]) => Promise<unknown>;
        if (typeof prop !== 'string' || !WRITES[name]?.has(prop)) return fn.bind(target);
        return async (...args: unknown[]) => {
          await scheduler.point({ worker, label: `store ${name}.${prop}`, phase: 'store' });
          return fn.apply(target, args);
        };
      },
    });
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof prop === 'string' && prop in WRITES && typeof value === 'object' && value !== null) return wrapRepo(prop, value);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
