import type { Config } from '../config/load-config.js';
import type { Logger } from '../telemetry/logger.js';
import type { WorkerMetrics } from '../telemetry/worker-metrics.js';
import { createCacheRedis } from './create-cache-redis.js';
import { DisabledSignalCache } from './disabled-signal-cache.js';
import { RedisOrbFeatureBytes } from './redis-orb-feature-bytes.js';
import { RedisSignalCache } from './redis-signal-cache.js';
import type { SignalCache } from './signal-cache.js';

/**
 * The score cache the environment asks for: Redis (fail-open, failures counted) or none; and, when
 * the near-duplicate verifier is ORB, the store of indexed images' ORB features in the same Redis
 * (none without a cache: verification then falls back to the strict embedding distance).
 */
export async function cacheFromConfig(
  config: Config,
  metrics: WorkerMetrics,
  logger: Logger,
): Promise<{ cache: SignalCache; orbFeatures?: RedisOrbFeatureBytes }> {
  if (!config.CACHE_ENABLED) return { cache: new DisabledSignalCache() };
  let lastLogged = 0;
  const redis = await createCacheRedis(config.REDIS_URL, (error) => {
    // Reconnect errors repeat every backoff step: log them at most every 10 s.
    if (Date.now() - lastLogged < 10_000) return;
    lastLogged = Date.now();
    logger.warn({ err: error.message }, 'redis unavailable; cache fails open');
  });
  const cache = new RedisSignalCache(redis, {
    ttlMs: config.CACHE_TTL_S * 1000,
    timeoutMs: config.CACHE_TIMEOUT_MS,
    onError: (operation) => metrics.cacheErrors.add(1, { operation }),
  });
  if (config.NEAR_DUPLICATE_VERIFIER !== 'orb') return { cache };
  const orbFeatures = new RedisOrbFeatureBytes(redis, {
    namespace: config.CACHE_NAMESPACE,
    timeoutMs: config.CACHE_TIMEOUT_MS,
  });
  return { cache, orbFeatures };
}
