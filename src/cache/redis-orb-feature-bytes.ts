import type { Redis } from 'ioredis';
import { withRedisTimeout } from './redis-call-timeout.js';

export interface RedisOrbFeatureBytesOptions {
  /** The cache's namespace: keys are `<namespace>:orb:<content key>`. */
  readonly namespace: string;
  /** A call slower than this fails, ms (the cache's CACHE_TIMEOUT_MS). */
  readonly timeoutMs: number;
}

/**
 * The ORB features of indexed images (bytes of `encodeOrbFeatures`, ~20 kB for 500 keypoints) in the
 * cache's Redis, one key per content key, **without a TTL**: the near-duplicate index keeps an entry
 * as long as its snapshot does, beyond any score's lifetime, and features that expired first would
 * silently turn every later copy of that content into the strict embedding fallback. A Redis under
 * `maxmemory` with an `allkeys-*` policy may still evict them: the same fallback, counted.
 * Unlike the score cache it does not fail open by itself: a failing call rejects, and the caller says
 * why (verification falls back with `store-failed`; a failed write is counted).
 */
export class RedisOrbFeatureBytes {
  constructor(
    private readonly redis: Redis,
    private readonly options: RedisOrbFeatureBytesOptions,
  ) {}

  key(contentKey: string): string {
    return `${this.options.namespace}:orb:${contentKey}`;
  }

  async get(contentKey: string): Promise<Uint8Array | undefined> {
    const value = await withRedisTimeout(this.redis.getBuffer(this.key(contentKey)), this.options.timeoutMs);
    return value === null ? undefined : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }

  async has(contentKey: string): Promise<boolean> {
    return (await withRedisTimeout(this.redis.exists(this.key(contentKey)), this.options.timeoutMs)) === 1;
  }

  async set(contentKey: string, bytes: Uint8Array): Promise<void> {
    await withRedisTimeout(
      this.redis.set(this.key(contentKey), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)),
      this.options.timeoutMs,
    );
  }
}
