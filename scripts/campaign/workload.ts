/**
 * The edits: three well-behaved third-party clients, each changing only the field its side owns
 * (Outlook the title, the CalDAV client the location, WedSync through the API the description), now and
 * then creating an event too. The expected state is updated only once a write is confirmed; a write
 * whose outcome is unknown (the API process was killed mid-request) is read back and retried until it
 * is known, so every final value is exact.
 */
import type { DavClient } from './dav-client.js';
import type { Expected } from './compare.js';
import { HttpError, type HubClient } from './hub-client.js';
import { newIcs, setIcsProperty } from './ical.js';
import { UnknownOutcome, type OutlookClient } from './outlook-client.js';
import { keyFromView, keyOf, norm, valueOf, type EventView, type Field, type Side } from './event-view.js';
import { sleep, type Rng } from './rng.js';

const HOUR = 3_600_000;

export interface EditStats {
  edits: number;
  creates: number;
  /** Writes retried after a 409/412, a refused connection or an unknown outcome. */
  retries: number;
  /** Edits skipped because the event was not (yet) known on that side. */
  skipped: number;
  /** Writes that never got a definite answer (their event may hold either value). */
  abandoned: number;
}

export interface WorkloadDeps {
  hub: HubClient;
  outlook: OutlookClient;
  dav: DavClient;
  rng: Rng;
  say: (line: string) => void;
}

const emptyStats = (): EditStats => ({ edits: 0, creates: 0, retries: 0, skipped: 0, abandoned: 0 });

export class Workload {
  readonly expected = new Map<string, Expected>();
  stats: Record<Side, EditStats> = { hub: emptyStats(), outlook: emptyStats(), caldav: emptyStats() };
  /** Where each event lives on each side, as far as this client knows. */
  private readonly refs: Record<Side, Map<string, string>> = { hub: new Map(), outlook: new Map(), caldav: new Map() };
  private readonly versions = new Map<string, number>();
  private next = 1;
  private readonly base: number;
  /** Notes on anything odd the clients met (a known event gone from its side, …). */
  readonly notes: string[] = [];

  constructor(private readonly deps: WorkloadDeps) {
    const day = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
    this.base = day + 21 * 24 * HOUR;
  }

  private nextVersion(key: string, field: Field): number {
    const v = (this.versions.get(`${key}:${field}`) ?? 0) + 1;
    this.versions.set(`${key}:${field}`, v);
    return v;
  }

  private fresh(origin: Side): Expected {
    const n = this.next;
    this.next += 1;
    const key = keyOf(n);
    const startMs = this.base + n * 2 * HOUR;
    return { key, origin, title: valueOf(key, 'title', 0), location: valueOf(key, 'location', 0), description: valueOf(key, 'description', 0), startMs, endMs: startMs + HOUR };
  }

  // ── creates ────────────────────────────────────────────────────────────────────────────────────────

  async createOutlook(): Promise<void> {
    const e = this.fresh('outlook');
    let id: string;
    try {
      id = await this.deps.outlook.create({ subject: e.title, location: e.location, body: e.description, startMs: e.startMs, endMs: e.endMs });
    } catch (err) {
      if (err instanceof UnknownOutcome) {
        this.stats.outlook.abandoned += 1;
        this.notes.push(`outlook create of ${e.key}: outcome unknown (${err.message})`);
      }
      throw err;
    }
    this.refs.outlook.set(e.key, id);
    this.expected.set(e.key, e);
    this.stats.outlook.creates += 1;
  }

  async createCalDav(): Promise<void> {
    const e = this.fresh('caldav');
    const href = new URL(`campaign-${e.key}.ics`, this.deps.dav.calendarUrl).toString();
    const status = await this.deps.dav.put(href, newIcs({ uid: `${e.key}@campaign.calsync.invalid`, ...e }), { ifNoneMatch: true });
    if (status !== 201 && status !== 204) throw new Error(`PUT ${href}: HTTP ${status}`);
    this.refs.caldav.set(e.key, href);
    this.expected.set(e.key, e);
    this.stats.caldav.creates += 1;
  }

  /** Through the API; a create whose answer was lost is looked for before it is sent again. */
  async createHub(giveUpAt: number): Promise<void> {
    const e = this.fresh('hub');
    const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
    for (let attempt = 0; ; attempt += 1) {
      try {
        if (attempt > 0) {
          const found = (await this.deps.hub.views()).find((v) => keyFromView(v) === e.key);
          if (found) {
            this.refs.hub.set(e.key, found.ref);
            break;
          }
        }
        const created = await this.deps.hub.create({ title: e.title, location: e.location, description: e.description, start: iso(e.startMs), end: iso(e.endMs) });
        this.refs.hub.set(e.key, created.id);
        break;
      } catch (err) {
        if (err instanceof HttpError && err.status < 500) throw err;
        this.stats.hub.retries += 1;
        if (Date.now() > giveUpAt) {
          this.stats.hub.abandoned += 1;
          this.notes.push(`hub create of ${e.key} never got an answer`);
          return;
        }
        await sleep(500);
      }
    }
    this.expected.set(e.key, e);
    this.stats.hub.creates += 1;
  }

  // ── edits ──────────────────────────────────────────────────────────────────────────────────────────

  private pickKnown(side: Side): string | undefined {
    const keys = [...this.refs[side].keys()];
    return keys.length === 0 ? undefined : this.deps.rng.pick(keys);
  }

