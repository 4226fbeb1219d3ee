/**
 * The score cache: class scores per (signal, content key, model@version). A cache never decides
 * anything: every failure is a miss (reads) or a skipped write, reported to `onError` and never thrown,
 * so a broken cache slows the worker and never stops it (fail-open).
 */
import type { ClassScores } from '../scores.js';

export interface CacheEntry {
  readonly key: string;
  readonly scores: ClassScores;
}

export interface SignalCache {
  /** One result per key, in order; `undefined` is a miss (absent, unreadable or the cache failed). */
  getMany(keys: readonly string[]): Promise<(ClassScores | undefined)[]>;
  /** Stores the entries with the cache's TTL; resolves even when the write failed. */
  setMany(entries: readonly CacheEntry[]): Promise<void>;
  close(): Promise<void>;
}

/** Told about every failure the cache swallowed, for metrics and logs. */
export type CacheErrorObserver = (operation: 'get' | 'set', error: unknown) => void;
