import type { SignalValue } from '../scores.js';
import type { SignalCache } from './signal-cache.js';

/** The cache when `CACHE_ENABLED=false`: every lookup misses, writes go nowhere. */
export class DisabledSignalCache implements SignalCache {
  async getMany(keys: readonly string[]): Promise<(SignalValue | undefined)[]> {
    return keys.map(() => undefined);
  }
  async setMany(): Promise<void> {}
  async close(): Promise<void> {}
}
