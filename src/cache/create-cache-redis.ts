import { Redis } from 'ioredis';

/**
 * A Redis client for the cache: fails calls at once instead of queueing them while disconnected, and
 * keeps reconnecting in the background (capped backoff) so the cache comes back by itself.
 * Resolves when the client is ready, or after `readyTimeoutMs` with a client still connecting: a
 * cache that is down at start is a cache that misses, not a worker that cannot start.
 */
export async function createCacheRedis(
  url: string,
  onConnectionError: (error: Error) => void,
  readyTimeoutMs = 2000,
): Promise<Redis> {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    // Commands issued in the same tick by concurrent pins travel as one pipeline: one write and one
    // round trip instead of one per pin.
    enableAutoPipelining: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 2000),
  });
  // Without a listener ioredis prints every reconnect failure; the caller reports them its own way.
  redis.on('error', onConnectionError);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, readyTimeoutMs);
    redis.once('ready', () => (clearTimeout(timer), resolve()));
  });
  return redis;
}
