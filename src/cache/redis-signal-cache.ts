import type { Redis } from 'ioredis';
import type { ClassScores, FrameVector, SignalValue } from '../scores.js';
import type { CacheEntry, CacheErrorObserver, SignalCache } from './signal-cache.js';
import { withRedisTimeout } from './redis-call-timeout.js';

export interface RedisSignalCacheOptions {
  /** Lifetime of an entry, ms. */
  ttlMs: number;
  /** A call slower than this is abandoned and counts as a failure, ms. */
  timeoutMs: number;
  onError?: CacheErrorObserver;
}

/**
 * {@link SignalCache} over Redis: one MGET per lookup, one `SET PX` per entry written. The client
 * must be built with `enableOfflineQueue: false` and `maxRetriesPerRequest: 0` (see
 * `createCacheRedis`) so that a Redis outage fails calls at once instead of queueing them, and with
 * `enableAutoPipelining` so that the commands of concurrent pins share one write and one round trip.
 */
export class RedisSignalCache implements SignalCache {
  constructor(
    private readonly redis: Redis,
    private readonly options: RedisSignalCacheOptions,
  ) {}

  async getMany(keys: readonly string[]): Promise<(SignalValue | undefined)[]> {
    if (keys.length === 0) return [];
    try {
      const values = await withRedisTimeout(this.redis.mget(...keys), this.options.timeoutMs);
      return values.map((value) => (value === null ? undefined : parseValue(value)));
    } catch (error) {
      this.options.onError?.('get', error);
      return keys.map(() => undefined);
    }
  }

  async setMany(entries: readonly CacheEntry[]): Promise<void> {
    if (entries.length === 0) return;
    try {
      // Plain commands, not a pipeline of their own: with auto-pipelining (createCacheRedis) the writes
      // of every pin of the same tick leave in one socket write, where a pipeline per pin was one
      // write (one syscall) per pin, the largest single cost of a text-only run's main thread.
      const results = await withRedisTimeout(
        Promise.allSettled(
          entries.map(({ key, value }) =>
            this.redis.set(key, serializeValue(value), 'PX', this.options.ttlMs),
          ),
        ),
        this.options.timeoutMs,
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    } catch (error) {
      this.options.onError?.('set', error);
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

/**
 * Scores alone are stored as the JSON object of numbers they always were; with a vector, as
 * `{"scores": {...}, "vector": "<base64 of little-endian float32>"}` (5,120 bytes of floats become
 * 6,828 characters, not the ~25,000 of a JSON array); a video's frame vectors add
 * `"frames": [{"index", "timestampMs", "vector": "<base64>"}]` (at most 16: ~110 kB for 1280-d).
 */
function serializeValue(value: SignalValue): string {
  if (!value.vector) return JSON.stringify(value.scores);
  return JSON.stringify({
    scores: value.scores,
    vector: base64Of(value.vector),
    ...(value.frames && {
      frames: value.frames.map((f) => ({
        index: f.index,
        timestampMs: f.timestampMs,
        vector: base64Of(f.vector),
      })),
    }),
  });
}

function base64Of(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}

function vectorOf(text: unknown): Float32Array | undefined {
  if (typeof text !== 'string') return undefined;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 4 !== 0 || bytes.length === 0) return undefined;
  const vector = new Float32Array(bytes.length / 4);
  new Uint8Array(vector.buffer).set(bytes);
  return vector;
}

function framesOf(value: unknown): FrameVector[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const frames: FrameVector[] = [];
  for (const f of value as unknown[]) {
    if (!isObject(f) || typeof f.index !== 'number' || typeof f.timestampMs !== 'number') return undefined;
    const vector = vectorOf(f.vector);
    if (!vector) return undefined;
    frames.push({ index: f.index, timestampMs: f.timestampMs, vector });
  }
  return frames;
}

/** An entry that is neither form of {@link serializeValue} is treated as a miss and will be overwritten. */
function parseValue(text: string): SignalValue | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (!isObject(parsed)) return undefined;
    if (typeof parsed.vector === 'string' && isObject(parsed.scores)) {
      const scores = numbersOnly(parsed.scores);
      const vector = vectorOf(parsed.vector);
      if (!scores || !vector) return undefined;
      if (parsed.frames === undefined) return { scores, vector };
      const frames = framesOf(parsed.frames);
      return frames && { scores, vector, frames };
    }
    const scores = numbersOnly(parsed);
    return scores && { scores };
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

function numbersOnly(value: Record<string, unknown>): ClassScores | undefined {
  return Object.values(value).every((v) => typeof v === 'number') ? (value as ClassScores) : undefined;
}
