/**
 * Fault injection for the memory server: the failure modes real servers have, scheduled by tests.
 * - `failNext`: the next N matching requests fail with a given error, either before the server acts or
 *   after it committed (a write that succeeded but whose response was lost: the retry must be safe).
 * - `throttle`: PROVIDER_THROTTLED with Retry-After, as Graph's 429 and iCloud's 503 do.
 * - `failListings`: PROVIDER_LISTING_FAILED, which must never be read as an empty calendar.
 * - `failRandomly`: a seeded failure rate, for model-based tests with flaky storages.
 * - `raceNextWrite`: another client changes the target between our read and our write (412 / 409).
 */
import { CalsyncError, type ErrorCode } from '../../errors.js';
import type { CalendarEvent } from '../../model/event.js';
import type { Random } from './random.js';

export type ServerOperation = 'listCalendars' | 'listChanges' | 'fetch' | 'findByUid' | 'create' | 'update' | 'delete';

export const SERVER_OPERATIONS: readonly ServerOperation[] = ['listCalendars', 'listChanges', 'fetch', 'findByUid', 'create', 'update', 'delete'];

/** One operation, several, or `'*'` for all. */
export type OperationSelector = ServerOperation | readonly ServerOperation[] | '*';

/** An error to inject: a code (with a generated message), an error to copy, or a factory. */
export type InjectedError = ErrorCode | CalsyncError | ((op: ServerOperation) => CalsyncError);

export interface FaultOptions {
  /** How many requests fail (default 1). */
  count?: number;
  /** Only requests on this calendar. */
  calendarId?: string;
  /** Fail after the server applied the request (default false: before). */
  afterCommit?: boolean;
  /** Let this many matching requests through first (a server that dies in the middle of a run). */
  after?: number;
}

export interface RaceOptions {
  /** Writes the race applies to (default update and delete). */
  ops?: readonly ('create' | 'update' | 'delete')[];
  calendarId?: string;
  count?: number;
  /**
   * The other client's edit of the target (update/delete), default: SEQUENCE + 1. For a create the
   * other client stores the same event first, so our create meets PROVIDER_CONFLICT.
   */
  mutate?: (event: CalendarEvent) => CalendarEvent;
}

interface ScheduledFault {
  ops: ReadonlySet<ServerOperation>;
  make: (op: ServerOperation) => CalsyncError;
  remaining: number;
  calendarId: string | undefined;
  afterCommit: boolean;
  /** Matching requests still let through before the first failure. */
  skip: number;
}

interface RandomFault {
  ops: ReadonlySet<ServerOperation>;
  rate: number;
  make: (op: ServerOperation) => CalsyncError;
}

interface ScheduledRace {
  ops: ReadonlySet<ServerOperation>;
  calendarId: string | undefined;
  remaining: number;
  mutate: (event: CalendarEvent) => CalendarEvent;
}

function selectOps(selector: OperationSelector): ReadonlySet<ServerOperation> {
  if (selector === '*') return new Set(SERVER_OPERATIONS);
  return new Set(typeof selector === 'string' ? [selector as ServerOperation] : selector);
}

function errorFactory(error: InjectedError): (op: ServerOperation) => CalsyncError {
  if (typeof error === 'function') return error;
  if (typeof error === 'string') return (op) => new CalsyncError(error, `injected ${error} on ${op}`, { details: { injected: true, op } });
  // A fresh instance per throw: one shared error object would carry the first throw's stack everywhere.
  return () =>
    new CalsyncError(error.code, error.message, {
      retryable: error.retryable,
      ...(error.retryAfterS === undefined ? {} : { retryAfterS: error.retryAfterS }),
      ...(error.details === undefined ? {} : { details: error.details }),
    });
}

const bumpSequence = (event: CalendarEvent): CalendarEvent => ({ ...event, sequence: event.sequence + 1 });

export class FaultPlan {
  private scheduled: ScheduledFault[] = [];
  private randomFaults: RandomFault[] = [];
  private races: ScheduledRace[] = [];

  constructor(private readonly random: Random) {}

  failNext(ops: OperationSelector, error: InjectedError, options: FaultOptions = {}): void {
    if ((options.count ?? 1) < 1) return;
    this.scheduled.push({
      ops: selectOps(ops),
      make: errorFactory(error),
      remaining: options.count ?? 1,
      calendarId: options.calendarId,
      afterCommit: options.afterCommit ?? false,
      skip: options.after ?? 0,
    });
  }

  throttle(ops: OperationSelector, retryAfterS: number, options: Omit<FaultOptions, 'afterCommit'> = {}): void {
    const make = (op: ServerOperation): CalsyncError =>
      new CalsyncError('PROVIDER_THROTTLED', `throttled on ${op}; retry after ${retryAfterS}s`, { retryAfterS, details: { injected: true, op } });
    this.failNext(ops, make, options);
  }

  failListings(options: Omit<FaultOptions, 'afterCommit'> = {}): void {
    this.failNext('listChanges', 'PROVIDER_LISTING_FAILED', options);
  }

  /** Every matching request fails with probability `rate` (seeded: the same seed, the same failures). */
  failRandomly(ops: OperationSelector, rate: number, error: InjectedError): void {
    this.randomFaults.push({ ops: selectOps(ops), rate, make: errorFactory(error) });
  }

  raceNextWrite(options: RaceOptions = {}): void {
    if ((options.count ?? 1) < 1) return;
    this.races.push({
      ops: new Set(options.ops ?? ['update', 'delete']),
      calendarId: options.calendarId,
      remaining: options.count ?? 1,
      mutate: options.mutate ?? bumpSequence,
    });
  }

  /** Forget every scheduled fault, random fault and race. */
  clear(): void {
    this.scheduled = [];
    this.randomFaults = [];
    this.races = [];
  }

  /** Scheduled faults and races not yet used up. */
  get pending(): number {
    return [...this.scheduled, ...this.races].reduce((sum, f) => sum + f.remaining, 0);
  }

  /** Throws the fault due for this request at this phase, if any (called by the server). */
  check(op: ServerOperation, calendarId: string | undefined, afterCommit: boolean): void {
    const due = this.scheduled.find((f) => f.afterCommit === afterCommit && matches(f, op, calendarId));
    if (due && due.skip > 0) due.skip -= 1;
    else if (due) {
      due.remaining -= 1;
      this.scheduled = this.scheduled.filter((f) => f.remaining > 0);
      throw due.make(op);
    }
    if (afterCommit) return;
    for (const fault of this.randomFaults) {
      if (fault.ops.has(op) && this.random() < fault.rate) throw fault.make(op);
    }
  }

  /** The other client's edit to apply before this write, if a race is due (called by the server). */
  takeRace(op: ServerOperation, calendarId: string): ((event: CalendarEvent) => CalendarEvent) | undefined {
    const due = this.races.find((r) => matches(r, op, calendarId));
    if (!due) return undefined;
    due.remaining -= 1;
    this.races = this.races.filter((r) => r.remaining > 0);
    return due.mutate;
  }
}

function matches(f: { ops: ReadonlySet<ServerOperation>; calendarId: string | undefined; remaining: number }, op: ServerOperation, calendarId: string | undefined): boolean {
  return f.remaining > 0 && f.ops.has(op) && (f.calendarId === undefined || f.calendarId === calendarId);
}
