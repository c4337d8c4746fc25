/**
 * Reading the outbox into deliveries: which calendars lack which hub changes (see `fan-out.ts`), with
 * the urgency `urgency.ts` gives those changes. Shared by the drainer (which enqueues them) and the CLI
 * (which runs the syncs itself).
 */
import type { Priority } from '../../model/event.js';
import type { OutboxEntry, Store } from '../../store/types.js';
import type { Clock } from '../../util/clock.js';
import { propagationTargets } from '../sync-jobs.js';
import { urgencyOf } from '../urgency.js';
import { fanOut, type Delivery, type TargetState } from './fan-out.js';

const PAGE = 1_000;
/** Entries read per pass; a longer backlog is drained in several passes, the mark moving after each. */
export const MAX_ENTRIES_PER_PASS = 10_000;

export interface UrgentDelivery extends Delivery {
  priority: Priority;
}

export interface DeliveryPass {
  deliveries: UrgentDelivery[];
  /** The seq of the last entry read (`afterSeq` when there was none). */
  lastSeq: number;
  /** False when the pass stopped at `MAX_ENTRIES_PER_PASS` with more to read. */
  complete: boolean;
}

/** The calendars that take hub changes, with how far each has them. */
export async function targetStates(store: Store, tenantId: string): Promise<TargetState[]> {
  const targets = await propagationTargets(store, tenantId, []);
  return Promise.all(targets.map(async (calendar) => ({ calendar, hubSeq: (await store.syncState.get(tenantId, calendar.id)).hubSeq })));
}

/** Outbox entries after `afterSeq` (up to one pass's worth) turned into deliveries for `targets`. */
export async function readDeliveries(deps: { store: Store; clock: Clock }, tenantId: string, afterSeq: number, targets: readonly TargetState[]): Promise<DeliveryPass> {
  const entries: OutboxEntry[] = [];
  let seq = afterSeq;
  let complete = false;
  while (entries.length < MAX_ENTRIES_PER_PASS) {
    const page = await deps.store.outbox.read(tenantId, seq, PAGE);
    entries.push(...page);
    seq = page.at(-1)?.seq ?? seq;
    if (page.length < PAGE) {
      complete = true;
      break;
    }
  }
  const deliveries = fanOut(entries, targets);
  const events = new Map((await deps.store.events.getMany(tenantId, [...new Set(deliveries.flatMap((d) => d.hubEventIds))])).map((e) => [e.id, e.event]));
  return {
    deliveries: deliveries.map((d) => ({ ...d, priority: urgencyOf(d.hubEventIds.flatMap((id) => events.get(id) ?? []), deps.clock).priority })),
    lastSeq: seq,
    complete,
  };
}
