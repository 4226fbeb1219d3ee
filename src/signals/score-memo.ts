import type { ClassScores } from '../scores.js';

/**
 * In-process memory of scores by cache key, in front of the shared cache: concurrent requests for the
 * same content share one computation (single flight), and recent results are kept (LRU, bounded) so a
 * burst of re-pins never reaches Redis or a model twice. A failed computation is shared by its waiters
 * and not remembered.
 */
export class ScoreMemo<V = ClassScores> {
  private readonly inflight = new Map<string, Promise<V>>();
  private readonly recent = new Map<string, V>();

  constructor(private readonly maxEntries: number) {}

  /** Recent scores for `key`, if any. */
  peek(key: string): V | undefined {
    const scores = this.recent.get(key);
    if (scores !== undefined) {
      this.recent.delete(key);
      this.recent.set(key, scores);
    }
    return scores;
  }

  remember(key: string, scores: V): void {
    if (this.maxEntries <= 0) return;
    this.recent.delete(key);
    this.recent.set(key, scores);
    if (this.recent.size > this.maxEntries) this.recent.delete(this.recent.keys().next().value!);
  }

  /** `shared` is true when the scores came from memory or from another caller's computation. */
  async run(key: string, compute: () => Promise<V>): Promise<{ scores: V; shared: boolean }> {
    const known = this.peek(key);
    if (known !== undefined) return { scores: known, shared: true };
    const pending = this.inflight.get(key);
    if (pending !== undefined) return { scores: await pending, shared: true };
    const computing = compute();
    this.inflight.set(key, computing);
    try {
      const scores = await computing;
      this.remember(key, scores);
      return { scores, shared: false };
    } finally {
      this.inflight.delete(key);
    }
  }
}
