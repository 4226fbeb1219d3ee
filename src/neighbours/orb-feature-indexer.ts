/**
 * The other half of ORB verification: the worker that decides an image REVIEW or BLOCK (the content
 * its ContentEmbedding brings into every worker's index) extracts the image's ORB features and
 * stores them under its content key before the embedding is published, so a later copy can be
 * verified against them. Only REVIEW/BLOCK images pay for it, once per content key (a re-pin of
 * content already stored costs one EXISTS). A failure never fails the pin: it is counted, and copies
 * of that content fall back to the strict embedding distance (`no-features`).
 */
import { IntegrityError } from '../errors.js';
import { encodeOrbFeatures, type OrbFeatureBytes } from './near-duplicate-verification.js';
import type { OrbExtractor } from './orb-thread.js';

export type OrbFeatureWrite = 'written' | 'exists' | 'failed';

export class OrbFeatureIndexer {
  constructor(
    private readonly extractor: Pick<OrbExtractor, 'index'>,
    private readonly store: Pick<OrbFeatureBytes, 'has' | 'set'>,
    private readonly observe: (result: OrbFeatureWrite, error?: IntegrityError) => void = () => {},
  ) {}

  /** Stores the features of `contentKey`'s image (its bytes read on demand); never rejects. */
  async index(contentKey: string, image: () => Promise<Uint8Array>): Promise<OrbFeatureWrite> {
    try {
      if (await this.store.has(contentKey)) {
        this.observe('exists');
        return 'exists';
      }
      const features = await this.extractor.index(await image());
      await this.store.set(contentKey, encodeOrbFeatures(features));
      this.observe('written');
      return 'written';
    } catch (cause) {
      const error =
        cause instanceof IntegrityError
          ? cause
          : new IntegrityError('IW_NEAR_DUPLICATE_UNVERIFIED', `ORB features of ${contentKey} not stored`, {
              cause,
            });
      this.observe('failed', error);
      return 'failed';
    }
  }
}
