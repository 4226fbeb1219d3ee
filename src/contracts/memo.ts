/**
 * A promise cache: concurrent misses for one key share one request, and a failed request is forgotten
 * so the next call tries again (registry outages must not poison the cache).
 */
export class PromiseMemo<K, V> {
  private readonly entries = new Map<K, Promise<V>>();

  get(key: K, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit) return hit;
    const pending = load();
    this.entries.set(key, pending);
    pending.catch(() => this.entries.delete(key));
    return pending;
  }

  get size(): number {
    return this.entries.size;
  }
}
