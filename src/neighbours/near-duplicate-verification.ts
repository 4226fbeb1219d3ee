/**
 * The verification step of an image near-duplicate (served by `image.near_duplicate` with
 * NEAR_DUPLICATE_VERIFIER=orb, see near-duplicate-verifier.ts): a candidate the embedding search found within the loose distance is confirmed by ORB + RANSAC
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

/** ORB features as the store holds them (bytes of {@link encodeOrbFeatures}): Redis `<namespace>:orb:<content key>`. */
export interface OrbFeatureBytes {
  get(contentKey: string): Promise<Uint8Array | undefined>;
  /** True when features of the content are stored already (a re-pin of indexed content pays nothing). */
  has(contentKey: string): Promise<boolean>;
  set(contentKey: string, bytes: Uint8Array): Promise<void>;
}

/** The store of ORB features over their bytes; malformed bytes reject like a failing store. */
export function orbFeatureStoreOf(bytes: Pick<OrbFeatureBytes, 'get'>): OrbFeatureStore {
  return {
    get: async (contentKey) => {
      const stored = await bytes.get(contentKey);
      return stored === undefined ? undefined : decodeOrbFeatures(stored);
    },
  };
}

export interface VerificationRule {
  /** Inliers at or above which a candidate is the same image (chosen on the fixture photos). */
  readonly minInliers: number;
  /** Fewer keypoints than this on either image: ORB is not trusted, the embedding decides. */
  readonly minKeypoints: number;
  /** The embedding's own 0-false threshold, used when verification cannot run. */
  readonly strictDistance: number;
}

/**
 * The rule the worker serves (README, "Recall stage, then local-feature verification"), the one
 * place its numbers live: candidates are the `candidates` nearest indexed images within
 * `looseDistance` by the served image-safety@1 embedding; each, nearest first, is the match when ORB
 * + RANSAC finds at least `minInliers` inliers; where either image has fewer than `minKeypoints`
 * keypoints, or verification cannot run, `strictDistance` (the embedding's own 0-false threshold)
 * decides. `longerSidePx` is the size ORB sees (greyscale, longer side), as the evaluation extracts it.
 */
export interface ServedVerificationRule extends VerificationRule {
  readonly candidates: number;
  readonly looseDistance: number;
  readonly longerSidePx: number;
}

export const SERVED_VERIFICATION_RULE: ServedVerificationRule = Object.freeze({
  candidates: 3,
  looseDistance: 0.5303,
  minInliers: 8,
  minKeypoints: 100,
  strictDistance: 0.1426,
  longerSidePx: 512,
});

/** Why verification did not decide a candidate and the strict embedding distance did. */
export type FallbackReason =
  'few-keypoints' | 'no-features' | 'store-failed' | 'no-query-image' | 'verifier-failed' | 'verifier-busy';

/** Inliers of a copy's geometry between the query (the better orientation) and indexed features. */
export interface OrbCount {
  /** 0 when neither orientation's RANSAC fit is a copy's (see `rejected`). */
  readonly inliers: number;
  /** Why the closer orientation's fit was not a copy's, when neither was. */
  readonly rejected?: GeometryRejection;
}

/** Counts a candidate's inliers (in process here; the worker counts them in its ORB thread). */
export type InlierCount = (query: QueryFeatures, indexed: OrbFeatures) => Promise<OrbCount>;

/** In-process inliers (the evaluation's; the worker's ORB thread runs this too). */
export const inProcessInliers: InlierCount = async (query, indexed) => {
  const direct = await orbMatch(query.direct, indexed);
  const mirrored = await orbMatch(query.mirrored, indexed);
  const inliers = Math.max(direct.inliers, mirrored.inliers);
  const closer = direct.ransacInliers >= mirrored.ransacInliers ? direct : mirrored;
  return { inliers, ...(inliers === 0 && closer.rejected !== undefined && { rejected: closer.rejected }) };
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
      readonly reason: FallbackReason;
      readonly code?: ErrorCode;
    };

/** The query's ORB features, of the image and of its mirror (for flipped copies). */
export interface QueryFeatures {
  readonly direct: OrbFeatures;
  readonly mirrored: OrbFeatures;
}

/**
 * Verifies one candidate; `log` hears every fallback with its code. `inliers` counts the inliers
 * (in process by default; the worker's ORB thread); its failure is a fallback too, never a throw.
 */
export async function verifyCandidate(
  query: QueryFeatures,
  candidate: { contentKey: string; distance: number },
  store: OrbFeatureStore,
  rule: VerificationRule,
  log: (error: IntegrityError) => void = () => {},
  inliers: InlierCount = inProcessInliers,
): Promise<Verdict> {
  const byEmbedding = (reason: FallbackReason, code?: ErrorCode): Verdict => ({
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
  let count: OrbCount;
  try {
    count = await inliers(query, indexed);
  } catch (cause) {
    const error =
      cause instanceof IntegrityError && cause.code === 'IW_NEAR_DUPLICATE_UNVERIFIED'
        ? cause
        : new IntegrityError(
            'IW_NEAR_DUPLICATE_UNVERIFIED',
            `ORB verification of ${candidate.contentKey} failed`,
            {
              cause,
            },
          );
    log(error);
    return byEmbedding(reasonOf(error), error.code);
  }
  return {
    matched: count.inliers >= rule.minInliers,
    by: 'orb',
    inliers: count.inliers,
    ...(count.rejected !== undefined && { rejected: count.rejected }),
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

/** The fallback reason an ORB thread's error carries (`details.reason`), else `verifier-failed`. */
export function reasonOf(error: IntegrityError): FallbackReason {
  const reason = (error.details as { reason?: unknown } | undefined)?.reason;
  return reason === 'verifier-busy' || reason === 'no-query-image' ? reason : 'verifier-failed';
}
