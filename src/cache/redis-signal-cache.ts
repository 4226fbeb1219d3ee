import type { Redis } from 'ioredis';
import type { ClassScores } from '../scores.js';
import type { CacheEntry, CacheErrorObserver, SignalCache } from './signal-cache.js';

export interface RedisSignalCacheOptions {
  /** Lifetime of an entry, ms. */
  ttlMs: number;
  /** A call slower than this is abandoned and counts as a failure, ms. */
  timeoutMs: number;
  onError?: CacheErrorObserver;
}

/**
 * {@link SignalCache} over Redis: one MGET per lookup, one pipeline of `SET PX` per write. The client
 * must be built with `enableOfflineQueue: false` and `maxRetriesPerRequest: 0` (see
 * `createCacheRedis`) so that a Redis outage fails calls at once instead of queueing them.
 */
export class RedisSignalCache implements SignalCache {
  constructor(
    private readonly redis: Redis,
    private readonly options: RedisSignalCacheOptions,
  ) {}

  async getMany(keys: readonly string[]): Promise<(ClassScores | undefined)[]> {
    if (keys.length === 0) return [];
    try {
      const values = await this.withTimeout(this.redis.mget(...keys));
      return values.map((value) => (value === null ? undefined : parseScores(value)));
    } catch (error) {
      this.options.onError?.('get', error);
      return keys.map(() => undefined);
    }
  }

  async setMany(entries: readonly CacheEntry[]): Promise<void> {
    if (entries.length === 0) return;
    try {
      const pipeline = this.redis.pipeline();
      for (const { key, scores } of entries)
        pipeline.set(key, JSON.stringify(scores), 'PX', this.options.ttlMs);
      const results = await this.withTimeout(pipeline.exec());
      const failed = results?.find(([error]) => error);
      if (failed) throw failed[0];
    } catch (error) {
      this.options.onError?.('set', error);
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private withTimeout<T>(promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`redis call exceeded ${this.options.timeoutMs} ms`)),
        this.options.timeoutMs,
      );
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }
}

/** An entry that is not a JSON object of numbers is treated as a miss and will be overwritten. */
function parseScores(value: string): ClassScores | undefined {
  try {
    const parsed: unknown = JSON.parse(value);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    const entries = Object.entries(parsed);
    return entries.every(([, v]) => typeof v === 'number') ? (parsed as ClassScores) : undefined;
  } catch {
    return undefined;
  }
}
