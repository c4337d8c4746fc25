/**
 * The model test's commands: users editing the hub and the calendars (create, update, move, delete,
 * recurrence exceptions), syncs under random provider failures and crashes, and users resolving
 * conflicts. Targets are picked by index among what exists when the command runs.
 */
import fc from 'fast-check';
import type { CalendarEvent } from '../../../src/model/event.js';
import type { RemoteItem } from '../../../src/providers/types.js';
import { resolveConflict } from '../../../src/sync/resolve.js';
import { applyEdit, applyException, buildEvent, type EditSpec, type EventSpec, type ModelState, type World } from './world.js';

type Cmd = fc.AsyncCommand<ModelState, World>;

const byUid = <T extends { event: CalendarEvent }>(items: T[]): T[] => [...items].sort((a, b) => (a.event.uid < b.event.uid ? -1 : 1));

function pick<T>(items: readonly T[], n: number): T | undefined {
  return items.length === 0 ? undefined : items[n % items.length];
}

async function liveHub(w: World): Promise<{ id: string; version: number; event: CalendarEvent }[]> {
  return byUid(await w.hub.store.events.list(w.tenantId));
}

function remoteItems(w: World, cal: number): RemoteItem[] {
  const calendar = w.hub.calendars[cal % w.hub.calendars.length];
  return calendar ? byUid(w.hub.remote(calendar)) : [];
}

abstract class Base implements Cmd {
  check(): boolean {
    return true;
  }
  abstract run(m: ModelState, w: World): Promise<void>;
  abstract toString(): string;
}

export class HubCreate extends Base {
  constructor(readonly spec: EventSpec) {
    super();
  }
  async run(m: ModelState, w: World): Promise<void> {
    const event = buildEvent(m.nextId++, this.spec);
    await w.hub.store.events.put(w.tenantId, { event, source: 'wedsync' });
    m.created(event.uid);
  }
  toString(): string {
    return `HubCreate(${JSON.stringify(this.spec)})`;
  }
}

export class HubEdit extends Base {
  constructor(
    readonly n: number,
    readonly edit: EditSpec,
  ) {
    super();
  }
  async run(m: ModelState, w: World): Promise<void> {
    const target = pick(await liveHub(w), this.n);
    if (!target) return;
    const next = applyEdit(target.event, this.edit);
    await w.hub.store.events.put(w.tenantId, { id: target.id, event: next, expectedVersion: target.version, source: 'wedsync' });
    m.edited(target.event, next);
  }
  toString(): string {
    return `HubEdit(${this.n}, ${JSON.stringify(this.edit)})`;
  }
}

export class HubDelete extends Base {
  constructor(readonly n: number) {
    super();
  }
  async run(m: ModelState, w: World): Promise<void> {
    const target = pick(await liveHub(w), this.n);
    if (!target) return;
    await w.hub.store.events.delete(w.tenantId, target.id, { source: 'wedsync' });
    m.deleted(target.event.uid);
  }
  toString(): string {
    return `HubDelete(${this.n})`;
  }
}

export class HubException extends Base {
  constructor(
    readonly n: number,
    readonly k: number,
    readonly cancel: boolean,
  ) {
    super();
  }
  async run(m: ModelState, w: World): Promise<void> {
    const target = pick((await liveHub(w)).filter((e) => e.event.recurrence), this.n);
    const next = target && applyException(target.event, this.k, this.cancel);
    if (!target || !next) return;
    await w.hub.store.events.put(w.tenantId, { id: target.id, event: next, expectedVersion: target.version, source: 'wedsync' });
    m.edited(target.event, next);
  }
  toString(): string {
    return `HubException(${this.n}, ${this.k}, ${this.cancel})`;
  }
}

export class RemoteCreate extends Base {
  constructor(
    readonly cal: number,
    readonly spec: EventSpec,
  ) {
    super();
  }
  async run(m: ModelState, w: World): Promise<void> {
    const calendar = w.hub.calendars[this.cal % w.hub.calendars.length];
    if (!calendar) return;
    const event = buildEvent(m.nextId++, this.spec);
    w.hub.phone(calendar).create(event);
    m.created(event.uid);
  }
  toString(): string {
    return `RemoteCreate(${this.cal}, ${JSON.stringify(this.spec)})`;
  }
}

export class RemoteEdit extends Base {
  constructor(
    readonly cal: number,
    readonly n: number,
    readonly edit: EditSpec,
  ) {
    super();
  }
  async run(m: ModelState, w: World): Promise<void> {
    const calendar = w.hub.calendars[this.cal % w.hub.calendars.length];
    const target = pick(remoteItems(w, this.cal), this.n);
    if (!calendar || !target) return;
    const next = applyEdit(target.event, this.edit);
    w.hub.phone(calendar).update(target.remoteId, next);
    m.edited(target.event, next);
  }
  toString(): string {
    return `RemoteEdit(${this.cal}, ${this.n}, ${JSON.stringify(this.edit)})`;
  }
}

export class RemoteException extends Base {
  constructor(
    readonly cal: number,
    readonly n: number,
    readonly k: number,
    readonly cancel: boolean,
  ) {
    super();
  }
  async run(m: ModelState, w: World): Promise<void> {
    const calendar = w.hub.calendars[this.cal % w.hub.calendars.length];
    const target = pick(remoteItems(w, this.cal).filter((i) => i.event.recurrence), this.n);
    const next = target && applyException(target.event, this.k, this.cancel);
    if (!calendar || !target || !next) return;
    w.hub.phone(calendar).update(target.remoteId, next);
    m.edited(target.event, next);
  }
  toString(): string {
    return `RemoteException(${this.cal}, ${this.n}, ${this.k}, ${this.cancel})`;
  }
}

