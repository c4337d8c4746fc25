/**
 * The work one listing may cost. A hostile or broken server can answer every request with thousands
 * of entries nobody asked for, repeat the same entries page after page, or answer just fast enough
 * that no single request times out; without a bound such a listing runs for minutes and hundreds of
 * round trips. A budget, created per listing (one `listChanges`, `fetch` or `findByUid`), bounds it:
 *
 * - responses: every `DAV:response` read counts; the total may not exceed
 *   `baseResponses + responsesPerMember × members`, where members are the distinct hrefs the
 *   collection's own listings (calendar-query, PROPFIND Depth 1, sync-collection) reported — the work
 *   stays proportional to the collection, whatever the server repeats;
 * - unrequested: a multiget entry for an href that was not asked for is ignored (never kept, never
 *   re-requested) and counted, with a few samples, so the provider can report it as a problem;
 * - time: a deadline on the injected clock, checked before each request and at each response.
 *
 * Exceeding the response cap is PROVIDER_REJECTED (the server's answers are not a listing), the deadline
 * PROVIDER_TIMEOUT; both name the collection and the figures.
 */
import { CalsyncError } from '../../errors.js';
import type { Clock } from '../../util/clock.js';

export interface ListingLimits {
  /** Wall time for the whole listing, on the injected clock. Default 10 min. */
  deadlineMs: number;
  /** Responses allowed on top of the proportional share (small collections, Depth 0 PROPFINDs). Default 1,000. */
  baseResponses: number;
  /** Responses allowed per distinct member of the collection. Default 3 (listing + multiget + slack). */
  responsesPerMember: number;
}

export const DEFAULT_LISTING_LIMITS: ListingLimits = { deadlineMs: 600_000, baseResponses: 1_000, responsesPerMember: 3 };

/** Unrequested hrefs kept as samples for the problem report. */
const SAMPLES = 5;

export class ListingBudget {
  private readonly deadline: number;
  private readonly members = new Set<string>();
  private responses = 0;
  /** Multiget entries for hrefs that were not requested (ignored). */
  unrequested = 0;
  readonly unrequestedSamples: string[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly what: string,
    private readonly limits: ListingLimits = DEFAULT_LISTING_LIMITS,
  ) {
    this.deadline = clock.now() + limits.deadlineMs;
  }

  /** Throws PROVIDER_TIMEOUT once the listing's deadline has passed. */
  checkTime(): void {
    if (this.clock.now() > this.deadline) {
      throw new CalsyncError('PROVIDER_TIMEOUT', `listing ${this.what} exceeded its deadline of ${Math.round(this.limits.deadlineMs / 1000)} s (${this.responses} responses read)`, {
        details: { deadlineMs: this.limits.deadlineMs, responses: this.responses },
      });
    }
  }

  /** A response of one of the collection's own listings: a member when its href is new. */
  member(href: string): void {
    this.members.add(href);
    this.count();
  }

  /** A response to a request for known hrefs (multiget, Depth 0). */
  response(): void {
    this.count();
  }

  /** A multiget entry nobody asked for: counted (it costs work) and sampled, never kept. */
  notRequested(href: string): void {
    this.unrequested += 1;
    if (this.unrequestedSamples.length < SAMPLES) this.unrequestedSamples.push(href);
    this.count();
  }

  get cap(): number {
    return this.limits.baseResponses + this.limits.responsesPerMember * this.members.size;
  }

  private count(): void {
    this.responses += 1;
    if (this.responses > this.cap) {
      throw new CalsyncError('PROVIDER_REJECTED', `listing ${this.what}: the server sent ${this.responses} responses for a collection of ${this.members.size} items (${this.unrequested} not requested); refused`, {
        details: { responses: this.responses, members: this.members.size, unrequested: this.unrequested },
      });
    }
    this.checkTime();
  }
}
