/**
 * The verification step of an image near-duplicate (not wired into `image.near_duplicate` yet): a
 * candidate the embedding search found within the loose distance is confirmed by ORB + RANSAC
 * inliers against the indexed content's stored ORB features. Verification that cannot run (no stored
 * features, the store failing, too few keypoints on either side: flat graphics) falls back to the
 * embedding at its strict distance, and says why with a coded reason, never an unhandled error.
 */
import { IntegrityError, type ErrorCode } from '../errors.js';
import { orbMatch, type GeometryRejection, type OrbFeatures } from './orb-verifier.js';

/** Where the ORB features of indexed content live (e.g. Redis `<prefix>:orb:<content key>`). */
export interface OrbFeatureStore {
  get(contentKey: string): Promise<OrbFeatures | undefined>;
}

export interface VerificationRule {
  /** Inliers at or above which a candidate is the same image (chosen on the fixture photos). */
  readonly minInliers: number;
  /** Fewer keypoints than this on either image: ORB is not trusted, the embedding decides. */
  readonly minKeypoints: number;
  /** The embedding's own 0-false threshold, used when verification cannot run. */
  readonly strictDistance: number;
}

/** The whole rule: which candidates are verified, and how ({@link VerificationRule}). */
export interface NearDuplicateOrbRule extends VerificationRule {
  /** Candidates verified per query: the K nearest indexed contents by the embedding. */
  readonly candidates: number;
  /** Cosine distance within which a nearest content is a candidate at all. */
  readonly looseDistance: number;
}

/**
 * The rule's constants, the one place the evaluation (scripts/neighbours/evaluate.ts, which checks
 * them against its own calibration on the fixture photos and says so in
 * models/image-safety/1/NEAR-DUPLICATES.md) and the worker read them from. For image-safety@1's
 * `embedding` output; strictDistance is NEAR_DUPLICATE_MAX_DISTANCE's default.
 */
export const NEAR_DUPLICATE_ORB_RULE: NearDuplicateOrbRule = {
  candidates: 3,
  looseDistance: 0.5303,
  minInliers: 8,
  minKeypoints: 100,
  strictDistance: 0.1426,
};

export type Verdict =
  | {
      readonly matched: boolean;
      readonly by: 'orb';
      /** Inliers of a copy's geometry (0 when RANSAC's fit is no copy's: see `rejected`). */
      readonly inliers: number;
      /** Why the better orientation's fit was not a copy's, when neither was. */
      readonly rejected?: GeometryRejection;
    }
  | {
      readonly matched: boolean;
      readonly by: 'embedding';
      readonly reason: 'few-keypoints' | 'no-features' | 'store-failed';
      readonly code?: ErrorCode;
    };

/** The query's ORB features, of the image and of its mirror (for flipped copies). */
export interface QueryFeatures {
  readonly direct: OrbFeatures;
  readonly mirrored: OrbFeatures;
}

/** Verifies one candidate; `log` hears every fallback with its code. */
export async function verifyCandidate(
  query: QueryFeatures,
  candidate: { contentKey: string; distance: number },
  store: OrbFeatureStore,
  rule: VerificationRule,
  log: (error: IntegrityError) => void = () => {},
): Promise<Verdict> {
  const byEmbedding = (
    reason: 'few-keypoints' | 'no-features' | 'store-failed',
    code?: ErrorCode,
  ): Verdict => ({
    matched: candidate.distance <= rule.strictDistance,
    by: 'embedding',
    reason,
    ...(code !== undefined && { code }),
  });
  let indexed: OrbFeatures | undefined;
  try {
    indexed = await store.get(candidate.contentKey);
  } catch (cause) {
    const error = new IntegrityError(
      'IW_NEAR_DUPLICATE_UNVERIFIED',
      `ORB features of ${candidate.contentKey} unreadable`,
      { cause },
    );
    log(error);
    return byEmbedding('store-failed', error.code);
  }
  if (indexed === undefined) {
    log(
      new IntegrityError(
        'IW_NEAR_DUPLICATE_UNVERIFIED',
        `no ORB features stored for ${candidate.contentKey}`,
      ),
    );
    return byEmbedding('no-features', 'IW_NEAR_DUPLICATE_UNVERIFIED');
  }
  if (indexed.count < rule.minKeypoints || query.direct.count < rule.minKeypoints)
    return byEmbedding('few-keypoints');
  const direct = await orbMatch(query.direct, indexed);
  const mirrored = await orbMatch(query.mirrored, indexed);
  const inliers = Math.max(direct.inliers, mirrored.inliers);
  const closer = direct.ransacInliers >= mirrored.ransacInliers ? direct : mirrored;
  return {
    matched: inliers >= rule.minInliers,
    by: 'orb',
    inliers,
    ...(inliers === 0 && closer.rejected !== undefined && { rejected: closer.rejected }),
  };
}

/** ORB features as bytes for a store: u32 count (LE), count x 2 float32 points, count x 32 descriptor bytes. */
export function encodeOrbFeatures(f: OrbFeatures): Uint8Array {
  const out = new Uint8Array(4 + 8 * f.count + 32 * f.count);
  const view = new DataView(out.buffer);
  view.setUint32(0, f.count, true);
  for (let i = 0; i < 2 * f.count; i++) view.setFloat32(4 + 4 * i, f.points[i]!, true);
  out.set(f.descriptors.subarray(0, 32 * f.count), 4 + 8 * f.count);
  return out;
}

/** The inverse of {@link encodeOrbFeatures}; IW_NEAR_DUPLICATE_UNVERIFIED for bytes of the wrong length. */
export function decodeOrbFeatures(bytes: Uint8Array): OrbFeatures {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = bytes.byteLength >= 4 ? view.getUint32(0, true) : -1;
  if (count < 0 || bytes.byteLength !== 4 + 40 * count)
    throw new IntegrityError(
      'IW_NEAR_DUPLICATE_UNVERIFIED',
      `ORB features of ${bytes.byteLength} bytes are malformed`,
    );
  const points = new Float32Array(2 * count);
  for (let i = 0; i < 2 * count; i++) points[i] = view.getFloat32(4 + 4 * i, true);
  return { count, points, descriptors: bytes.slice(4 + 8 * count) };
}