export class RemoteDelete extends Base {
  constructor(
    readonly cal: number,
    readonly n: number,
  ) {
    super();
  }
  async run(m: ModelState, w: World): Promise<void> {
    const calendar = w.hub.calendars[this.cal % w.hub.calendars.length];
    const target = pick(remoteItems(w, this.cal), this.n);
    if (!calendar || !target) return;
    w.hub.phone(calendar).delete(target.remoteId);
    m.deleted(target.event.uid);
  }
  toString(): string {
    return `RemoteDelete(${this.cal}, ${this.n})`;
  }
}

export type Fault = { kind: 'none' } | { kind: 'flaky'; rate: number } | { kind: 'crash'; after: number } | { kind: 'lostResponse' } | { kind: 'listing' } | { kind: 'race' };

export class Sync extends Base {
  constructor(
    readonly cal: number,
    readonly fault: Fault,
  ) {
    super();
  }
  async run(_m: ModelState, w: World): Promise<void> {
    const calendar = w.hub.calendars[this.cal % w.hub.calendars.length];
    if (!calendar) return;
    const faults = w.hub.server.faults;
    const f = this.fault;
    if (f.kind === 'flaky') faults.failRandomly(['create', 'update', 'delete', 'fetch', 'findByUid'], f.rate, 'PROVIDER_UNAVAILABLE');
    if (f.kind === 'crash') w.crash.arm(f.after);
    if (f.kind === 'lostResponse') faults.failNext(['create', 'update', 'delete'], 'PROVIDER_TIMEOUT', { afterCommit: true });
    if (f.kind === 'listing') faults.failListings();
    if (f.kind === 'race') faults.raceNextWrite();
    try {
      await w.hub.sync(calendar, {}, { store: w.crash.store });
    } catch {
      // Crashes, listing failures and guard refusals are expected; the invariants are checked later.
    } finally {
      w.crash.disarm();
      faults.clear();
      w.hub.clock.advance(1_000);
    }
  }
  toString(): string {
    return `Sync(${this.cal}, ${JSON.stringify(this.fault)})`;
  }
}

/** Both calendars synced at once (two workers): their hub writes race and must not overwrite each other. */
export class SyncBoth extends Base {
  async run(_m: ModelState, w: World): Promise<void> {
    try {
      await Promise.allSettled(w.hub.calendars.map((cal) => w.hub.sync(cal)));
    } finally {
      w.hub.clock.advance(1_000);
    }
  }
  toString(): string {
    return 'SyncBoth';
  }
}

export class Resolve extends Base {
  constructor(
    readonly n: number,
    readonly take: 'wedsync' | 'provider' | 'merge',
  ) {
    super();
  }
  async run(_m: ModelState, w: World): Promise<void> {
    const open = await w.hub.store.conflicts.list(w.tenantId, { status: 'open' });
    const target = pick(open, this.n);
    if (!target) return;
    try {
      await resolveConflict(w.hub.deps(), w.tenantId, target.id, { take: this.take });
    } catch {
      // A resolution that meets a newer edit fails and stays open: quiescence resolves it later.
    }
  }
  toString(): string {
    return `Resolve(${this.n}, ${this.take})`;
  }
}

const eventSpec = fc.record({ title: fc.nat(20), hour: fc.nat(9), recurring: fc.boolean() });
const editSpec = fc.record({ field: fc.constantFrom('title', 'location', 'move', 'description', 'categories' as const), value: fc.nat(12) });
const cal = fc.nat(1);
const fault: fc.Arbitrary<Fault> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('flaky' as const), rate: fc.constantFrom(0.2, 0.5) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('crash' as const), after: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'lostResponse' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'listing' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'race' as const }) },
);

export const commandArbitraries: fc.Arbitrary<Cmd>[] = [
  eventSpec.map((s) => new HubCreate(s)),
  fc.tuple(fc.nat(3), editSpec).map(([n, e]) => new HubEdit(n, e)),
  fc.nat().map((n) => new HubDelete(n)),
  fc.tuple(fc.nat(), fc.nat(4), fc.boolean()).map(([n, k, c]) => new HubException(n, k, c)),
  fc.tuple(cal, eventSpec).map(([c, s]) => new RemoteCreate(c, s)),
  fc.tuple(cal, fc.nat(3), editSpec).map(([c, n, e]) => new RemoteEdit(c, n, e)),
  fc.tuple(cal, fc.nat(), fc.nat(4), fc.boolean()).map(([c, n, k, x]) => new RemoteException(c, n, k, x)),
  fc.tuple(cal, fc.nat()).map(([c, n]) => new RemoteDelete(c, n)),
  fc.tuple(cal, fault).map(([c, f]) => new Sync(c, f)),
  fc.tuple(cal, fault).map(([c, f]) => new Sync(c, f)),
  fc.constant(new SyncBoth()),
  fc.tuple(fc.nat(), fc.constantFrom('wedsync' as const, 'provider' as const, 'merge' as const)).map(([n, t]) => new Resolve(n, t)),
];
