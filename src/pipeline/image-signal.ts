import { cacheKey } from '../cache/cache-key.js';
import type { CacheEntry, ClassScores, SignalCache } from '../cache/signal-cache.js';
import { toIntegrityError } from '../errors.js';
import type { ImageFetcher } from '../fetch/image-fetcher.js';
import type { DecodedImageGate } from '../preprocess/decoded-image-gate.js';
import { sha256Key, signatureKey } from './content-key.js';
import type { ScoreMemo } from './score-memo.js';
import type { ImageScorer } from './scorers.js';
import { modelId, unscored, type SignalResult } from './signal-result.js';
import type { StageRunner } from './stage-runner.js';

export interface PinImageRef {
  readonly url: string;
  readonly signature: string | null;
}

type Computed = { result: SignalResult; writes: CacheEntry[] };

/**
 * The `image.safety` signal of one pin. Scores cached under the upstream signature skip the
 * download; otherwise the image is fetched, looked up again by the sha256 of its bytes, and scored.
 * Pins that carry the same signature, or whose bytes are equal, share one download or one inference
 * (single flight). Every failure about the image (refused, missing, broken, too slow after retries)
 * becomes an UNSCORED result with its code: an image never dead-letters a pin.
 */
export class ImageSignal {
  constructor(
    private readonly fetcher: ImageFetcher,
    private readonly scorer: ImageScorer,
    private readonly cache: SignalCache,
    private readonly memo: ScoreMemo,
    private readonly cacheNamespace: string,
    /**
     * Bounds images decoded at once, by count and by pixels (from the header), from the start of
     * their decode to the end of their batch: a full-size decoded photo is megabytes, and hundreds
     * of pins may be in flight.
     */
    private readonly decodedImages: Pick<DecodedImageGate, 'run'>,
  ) {}

  /** The key to look up before any download, when the pin carries a signature. */
  signatureCacheKey(image: PinImageRef): string | undefined {
    return image.signature ? this.key(signatureKey(image.signature)) : undefined;
  }

  /** `signatureHit` is the result of looking up {@link signatureCacheKey}. */
  async compute(
    image: PinImageRef,
    signatureHit: ClassScores | undefined,
    stages: StageRunner,
  ): Promise<Computed> {
    const sigKey = image.signature ? signatureKey(image.signature) : null;
    let bytesKey: string | null = null;
    try {
      if (sigKey === null) return await this.fetchAndScore(image.url, stages, (key) => (bytesKey = key));
      if (signatureHit) {
        this.memo.remember(this.key(sigKey), signatureHit);
        return this.scored(sigKey, signatureHit, true, []);
      }
      // fetchAndScore either scores or throws; its failure is shared by every pin waiting on it.
      let leader: Computed | undefined;
      const { scores, shared } = await this.memo.run(this.key(sigKey), async () => {
        leader = await this.fetchAndScore(image.url, stages, (key) => (bytesKey = key));
        return leader.result.scores!;
      });
      const writes = shared ? [] : [...leader!.writes, { key: this.key(sigKey), scores }];
      return this.scored(sigKey, scores, shared || leader!.result.cached, writes);
    } catch (error) {
      const code = toIntegrityError(error).code;
      return { result: unscored('image.safety', this.scorer.model, code, sigKey ?? bytesKey), writes: [] };
    }
  }

  private async fetchAndScore(
    url: string,
    stages: StageRunner,
    onBytesKey: (key: string) => void,
  ): Promise<Computed> {
    // The fetch ends within what is left of the pin's retry budget, not only its own timeout.
    const fetched = await stages.run('fetch', ({ remainingMs }) =>
      this.fetcher.fetch(url, { timeoutMs: remainingMs }),
    );
    try {
      const bytesKey = sha256Key(fetched.bytes);
      onBytesKey(bytesKey);
      const key = this.key(bytesKey);
      const hit =
        this.memo.peek(key) ?? (await stages.run('cache-lookup', () => this.cache.getMany([key])))[0];
      if (hit) {
        this.memo.remember(key, hit);
        return this.scored(bytesKey, hit, true, []);
      }
      const { scores, shared } = await this.memo.run(key, () =>
        this.decodedImages.run(fetched.bytes, async () => {
          const prepared = await stages.run('preprocess', () => this.scorer.prepare(fetched.bytes));
          fetched.release(); // decoded: the body's bytes are no longer needed
          return stages.run('infer', () => this.scorer.infer(prepared));
        }),
      );
      return this.scored(bytesKey, scores, shared, shared ? [] : [{ key, scores }]);
    } finally {
      fetched.release();
    }
  }

  private scored(contentKey: string, scores: ClassScores, cached: boolean, writes: CacheEntry[]): Computed {
    return {
      result: {
        signal: 'image.safety',
        model: this.scorer.model,
        contentKey,
        scores,
        cached,
        reasonCode: null,
      },
      writes,
    };
  }

  private key(contentKey: string): string {
    return cacheKey(this.cacheNamespace, 'image.safety', contentKey, modelId(this.scorer.model));
  }
}
