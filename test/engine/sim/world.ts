/**
 * One simulated tenant: a hub (a tenant of a shared SQLite store), a CalDAV-like and a Graph-like
 * calendar model linked to it, the users acting on all three, workers syncing under the scheduler,
 * and quiescence (sync everything, no faults, until nothing changes).
 */
import { isCalsyncError } from '../../../src/errors.js';
import type { CalendarEvent } from '../../../src/model/event.js';
import { classify } from '../../../src/model/priority.js';
import type { CalendarRecord, Store } from '../../../src/store/types.js';
import { syncCalendar, type SyncOptions, type SyncReport } from '../../../src/sync/engine.js';
import { resolveConflict } from '../../../src/sync/resolve.js';
import type { ManualClock } from '../../../src/util/clock.js';
import { CalDavModel } from './caldav-model.js';
import { GraphModel } from './graph-model.js';
import type { ModelCalendar } from './model-calendar.js';
import { movedStart, occurrence, Oracle, plusHours } from './oracle.js';
import type { CalName, Mask, Schedule, SyncStep, UserAction } from './schedule.js';
import { Scheduler } from './scheduler.js';
import { SimProvider } from './sim-provider.js';
import { workerStore } from './sim-store.js';

let tenants = 0;

function pick<T>(items: readonly T[], n: number): T | undefined {
  return items.length === 0 ? undefined : items[n % items.length];
}

export interface QuietResult {
  rounds: number;
  /** Set when syncing without faults never came to rest: the items still written in the last rounds. */
  loop?: string;
}

export class SimWorld {
  readonly oracle = new Oracle();
  readonly models: Record<CalName, ModelCalendar>;
  readonly scheduler: Scheduler;
  /** Errors workers ended with (refusals, listing failures): for the report. */
  readonly workerErrors: string[] = [];

  private constructor(
    readonly store: Store,
    readonly clock: ManualClock,
    readonly tenantId: string,
    readonly calendars: Record<CalName, CalendarRecord>,
    schedule: Schedule,
    readonly masks: ReadonlySet<Mask>,
  ) {
    this.models = { caldav: new CalDavModel(masks.has(3) || masks.has(30), masks.has(3)), graph: new GraphModel() };
    this.scheduler = new Scheduler(schedule, clock, (action) => this.act(action), masks.has(6), masks.has(61));
  }

  static async create(shared: { store: Store; clock: ManualClock }, schedule: Schedule, masks: ReadonlySet<Mask> = new Set()): Promise<SimWorld> {
    const { store, clock } = shared;
    tenants += 1;
    const tenant = await store.tenants.create(`sim-${tenants}-${clock.now()}`);
    const icloud = await store.integrations.create(tenant.id, { provider: 'caldav', name: 'iCloud', config: {}, credentials: {} });
    const outlook = await store.integrations.create(tenant.id, { provider: 'outlook', name: 'Outlook', config: {}, credentials: {} });
    const calendars = {
      caldav: await store.calendars.upsert(tenant.id, icloud.id, { remoteId: CalDavModel.ID, name: 'Weddings (iCloud)', enabled: true }),
      graph: await store.calendars.upsert(tenant.id, outlook.id, { remoteId: GraphModel.ID, name: 'Weddings (Outlook)', enabled: true }),
    };
    const world = new SimWorld(store, clock, tenant.id, calendars, schedule, masks);
    // A few events on every side, linked by clean syncs before the schedule starts.
    await world.act({ who: 'hub', op: 'create', recurring: true });
    await world.act({ who: 'hub', op: 'create', recurring: false });
    await world.act({ who: 'caldav', op: 'create', recurring: false });
    await world.act({ who: 'graph', op: 'create', recurring: true });
    for (let i = 0; i < 2; i += 1) for (const cal of ['caldav', 'graph'] as const) await world.sync(cal, 0);
    return world;
  }

  /** A worker's sync of one calendar (through the scheduler while a step runs). */
  sync(cal: CalName, worker: number, opts: SyncOptions = {}): Promise<SyncReport> {
    const deps = { store: workerStore(this.store, this.scheduler, worker), provider: new SimProvider(this.models[cal], this.scheduler, worker, this.masks.has(1)), clock: this.clock };
    return syncCalendar(deps, { tenantId: this.tenantId, calendarId: this.calendars[cal].id }, opts);
  }

  /** One step: the users act, then one or two workers sync under the schedule. */
  async runStep(step: SyncStep): Promise<void> {
    for (const action of step.before) await this.act(action);
    const workers: CalName[] = step.b === undefined || (step.b === step.a && this.masks.has(7)) ? [step.a] : [step.a, step.b];
    await this.scheduler.run(
      workers.map((cal, worker) => async () => {
        try {
          await this.sync(cal, worker);
        } catch (err) {
          this.workerErrors.push(`w${worker} ${cal}: ${isCalsyncError(err) ? err.code : String(err)}`);
        }
      }),
    );
    this.clock.advance(5_000);
  }

