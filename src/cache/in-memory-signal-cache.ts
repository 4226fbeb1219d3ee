import type { SignalValue } from '../scores.js';
import type { CacheEntry, SignalCache } from './signal-cache.js';

/**
 * A real, process-local {@link SignalCache} with TTLs: for `classify`, tests and running without
 * Redis. Expired entries are dropped when read.
 */
export class InMemorySignalCache implements SignalCache {
  private readonly entries = new Map<string, { value: SignalValue; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async getMany(keys: readonly string[]): Promise<(SignalValue | undefined)[]> {
    const now = this.now();
    return keys.map((key) => {
      const entry = this.entries.get(key);
      if (entry && entry.expiresAt <= now) this.entries.delete(key);
      return entry && entry.expiresAt > now ? entry.value : undefined;
    });
  }

  async setMany(entries: readonly CacheEntry[]): Promise<void> {
    const expiresAt = this.now() + this.ttlMs;
    for (const { key, value } of entries) {
      const copy = {
        scores: { ...value.scores },
        ...(value.vector && { vector: value.vector.slice() }),
        ...(value.frames && { frames: value.frames.map((f) => ({ ...f, vector: f.vector.slice() })) }),
      };
      this.entries.set(key, { value: copy, expiresAt });
    }
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}
