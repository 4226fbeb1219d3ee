/**
 * A Redis call that takes longer than `timeoutMs` rejects (the call itself is not cancelled: with
 * `enableOfflineQueue: false` and no retries, see createCacheRedis, it ends soon after on its own).
 * Shared by every store over the cache's Redis (scores, ORB features), each with CACHE_TIMEOUT_MS.
 */
export function withRedisTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`redis call exceeded ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
