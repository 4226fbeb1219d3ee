/**
 * The served image near-duplicate rule after the recall stage (`image.near_duplicate` with
 * NEAR_DUPLICATE_VERIFIER=orb): the candidates (the rule's K nearest indexed images within its loose
 * distance, nearest first) are verified one after another by ORB + RANSAC against the stored
 * features of each, and the first verified one is the match. The query's own features are extracted
 * only when some candidate has stored features worth verifying against, so candidates without
 * features (console verdicts, features not written) cost one store read each and no ORB at all.
 * Everything that stops verification (no stored features, the store failing, too few keypoints,
 * no query image, the ORB thread busy or failed) hands the candidate to the strict embedding
 * distance with IW_NEAR_DUPLICATE_UNVERIFIED; nothing here throws.
 */
import { IntegrityError } from '../errors.js';
import {
  reasonOf,
  verifyCandidate,
  type FallbackReason,
  type OrbFeatureStore,
  type QueryFeatures,
  type Verdict,
  type VerificationRule,
} from './near-duplicate-verification.js';
import type { NearestMatch } from './near-duplicate-index.js';
import type { OrbExtractor } from './orb-thread.js';
import type { OrbFeatures } from './orb-verifier.js';

export interface NearDuplicateVerifierOptions {
  readonly rule: VerificationRule;
  /** Absent without a Redis (CACHE_ENABLED=false): every candidate then falls back (`no-features`). */
  readonly store: OrbFeatureStore | undefined;
  readonly extractor: OrbExtractor;
  /** Every candidate's verdict (metrics: by `orb` / `embedding`, the reason, matched or not). */
  readonly observe?: (verdict: Verdict) => void;
  /** Every fallback with its code. */
  readonly log?: (error: IntegrityError) => void;
}

export interface VerifiedMatch {
  readonly match: NearestMatch | null;
  /** The verdict that made the match (null without one). */
  readonly verdict: Verdict | null;
}

const NO_QUERY: QueryFeatures = {
  direct: { count: 0, points: new Float32Array(0), descriptors: new Uint8Array(0) },
  mirrored: { count: 0, points: new Float32Array(0), descriptors: new Uint8Array(0) },
};

export class NearDuplicateVerifier {
  constructor(private readonly options: NearDuplicateVerifierOptions) {}

  get rule(): VerificationRule {
    return this.options.rule;
  }

  /** The first of `candidates` (nearest first) that verifies; `queryImage` is read only when needed. */
  async firstMatch(
    candidates: readonly NearestMatch[],
    queryImage: () => Promise<Uint8Array>,
  ): Promise<VerifiedMatch> {
    if (candidates.length === 0) return { match: null, verdict: null };
    const { rule, store, extractor } = this.options;
    const log = this.options.log ?? (() => {});
    // Stored features of every candidate at once (one round trip with auto-pipelining), each kept
    // as its outcome so verifyCandidate still sees a failing store as a failing store.
    const stored = store
      ? await Promise.allSettled(candidates.map((c) => store.get(c.contentKey)))
      : candidates.map(() => ({ status: 'fulfilled', value: undefined }) as const);
    const read = (i: number): OrbFeatureStore => ({
      get: () => {
        const s = stored[i]!;
        return s.status === 'fulfilled' ? Promise.resolve(s.value) : Promise.reject(s.reason as Error);
      },
    });
    const worth = stored.some(
      (s) => s.status === 'fulfilled' && s.value !== undefined && s.value.count >= rule.minKeypoints,
    );
    let query: QueryFeatures = NO_QUERY;
    let unavailable: { reason: FallbackReason; error: IntegrityError } | undefined;
    if (worth) {
      try {
        query = await extractor.query(await this.#image(queryImage));
      } catch (cause) {
        const error = unverifiedOf(cause, 'ORB features of the query not extracted');
        unavailable = { reason: reasonOf(error), error };
        log(error);
      }
    }
    for (const [i, candidate] of candidates.entries()) {
      const s = stored[i]!;
      const verifiable =
        s.status === 'fulfilled' && s.value !== undefined && s.value.count >= rule.minKeypoints;
      const verdict: Verdict =
        unavailable && verifiable
          ? {
              matched: candidate.distance <= rule.strictDistance,
              by: 'embedding',
              reason: unavailable.reason,
              code: unavailable.error.code,
            }
          : await verifyCandidate(query, candidate, read(i), rule, log, (q, indexed: OrbFeatures) =>
              extractor.inliers(q, indexed),
            );
      this.options.observe?.(verdict);
      if (verdict.matched) return { match: candidate, verdict };
    }
    return { match: null, verdict: null };
  }

  async #image(queryImage: () => Promise<Uint8Array>): Promise<Uint8Array> {
    try {
      return await queryImage();
    } catch (cause) {
      throw new IntegrityError('IW_NEAR_DUPLICATE_UNVERIFIED', 'no image to verify the query with', {
        cause,
        details: { reason: 'no-query-image' },
      });
    }
  }
}

function unverifiedOf(cause: unknown, message: string): IntegrityError {
  return cause instanceof IntegrityError && cause.code === 'IW_NEAR_DUPLICATE_UNVERIFIED'
    ? cause
    : new IntegrityError('IW_NEAR_DUPLICATE_UNVERIFIED', message, {
        cause,
        details: { reason: 'verifier-failed' },
      });
}
