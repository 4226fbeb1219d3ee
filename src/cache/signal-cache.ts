/**
 * The score cache: what a signal computed (class scores, and an embedding signal's vector) per
 * (signal, content key, model@version). A cache never decides anything: every failure is a miss
 * (reads) or a skipped write, reported to `onError` and never thrown, so a broken cache slows the
 * worker and never stops it (fail-open).
 */
import type { SignalValue } from '../scores.js';

export interface CacheEntry {
  readonly key: string;
  readonly value: SignalValue;
}

export interface SignalCache {
  /** One result per key, in order; `undefined` is a miss (absent, unreadable or the cache failed). */
  getMany(keys: readonly string[]): Promise<(SignalValue | undefined)[]>;
  /** Stores the entries with the cache's TTL; resolves even when the write failed. */
  setMany(entries: readonly CacheEntry[]): Promise<void>;
  close(): Promise<void>;
}

/** Told about every failure the cache swallowed, for metrics and logs. */
export type CacheErrorObserver = (operation: 'get' | 'set', error: unknown) => void;
