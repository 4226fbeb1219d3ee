import { cacheKey } from '../cache/cache-key.js';
import type { CacheEntry, ClassScores } from '../cache/signal-cache.js';
import { toIntegrityError } from '../errors.js';
import { sha256Key } from './content-key.js';
import type { TextScorer } from './scorers.js';
import { modelId, unscored, type SignalResult } from './signal-result.js';
import type { StageRunner } from './stage-runner.js';

/**
 * The `text.spam` signal of one pin, keyed by the sha256 of the model text (so duplicate texts share
 * one score). A model failure after retries is UNSCORED with its code, never a lost pin.
 */
export class TextSignal {
  constructor(
    private readonly scorer: TextScorer,
    private readonly cacheNamespace: string,
  ) {}

  contentKey(text: string): string {
    return sha256Key(text);
  }

  cacheKey(text: string): string {
    return cacheKey(this.cacheNamespace, 'text.spam', this.contentKey(text), modelId(this.scorer.model));
  }

  async compute(
    text: string,
    hit: ClassScores | undefined,
    stages: StageRunner,
  ): Promise<{ result: SignalResult; writes: CacheEntry[] }> {
    const model = this.scorer.model;
    const contentKey = this.contentKey(text);
    if (hit)
      return {
        result: { signal: 'text.spam', model, contentKey, scores: hit, cached: true, reasonCode: null },
        writes: [],
      };
    try {
      const scores = await stages.run('preprocess-infer', () => this.scorer.score(text));
      return {
        result: { signal: 'text.spam', model, contentKey, scores, cached: false, reasonCode: null },
        writes: [{ key: this.cacheKey(text), scores }],
      };
    } catch (error) {
      return { result: unscored('text.spam', model, toIntegrityError(error).code, contentKey), writes: [] };
    }
  }
}
