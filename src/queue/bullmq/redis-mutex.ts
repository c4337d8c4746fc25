/**
 * A Redis lock with an owner token and a TTL: BullMQ groups (one active job per group) are a Pro
 * feature, so "one sync per calendar across all processes" is this lock. The TTL is the lease: a holder
 * that dies stops renewing and the lock frees itself. Renew and release check the token (Lua) so a holder
 * whose lock expired can never extend or delete the next holder's lock.
 */
import type { Redis } from 'ioredis';

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export class RedisMutex {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  private key(name: string): string {
    return `${this.keyPrefix}:mutex:${name}`;
  }

  async acquire(name: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.key(name), token, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async renew(name: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(RENEW, 1, this.key(name), token, String(ttlMs))) === 1;
  }

  async release(name: string, token: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key(name), token);
  }
}