  async editOutlook(): Promise<void> {
    const key = this.pickKnown('outlook');
    const id = key === undefined ? undefined : this.refs.outlook.get(key);
    const exp = key === undefined ? undefined : this.expected.get(key);
    if (!key || !id || !exp) return void (this.stats.outlook.skipped += 1);
    const value = valueOf(key, 'title', this.nextVersion(key, 'title'));
    let written: boolean;
    try {
      written = await this.deps.outlook.setSubject(id, value);
    } catch (err) {
      if (err instanceof UnknownOutcome) {
        // Either value is acceptable for this title now.
        exp.also = { ...exp.also, title: [...(exp.also?.title ?? []), value] };
        this.stats.outlook.abandoned += 1;
      }
      throw err;
    }
    if (!written) {
      this.notes.push(`outlook: ${key} (${id}) is gone from the mailbox`);
      this.refs.outlook.delete(key);
      return;
    }
    exp.title = value;
    if (exp.also) delete exp.also.title;
    this.stats.outlook.edits += 1;
  }

  async editCalDav(): Promise<void> {
    const key = this.pickKnown('caldav');
    const href = key === undefined ? undefined : this.refs.caldav.get(key);
    const exp = key === undefined ? undefined : this.expected.get(key);
    if (!key || !href || !exp) return void (this.stats.caldav.skipped += 1);
    const value = valueOf(key, 'location', this.nextVersion(key, 'location'));
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const current = await this.deps.dav.get(href);
      if (!current) {
        this.notes.push(`caldav: ${key} (${href}) is gone from Radicale`);
        this.refs.caldav.delete(key);
        return;
      }
      const status = await this.deps.dav.put(href, setIcsProperty(current.ics, 'location', value), { ifMatch: current.etag });
      if (status >= 200 && status < 300) {
        exp.location = value;
        this.stats.caldav.edits += 1;
        return;
      }
      if (status !== 412) throw new Error(`PUT ${href}: HTTP ${status}`);
      this.stats.caldav.retries += 1;
    }
    this.stats.caldav.abandoned += 1;
  }

  /** PATCH the description with the version read; a lost answer is settled by reading the event back. */
  async editHub(giveUpAt: number): Promise<void> {
    const key = this.pickKnown('hub');
    const id = key === undefined ? undefined : this.refs.hub.get(key);
    const exp = key === undefined ? undefined : this.expected.get(key);
    if (!key || !id || !exp) return void (this.stats.hub.skipped += 1);
    const value = valueOf(key, 'description', this.nextVersion(key, 'description'));
    for (;;) {
      try {
        const current = await this.deps.hub.get(id);
        if (norm(current.event.description) !== value) await this.deps.hub.patch(id, current.version, { description: value });
        exp.description = value;
        if (exp.also) delete exp.also.description;
        this.stats.hub.edits += 1;
        return;
      } catch (err) {
        if (err instanceof HttpError && err.status === 404) {
          this.notes.push(`hub: ${key} (${id}) is gone from the hub`);
          this.refs.hub.delete(key);
          return;
        }
        if (!(err instanceof HttpError && err.status === 409) && err instanceof HttpError && err.status < 500) throw err;
        this.stats.hub.retries += 1;
        if (Date.now() > giveUpAt) {
          // Unknown outcome: either value is acceptable for this event's description.
          exp.also = { ...exp.also, description: [...(exp.also?.description ?? []), value] };
          this.stats.hub.abandoned += 1;
          return;
        }
        if (!(err instanceof HttpError && err.status === 409)) await sleep(400);
      }
    }
  }

  // ── discovery: where each side holds the events created elsewhere ────────────────────────────────────

  async discover(side: Side): Promise<number> {
    let views: EventView[];
    if (side === 'hub') views = await this.deps.hub.views();
    else if (side === 'outlook') views = await this.deps.outlook.views();
    else views = (await this.deps.dav.views()).views;
    let found = 0;
    for (const v of views) {
      const key = keyFromView(v);
      if (key && this.expected.has(key) && !this.refs[side].has(key)) {
        this.refs[side].set(key, v.ref);
        found += 1;
      }
    }
    return found;
  }

  /** Starts counting afresh (the seeding is not part of the disturbance's edits). */
  resetStats(): void {
    this.stats = { hub: emptyStats(), outlook: emptyStats(), caldav: emptyStats() };
  }

  /** How many expected events each side's client knows where to find. */
  known(): Record<Side, number> {
    return { hub: this.refs.hub.size, outlook: this.refs.outlook.size, caldav: this.refs.caldav.size };
  }

  // ── the loops ──────────────────────────────────────────────────────────────────────────────────────

  /**
   * One client's loop until `stop` aborts: an operation every 1/rate s on average (exponential gaps),
   * `createShare` of them creates; discovery of other sides' new events every few seconds. Errors are
   * counted and the loop goes on (the final comparison is the judge).
   */
  async loop(side: Side, opts: { rate: number; createShare: number; stop: AbortSignal; errors: string[] }): Promise<void> {
    const rng = this.deps.rng.fork();
    let lastDiscovery = 0;
    while (!opts.stop.aborted) {
      await sleep(Math.min(5000, -Math.log(1 - rng.next()) * (1000 / opts.rate)));
      if (opts.stop.aborted) break;
      try {
        if (Date.now() - lastDiscovery > 6000) {
          lastDiscovery = Date.now();
          await this.discover(side);
        }
        const giveUpAt = Date.now() + 120_000;
        if (rng.chance(opts.createShare)) {
          if (side === 'hub') await this.createHub(giveUpAt);
          else if (side === 'outlook') await this.createOutlook();
          else await this.createCalDav();
        } else if (side === 'hub') await this.editHub(giveUpAt);
        else if (side === 'outlook') await this.editOutlook();
        else await this.editCalDav();
      } catch (err) {
        if (opts.errors.length < 50) opts.errors.push(`${side}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}
