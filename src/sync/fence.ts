/**
 * Fencing one calendar's sync (issue 9, finding 7): a sync must stop writing once it is no longer the
 * calendar's only sync. Two things tell it so:
 * - its `signal` is aborted: the queue took its lease or mutex away (another worker may have the
 *   calendar now);
 * - the calendar's sync state is no longer the one this sync read at its start (or last wrote itself):
 *   another sync of the calendar saved its state meanwhile, so this sync's listing may be older than
 *   the bases that sync stored, and pulling it would move the calendar backwards.
 * Either way the sync throws SYNC_LEASE_LOST (retryable) before its next write and writes nothing more;
 * the next sync starts from the state as it is.
 *
 * A sync claims the calendar before it lists (`take` stores a fresh `SyncState.claim`), so a sync that
 * started earlier fails its next check; and every hub write of a pull or merge holds the claim inside
 * its own transaction (`hold`), so no newer sync can have listed between that check and that write.
 */
import { randomUUID } from 'node:crypto';
import { CalsyncError, isCalsyncError } from '../errors.js';
import type { Store, SyncState, WrittenSinceCursor } from '../store/types.js';

/** The fields every sync's state save writes (`push` has its own writer and is left out). */
function fenced(state: SyncState): string {
  return JSON.stringify([state.cursor ?? null, state.hubSeq, state.lastSyncAt ?? null, state.lastSuccessAt ?? null, state.lastError ?? null, state.written ?? null, state.claim ?? null]);
}

export class SyncFence {
  private expected: string | undefined;
  private claim: string | undefined;

  constructor(
    private readonly store: Store,
    private readonly tenantId: string,
    private readonly calendarId: string,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** Whether the sync was told to stop (its lease or mutex is gone). */
  get aborted(): boolean {
    return this.signal?.aborted === true;
  }

  /** Throws SYNC_LEASE_LOST when the signal was aborted (no store read). */
  checkSignal(): void {
    if (this.aborted) throw this.lost('its lease on the calendar was lost');
  }

  /**
   * Claims the calendar: stores a fresh claim in its sync state (that field alone), which
   * every later `check` and `hold` compares against. A sync of the calendar still running elsewhere
   * fails its next check.
   */
  async take(): Promise<void> {
    this.checkSignal();
    this.claim = randomUUID();
    // Only the claim is written: a state read before it and written back whole would undo what another
    // sync saved in between with the cursor unchanged (its create intents, `WrittenItem.sent`), and its
    // own create whose reply was lost would then meet us as a stranger's item.
    await this.store.syncState.setClaim(this.tenantId, this.calendarId, this.claim);
    const state = await this.store.syncState.get(this.tenantId, this.calendarId);
    if (state.claim !== this.claim) throw this.lost('another sync of the calendar started meanwhile');
    this.expected = fenced(state);
  }

  /**
   * Inside the transaction of a hub write: throws SYNC_LEASE_LOST unless the calendar's claim is still
   * this sync's (and, on PostgreSQL, keeps it so until the transaction ends).
   */
  async hold(tx: Store): Promise<void> {
    this.checkSignal();
    if (this.claim !== undefined && !(await tx.syncState.holdClaim(this.tenantId, this.calendarId, this.claim))) {
      throw this.lost('another sync of the calendar started meanwhile');
    }
  }

  /** Throws SYNC_LEASE_LOST when the signal was aborted or another sync saved the calendar's state since `take`/`saved`. */
  async check(): Promise<void> {
    this.checkSignal();
    if (this.expected === undefined) return;
    const now = fenced(await this.store.syncState.get(this.tenantId, this.calendarId));
    if (now !== this.expected) throw this.lost('another sync of the calendar saved its state meanwhile');
  }

  /**
   * Saves the sync state (compare-and-set on the cursor, as the store does) after a last check; a lost
   * compare-and-set is SYNC_LEASE_LOST too. The saved state is what later checks expect.
   */
  async save(state: SyncState, expectedCursor: string | null, expectedWritten?: WrittenSinceCursor | null): Promise<void> {
    await this.check();
    try {
      await this.store.syncState.set(this.tenantId, state, { expectedCursor, ...(expectedWritten === undefined ? {} : { expectedWritten }) });
    } catch (err) {
      if (isCalsyncError(err) && err.code === 'STORE_CONFLICT') throw this.lost('another sync of the calendar moved its cursor meanwhile', err);
      throw err;
    }
    this.expected = fenced(state);
  }

  private lost(why: string, cause?: unknown): CalsyncError {
    return new CalsyncError('SYNC_LEASE_LOST', `sync of calendar ${this.calendarId} stopped: ${why}`, {
      details: { calendarId: this.calendarId },
      ...(cause === undefined ? {} : { cause }),
    });
  }
}
