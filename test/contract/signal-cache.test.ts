import { afterAll, describe, expect, it } from 'vitest';
import { cacheKey } from '../../src/cache/cache-key.js';
import { createCacheRedis } from '../../src/cache/create-cache-redis.js';
import { InMemorySignalCache } from '../../src/cache/in-memory-signal-cache.js';
import { RedisSignalCache } from '../../src/cache/redis-signal-cache.js';
import type { SignalCache } from '../../src/cache/signal-cache.js';
import { stackEnv, uniqueName } from '../support/stack-env.js';

/** What every SignalCache must do; run against each implementation below. */
function signalCacheContract(name: string, make: (ttlMs: number) => Promise<SignalCache>): void {
  describe(`SignalCache contract: ${name}`, () => {
    const caches: SignalCache[] = [];
    const cache = async (ttlMs = 60_000): Promise<SignalCache> => {
      const made = await make(ttlMs);
      caches.push(made);
      return made;
    };
    afterAll(() => Promise.all(caches.map((c) => c.close())));

    it('returns one result per key, in order, with misses as undefined', async () => {
      const c = await cache();
      const [a, b, absent] = ['a', 'b', 'absent'].map((k) =>
        cacheKey('test', 'image.safety', uniqueName(k), 'm@1'),
      );
      await c.setMany([
        { key: a!, value: { scores: { Neutral: 0.9, Porn: 0.1 } } },
        { key: b!, value: { scores: { spam: 0.25, ham: 0.75 } } },
      ]);
      expect(await c.getMany([b!, absent!, a!])).toEqual([
        { scores: { spam: 0.25, ham: 0.75 } },
        undefined,
        { scores: { Neutral: 0.9, Porn: 0.1 } },
      ]);
    });

    it('handles empty requests', async () => {
      const c = await cache();
      await c.setMany([]);
      expect(await c.getMany([])).toEqual([]);
    });

    it('keeps scores bit-exact', async () => {
      const c = await cache();
      const key = uniqueName('exact');
      const scores = { x: 0.1 + 0.2, y: 1e-12, z: 0.9999999403953552 };
      await c.setMany([{ key, value: { scores } }]);
      expect(await c.getMany([key])).toEqual([{ scores }]);
    });

    it('keeps the vector of an embedding signal bit-exact, with its scores', async () => {
      const c = await cache();
      const key = uniqueName('vector');
      const vector = new Float32Array([0.6, -0.8, 1e-30, Math.fround(1 / 3)]);
      await c.setMany([{ key, value: { scores: {}, vector } }]);
      const [hit] = await c.getMany([key]);
      expect(hit?.scores).toEqual({});
      expect(hit?.vector).toBeInstanceOf(Float32Array);
      expect(Array.from(hit!.vector!)).toEqual(Array.from(vector));
    });

    it("keeps a video's frame vectors bit-exact, with their index and timestamp", async () => {
      const c = await cache();
      const key = uniqueName('frames');
      const frames = [
        { index: 0, timestampMs: 0, vector: new Float32Array([0.6, 0.8]) },
        { index: 1, timestampMs: 2040, vector: new Float32Array([-1, Math.fround(1 / 3)]) },
      ];
      await c.setMany([{ key, value: { scores: {}, vector: frames[1]!.vector, frames } }]);
      const [hit] = await c.getMany([key]);
      expect(hit?.frames?.map((f) => [f.index, f.timestampMs, Array.from(f.vector)])).toEqual(
        frames.map((f) => [f.index, f.timestampMs, Array.from(f.vector)]),
      );
      expect(hit!.frames![0]!.vector).toBeInstanceOf(Float32Array);
    });

    it('forgets entries after their TTL', async () => {
      const c = await cache(50);
      const key = uniqueName('ttl');
      await c.setMany([{ key, value: { scores: { a: 1 } } }]);
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect(await c.getMany([key])).toEqual([undefined]);
    });
  });
}

signalCacheContract('in-memory', async (ttlMs) => new InMemorySignalCache(ttlMs));
signalCacheContract(
  'redis',
  async (ttlMs) =>
    new RedisSignalCache(await createCacheRedis(stackEnv.redisUrl, () => {}), { ttlMs, timeoutMs: 1000 }),
);

describe('RedisSignalCache when Redis is unreachable', () => {
  it('fails open: misses and skipped writes, each failure reported, nothing thrown', async () => {
    const failures: string[] = [];
    // A loopback port nobody listens on: connections are refused at once.
    const cache = new RedisSignalCache(await createCacheRedis('redis://127.0.0.1:1', () => {}, 100), {
      ttlMs: 1000,
      timeoutMs: 200,
      onError: (operation) => failures.push(operation),
    });
    await cache.setMany([{ key: 'k', value: { scores: { a: 1 } } }]);
    expect(await cache.getMany(['k', 'l'])).toEqual([undefined, undefined]);
    expect(failures).toEqual(['set', 'get']);
    await cache.close();
  });
});

describe('RedisSignalCache under concurrent pins', () => {
  it('sends the writes and lookups of pins in the same tick in one socket write each', async () => {
    const redis = await createCacheRedis(stackEnv.redisUrl, () => {});
    const cache = new RedisSignalCache(redis, { ttlMs: 60_000, timeoutMs: 1000 });
    try {
      const keys = Array.from({ length: 20 }, (_, i) => uniqueName(`pin-${i}`));
      // Every chunk of bytes the client hands its socket (the real socket to the real Redis).
      const stream = (redis as unknown as { stream: { write: (...args: unknown[]) => boolean } }).stream;
      const write = stream.write.bind(stream);
      let writes = 0;
      stream.write = (...args: unknown[]) => (writes++, write(...args));
      // 20 pins, each writing its own entries, as SignalRunner does at the end of each pin.
      await Promise.all(
        keys.map((key, i) =>
          cache.setMany([
            { key, value: { scores: { spam: i / 20, ham: 1 - i / 20 } } },
            { key: `${key}:alias`, value: { scores: { spam: i / 20, ham: 1 - i / 20 } } },
          ]),
        ),
      );
      const setWrites = writes;
      writes = 0;
      const hits = await Promise.all(keys.map((key) => cache.getMany([key, `${key}:alias`])));
      expect({ setWrites, getWrites: writes }).toEqual({ setWrites: 1, getWrites: 1 });
      expect(hits.map((h) => h.map((v) => v?.scores.spam))).toEqual(keys.map((_, i) => [i / 20, i / 20]));
    } finally {
      await cache.close();
    }
  });
});
