/**
 * The poll schedule in a Redis sorted set (with `REDIS_URL`): member = calendar id, score = next poll
 * time (epoch ms). A claim is one Lua script — take the due members, move them to the lease time — so
 * it is atomic however many processes poll, and a poll costs the store no schedule write at all.
 *
 * The store stays the source of truth for which calendars exist and when one became due sooner: a new
 * calendar, or one whose poll settings changed, has `next_poll_at = 0` there. Every pass first takes
 * those (an index search that is usually empty) into the set and marks them handed over
 * (`POLL_HANDED_OFF`). If Redis loses the set (a restart without persistence), the epoch key is gone
 * with it: the first process to notice hands every calendar back to the store as due now, and the set
 * fills again — nothing is forgotten.
 */
import type { Redis } from 'ioredis';
import { connectRedis } from '../util/redis-client.js';
import { POLL_HANDED_OFF } from '../store/schema.js';
import type { Store } from '../store/types.js';
import type { PollSchedule } from './poll-schedule.js';

export { POLL_HANDED_OFF };

const CLAIM = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], ARGV[3], id) end
return ids`;

/** Members per ZADD/ZREM. */
const CHUNK = 1_000;

export interface RedisPollScheduleOptions {
  redisUrl: string;
  /** Key prefix (`CALSYNC_REDIS_PREFIX`). */
  prefix: string;
  /** Intake lease: a calendar taken from the store but not yet in the set is taken again after it. */
  leaseMs?: number;
}

export class RedisPollSchedule implements PollSchedule {
  /** Connected on first use: constructing a schedule loads nothing. */
  private readonly client: () => Promise<Redis>;
  private connected: Promise<Redis> | undefined;
  private readonly key: string;
  private readonly epochKey: string;
  private readonly leaseMs: number;

  constructor(
    private readonly store: Store,
    opts: RedisPollScheduleOptions,
  ) {
    this.client = () => (this.connected ??= connectRedis(opts.redisUrl));
    this.key = `${opts.prefix}:poll:due`;
    this.epochKey = `${opts.prefix}:poll:epoch`;
    this.leaseMs = opts.leaseMs ?? 60_000;
  }

  async claim(now: number, limit: number, until: number): Promise<string[]> {
    await this.recoverIfLost(now);
    await this.intake(now, limit);
    const redis = await this.client();
    return (await redis.eval(CLAIM, 1, this.key, String(now), String(limit), String(until))) as string[];
  }

  async reschedule(times: readonly { calendarId: string; at: number }[], gone: readonly string[]): Promise<void> {
    const pipeline = (await this.client()).pipeline();
    for (let i = 0; i < times.length; i += CHUNK) pipeline.zadd(this.key, ...times.slice(i, i + CHUNK).flatMap((t) => [Math.ceil(t.at), t.calendarId]));
    for (let i = 0; i < gone.length; i += CHUNK) pipeline.zrem(this.key, ...gone.slice(i, i + CHUNK));
    if (pipeline.length === 0) return;
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([err]) => err !== null);
    if (failed) throw failed[0];
  }

  async nextDueAt(): Promise<number | undefined> {
    const [first, inStore] = await Promise.all([(await this.client()).zrange(this.key, 0, 0, 'WITHSCORES'), this.store.pollSchedule.nextDueAt(POLL_HANDED_OFF)]);
    const inRedis = first.length === 2 ? Number(first[1]) : undefined;
    if (inRedis === undefined) return inStore;
    return inStore === undefined ? inRedis : Math.min(inRedis, inStore);
  }

  /** Calendars in the set (tests, the scale benchmark). */
  async size(): Promise<number> {
    return (await this.client()).zcard(this.key);
  }

  async close(): Promise<void> {
    if (!this.connected) return;
    const redis = await this.connected;
    await redis.quit().catch(() => redis.disconnect());
  }

  /** The set was lost (the epoch key with it): every calendar handed to it is due again in the store. */
  private async recoverIfLost(now: number): Promise<void> {
    if ((await (await this.client()).set(this.epochKey, String(now), 'NX')) === 'OK') await this.store.pollSchedule.releaseAt(POLL_HANDED_OFF);
  }

  /**
   * Moves the calendars the store has made due (new ones, changed settings) into the set, due now: held
   * in the store for the lease first, so one taken by a process that dies before the ZADD comes back.
   */
  private async intake(now: number, limit: number): Promise<void> {
    for (;;) {
      const claims = await this.store.pollSchedule.claimDue(now, limit, now + this.leaseMs);
      if (claims.length === 0) return;
      await (await this.client()).zadd(this.key, ...claims.flatMap((c) => [0, c.calendarId]));
      await this.store.pollSchedule.reschedule(claims.map((c) => ({ calendarId: c.calendarId, at: POLL_HANDED_OFF })));
      if (claims.length < limit) return;
    }
  }
}
