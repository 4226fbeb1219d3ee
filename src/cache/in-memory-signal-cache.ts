import type { ClassScores } from '../scores.js';
import type { CacheEntry, SignalCache } from './signal-cache.js';

/**
 * A real, process-local {@link SignalCache} with TTLs: for `classify`, tests and running without
 * Redis. Expired entries are dropped when read.
 */
export class InMemorySignalCache implements SignalCache {
  private readonly entries = new Map<string, { scores: ClassScores; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async getMany(keys: readonly string[]): Promise<(ClassScores | undefined)[]> {
    const now = this.now();
    return keys.map((key) => {
      const entry = this.entries.get(key);
      if (entry && entry.expiresAt <= now) this.entries.delete(key);
      return entry && entry.expiresAt > now ? entry.scores : undefined;
    });
  }

  async setMany(entries: readonly CacheEntry[]): Promise<void> {
    const expiresAt = this.now() + this.ttlMs;
    for (const { key, scores } of entries) this.entries.set(key, { scores: { ...scores }, expiresAt });
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}
