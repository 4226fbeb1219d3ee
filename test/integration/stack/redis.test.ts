import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { stackEnv, uniqueName } from '../../support/stack-env.js';

const redis = new Redis(stackEnv.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
afterAll(() => redis.quit());

describe('ioredis against the local Redis', () => {
  it('sets with a TTL, gets, and pipelines', async () => {
    const key = uniqueName('smoke:key');
    expect(await redis.set(key, 'v', 'PX', 60_000)).toBe('OK');
    expect(await redis.get(key)).toBe('v');
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);

    const keys = Array.from({ length: 5 }, () => uniqueName('smoke:pipe'));
    const pipeline = redis.pipeline();
    keys.forEach((k, i) => pipeline.set(k, String(i), 'PX', 60_000));
    const results = await pipeline.exec();
    expect(results?.map(([error, reply]) => [error, reply])).toEqual(keys.map(() => [null, 'OK']));
    expect(await redis.mget(...keys, uniqueName('smoke:absent'))).toEqual(['0', '1', '2', '3', '4', null]);
  });
});
