import { cacheKey } from '../cache/cache-key.js';
import type { CacheEntry, ClassScores } from '../cache/signal-cache.js';
import { toIntegrityError } from '../errors.js';
import { sha256Key } from './content-key.js';
import type { ScoreMemo } from './score-memo.js';
import type { TextScorer } from './scorers.js';
import { modelId, unscored, type SignalResult } from './signal-result.js';
import type { StageRunner } from './stage-runner.js';

/**
 * The `text.spam` signal of one pin, keyed by the sha256 of the model text, so duplicate texts share
 * one score (`cached` is true whenever no model ran for this pin). A model failure after retries is
 * UNSCORED with its code, never a lost pin.
 */
export interface TextKeys {
  readonly contentKey: string;
  readonly cacheKey: string;
}

export class TextSignal {
  constructor(
    private readonly scorer: TextScorer,
    private readonly memo: ScoreMemo,
    private readonly cacheNamespace: string,
  ) {}

  /** The text's content key and cache key, hashed once per pin and handed back to `compute`. */
  keys(text: string): TextKeys {
    const contentKey = sha256Key(text);
    return {
      contentKey,
      cacheKey: cacheKey(this.cacheNamespace, 'text.spam', contentKey, modelId(this.scorer.model)),
    };
  }

  async compute(
    text: string,
    { contentKey, cacheKey: key }: TextKeys,
    hit: ClassScores | undefined,
    stages: StageRunner,
  ): Promise<{ result: SignalResult; writes: CacheEntry[] }> {
    const model = this.scorer.model;
    if (hit) {
      this.memo.remember(key, hit);
      return {
        result: { signal: 'text.spam', model, contentKey, scores: hit, cached: true, reasonCode: null },
        writes: [],
      };
    }
    try {
      const { scores, shared } = await this.memo.run(key, async () => {
        const prepared = await stages.run('preprocess', () => this.scorer.prepare(text));
        return stages.run('infer', () => this.scorer.infer(prepared));
      });
      return {
        result: { signal: 'text.spam', model, contentKey, scores, cached: shared, reasonCode: null },
        writes: shared ? [] : [{ key, scores }],
      };
    } catch (error) {
      return { result: unscored('text.spam', model, toIntegrityError(error).code, contentKey), writes: [] };
    }
  }
}