  /**
   * Sync every calendar, resolving conflicts as a user would, until a round changes nothing. The
   * engine's writes per item are counted: an item written in every round is a loop.
   */
  async quiesce(maxRounds = 8): Promise<QuietResult> {
    const choices = ['merge', 'wedsync', 'provider'] as const;
    const written: Map<string, number>[] = [];
    for (let round = 0; round < maxRounds; round += 1) {
      const resolved = await this.resolveOpen(choices[round % choices.length] ?? 'merge');
      let busy = resolved > 0;
      const writes = new Map<string, number>();
      for (const cal of ['caldav', 'graph'] as const) {
        const model = this.models[cal];
        model.engineWrites.clear();
        try {
          const r = await this.sync(cal, 0, { allowMassDelete: true });
          if (r.plan.length > 0 || r.errors.length > 0) busy = true;
        } catch {
          busy = true;
        }
        for (const [id, n] of model.engineWrites) writes.set(`${cal}:${id}`, n);
      }
      written.push(writes);
      if (!busy) return { rounds: round };
    }
    const last = written.slice(-3);
    const looping = [...(last[0]?.keys() ?? [])].filter((id) => last.every((w) => (w.get(id) ?? 0) > 0));
    return { rounds: maxRounds, loop: looping.length > 0 ? `written in each of the last 3 rounds: ${looping.join(', ')}` : 'no round without changes' };
  }

  private async resolveOpen(take: 'merge' | 'wedsync' | 'provider'): Promise<number> {
    const open = await this.store.conflicts.list(this.tenantId, { status: 'open' });
    // In a stable order (ids carry random bits): a replay resolves them the same way.
    const key = (c: (typeof open)[number]): string => `${c.calendarId === this.calendars.caldav.id ? 0 : 1}:${c.hub?.uid ?? c.base?.uid ?? ''}:${c.type}`;
    open.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    for (const c of open) {
      const cal = c.calendarId === this.calendars.caldav.id ? 'caldav' : 'graph';
      try {
        await resolveConflict({ store: this.store, provider: new SimProvider(this.models[cal], this.scheduler, 0, this.masks.has(1)), clock: this.clock }, this.tenantId, c.id, { take });
      } catch {
        // A resolution that meets a newer version stays open; the next round sees the item again.
      }
    }
    return open.length;
  }

  /** A user acts (between syncs or, injected, in the middle of one). False: nothing to act on. */
  async act(action: UserAction): Promise<boolean> {
    const { oracle } = this;
    // Row ids are UUIDv7 (time + random bits): a millisecond between users' writes keeps their order,
    // and so every plan's order, the same in a replay.
    this.clock.advance(1);
    switch (action.who) {
      case 'hub':
        return this.hubAct(action);
      case 'caldav': {
        const model = this.models.caldav;
        if (action.op === 'create') {
          model.thirdPartyCreate(oracle.create('caldav', action.recurring));
          return true;
        }
        const target = pick(model.list(), action.n);
        const expected = target && oracle.get(target.event.uid);
        if (!target || !expected) return false;
        if (action.op === 'delete') {
          model.thirdPartyDelete(target.remoteId);
          expected.deletedBy.push('caldav');
          return true;
        }
        const location = `Venue ${action.value}`;
        model.thirdPartyWrite(target.remoteId, { ...target.event, location });
        expected.location = location;
        return true;
      }
      case 'graph': {
        const model = this.models.graph as GraphModel;
        if (action.op === 'create') {
          model.thirdPartyCreate(oracle.create('graph', action.recurring));
          return true;
        }
        const candidates = action.op === 'cancel' ? model.list().filter((i) => i.event.recurrence) : model.list();
        const target = pick(candidates, action.n);
        const expected = target && oracle.get(target.event.uid);
        if (!target || !expected) return false;
        if (action.op === 'delete') {
          model.thirdPartyDelete(target.remoteId);
          expected.deletedBy.push('graph');
          return true;
        }
        if (action.op === 'cancel') {
          if (this.masks.has(2)) return false;
          const when = occurrence(target.event.start, action.k);
          model.cancelOccurrence(target.remoteId, when);
          expected.cancelled.push(when);
          return true;
        }
        const draft = { ...target.event, title: `Office admin r${action.value}` };
        model.thirdPartyWrite(target.remoteId, { ...draft, wedding: classify(draft) });
        expected.title = draft.title;
        return true;
      }
    }
  }

  private async hubAct(action: UserAction & { who: 'hub' }): Promise<boolean> {
    const { store, tenantId, oracle } = this;
    if (action.op === 'create') {
      await store.events.put(tenantId, { event: oracle.create('hub', action.recurring), source: 'wedsync' });
      return true;
    }
    const live = (await store.events.list(tenantId)).sort((a, b) => (a.event.uid < b.event.uid ? -1 : 1));
    if (action.op === 'uncancel' && this.masks.has(2)) return false;
    const candidates = action.op === 'uncancel' ? live.filter((e) => (e.event.recurrence?.exdates.length ?? 0) > 0) : live;
    const target = pick(candidates, action.n);
    const expected = target && oracle.get(target.event.uid);
    if (!target || !expected) return false;
    const put = (event: CalendarEvent): Promise<unknown> => store.events.put(tenantId, { id: target.id, event, expectedVersion: target.version, source: 'wedsync' });
    switch (action.op) {
      case 'delete':
        await store.events.delete(tenantId, target.id, { source: 'wedsync' });
        expected.deletedBy.push('hub');
        return true;
      case 'describe': {
        const description = `Note ${action.value}`;
        await put({ ...target.event, description });
        expected.description = description;
        return true;
      }
      case 'move': {
        const start = movedStart(target.event.start, action.value);
        await put({ ...target.event, start, end: plusHours(start, 1) });
        expected.start = start;
        return true;
      }
      case 'uncancel': {
        const recurrence = target.event.recurrence;
        if (!recurrence) return false;
        await put({ ...target.event, recurrence: { ...recurrence, exdates: [] } });
        expected.contested = true;
        return true;
      }
    }
  }
}
