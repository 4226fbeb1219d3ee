import type { Config } from '../config/load-config.js';
import type { Logger } from '../telemetry/logger.js';
import type { WorkerMetrics } from '../telemetry/worker-metrics.js';
import { createCacheRedis } from './create-cache-redis.js';
import { DisabledSignalCache } from './disabled-signal-cache.js';
import { RedisSignalCache } from './redis-signal-cache.js';
import type { SignalCache } from './signal-cache.js';

/** The score cache the environment asks for: Redis (fail-open, failures counted) or none. */
export async function cacheFromConfig(
  config: Config,
  metrics: WorkerMetrics,
  logger: Logger,
): Promise<SignalCache> {
  if (!config.CACHE_ENABLED) return new DisabledSignalCache();
  let lastLogged = 0;
  const redis = await createCacheRedis(config.REDIS_URL, (error) => {
    // Reconnect errors repeat every backoff step: log them at most every 10 s.
    if (Date.now() - lastLogged < 10_000) return;
    lastLogged = Date.now();
    logger.warn({ err: error.message }, 'redis unavailable; cache fails open');
  });
  return new RedisSignalCache(redis, {
    ttlMs: config.CACHE_TTL_S * 1000,
    timeoutMs: config.CACHE_TIMEOUT_MS,
    onError: (operation) => metrics.cacheErrors.add(1, { operation }),
  });
}
