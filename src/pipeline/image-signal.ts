import { cacheKey } from '../cache/cache-key.js';
import type { CacheEntry, ClassScores, SignalCache } from '../cache/signal-cache.js';
import { toIntegrityError } from '../errors.js';
import type { ImageFetcher } from '../fetch/image-fetcher.js';
import { sha256Key, signatureKey } from './content-key.js';
import type { ImageScorer } from './scorers.js';
import { modelId, unscored, type SignalResult } from './signal-result.js';
import type { StageRunner } from './stage-runner.js';

export interface PinImageRef {
  readonly url: string;
  readonly signature: string | null;
}

/**
 * The `image.safety` signal of one pin: cached scores under the upstream signature skip the download;
 * otherwise the image is fetched, looked up again by the sha256 of its bytes, and scored. Every failure
 * about the image (refused, missing, broken, too slow after retries) becomes an UNSCORED result with its
 * code: an image never dead-letters a pin.
 */
export class ImageSignal {
  constructor(
    private readonly fetcher: ImageFetcher,
    private readonly scorer: ImageScorer,
    private readonly cache: SignalCache,
    private readonly cacheNamespace: string,
  ) {}

  /** The key to look up before any download, when the pin carries a signature. */
  signatureCacheKey(image: PinImageRef): string | undefined {
    return image.signature
      ? cacheKey(
          this.cacheNamespace,
          'image.safety',
          signatureKey(image.signature),
          modelId(this.scorer.model),
        )
      : undefined;
  }

  /**
   * `signatureHit` is the result of looking up {@link signatureCacheKey}. Returns the result and the
   * cache entries to write.
   */
  async compute(
    image: PinImageRef,
    signatureHit: ClassScores | undefined,
    stages: StageRunner,
  ): Promise<{ result: SignalResult; writes: CacheEntry[] }> {
    const model = this.scorer.model;
    const sigKey = image.signature ? signatureKey(image.signature) : null;
    if (sigKey && signatureHit) {
      return {
        result: {
          signal: 'image.safety',
          model,
          contentKey: sigKey,
          scores: signatureHit,
          cached: true,
          reasonCode: null,
        },
        writes: [],
      };
    }
    let bytesKey: string | null = null;
    try {
      const fetched = await stages.run('fetch', () => this.fetcher.fetch(image.url));
      bytesKey = sha256Key(fetched.bytes);
      const contentKey = sigKey ?? bytesKey;
      const bytesCacheKey = cacheKey(this.cacheNamespace, 'image.safety', bytesKey, modelId(model));
      const [bytesHit] = await stages.run('cache-lookup', () => this.cache.getMany([bytesCacheKey]));
      const scores =
        bytesHit ?? (await stages.run('preprocess-infer', () => this.scorer.score(fetched.bytes)));
      const writes: CacheEntry[] = [];
      if (!bytesHit) writes.push({ key: bytesCacheKey, scores });
      if (sigKey)
        writes.push({ key: cacheKey(this.cacheNamespace, 'image.safety', sigKey, modelId(model)), scores });
      const result: SignalResult = {
        signal: 'image.safety',
        model,
        contentKey,
        scores,
        cached: Boolean(bytesHit),
        reasonCode: null,
      };
      return { result, writes };
    } catch (error) {
      return {
        result: unscored('image.safety', model, toIntegrityError(error).code, sigKey ?? bytesKey),
        writes: [],
      };
    }
  }
}
