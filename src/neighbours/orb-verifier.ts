/**
 * Local-feature verification of a near-duplicate candidate: ORB keypoints and binary descriptors
 * (OpenCV's, from the wasm build in the npm package @techstark/opencv-js, no network at run time),
 * brute-force Hamming matching with Lowe's ratio test, then a RANSAC homography; the number of
 * inlier matches says whether two images show the same scene under a crop, a small rotation, a
 * caption strip or a re-encode (a look-alike photo has few geometrically consistent matches). A
 * horizontal flip is verified by extracting the query's features from its mirror as well.
 */
import { createRequire } from 'node:module';
import { IntegrityError } from '../errors.js';
import type { GreyImage } from '../preprocess/orb-grey.js';

export type { GreyImage } from '../preprocess/orb-grey.js';

/** ORB features of one greyscale image: keypoint positions (x, y pairs) and 32-byte descriptors. */
export interface OrbFeatures {
  readonly count: number;
  /** 2 x count: x0, y0, x1, y1, ... in pixels of the image the features were extracted from. */
  readonly points: Float32Array;
  /** 32 x count bytes, one 256-bit descriptor per keypoint. */
  readonly descriptors: Uint8Array;
}

export interface OrbOptions {
  /** Keypoints kept per image (OpenCV's nfeatures). */
  readonly maxKeypoints: number;
  /** Lowe's ratio: a match is kept when its distance is below ratio x the second-best one. */
  readonly ratio: number;
  /** RANSAC reprojection threshold in pixels. */
  readonly ransacPx: number;
  /** What a copy's homography may look like; {@link COPY_GEOMETRY} when absent. */
  readonly geometry?: CopyGeometry;
}

/**
 * The limits a copy's homography (query to indexed, both at the same longer side) stays within.
 * Each has a reason a real copy meets it: a copy is the photo re-encoded, resized, cropped,
 * captioned or rotated by a few degrees (a flip is verified through the query's mirror), so its
 * homography is close to a similarity; a look-alike's RANSAC fit is not held to anything and
 * collapses, stretches or mirrors the points it happens to agree on.
 */
export interface CopyGeometry {
  /**
   * Bounds of the scale sqrt(|det A|) (A: the homography's linear part). Both images are sized to
   * the same longer side, so a resize is scale 1 and a crop keeping a fraction f of the longer side
   * is 1/f: a copy that keeps a third of the photo is at most 3; a caption strip or a crop of the
   * indexed side goes the other way.
   */
  readonly minScale: number;
  readonly maxScale: number;
  /** Largest ratio of A's singular values: a copy stretched in one direction by at most this. */
  readonly maxAnisotropy: number;
  /**
   * Largest change of the homography's projective denominator (h20 x + h21 y + 1) over the query's
   * keypoints, as max / min - 1: 0 for any affine copy (every edit above is affine); the margin is
   * for a fit made on part of the image, whose perspective terms are loosely pinned. A fit that
   * puts the horizon inside the image (a denominator <= 0) is never a copy.
   */
  readonly maxPerspective: number;
  /**
   * Smallest area of the inliers' convex hull, as a fraction of the hull of all the image's
   * keypoints, on each side: a copy keeps a large part of the photo (at the scale bound, a ninth
   * of it), so its inliers spread over it; half a ninth leaves room for inliers only on the
   * textured half. Agreeing matches inside one small patch (a logo, a corner) do not make a copy.
   */
  readonly minSpread: number;
}

export const COPY_GEOMETRY: CopyGeometry = {
  minScale: 1 / 3,
  maxScale: 3,
  maxAnisotropy: 1.5,
  maxPerspective: 0.5,
  minSpread: 0.05,
};

export const DEFAULT_ORB_OPTIONS: OrbOptions = {
  maxKeypoints: 500,
  ratio: 0.75,
  ransacPx: 5,
  geometry: COPY_GEOMETRY,
};

/** Why a RANSAC fit was not taken for a copy (absent: it was). */
export type GeometryRejection =
  'few-matches' | 'no-homography' | 'mirrored' | 'scale' | 'anisotropy' | 'perspective' | 'spread';

/** Everything one verification saw, for the evaluation's records; {@link orbInliers} is its `inliers`. */
export interface OrbMatch {
  /** Ratio-test matches (query keypoint to its best indexed keypoint). */
  readonly ratioMatches: number;
  /** Ratio-test matches kept one to one: each indexed keypoint and each position used once. */
  readonly uniqueMatches: number;
  /** RANSAC inliers among the unique matches. */
  readonly ransacInliers: number;
  /** Row-major 3 x 3, query to indexed pixels, h22 = 1; absent when RANSAC found none. */
  readonly homography?: readonly number[];
  readonly scale?: number;
  readonly anisotropy?: number;
  readonly perspective?: number;
  /** The fit reverses orientation (det A <= 0). */
  readonly mirrored?: boolean;
  /** Inlier hull area over all keypoints' hull area, in the query and in the indexed image. */
  readonly querySpread?: number;
  readonly indexedSpread?: number;
  readonly rejected?: GeometryRejection;
  /** The verification's count: ransacInliers when the geometry is a copy's, else 0. */
  readonly inliers: number;
}

/** The few OpenCV.js calls used here (the package's own typings cover all of OpenCV). */
interface Mat {
  data: Uint8Array;
  data32F: Float32Array;
  data64F: Float64Array;
  rows: number;
  delete(): void;
}
interface Cv {
  Mat: new (rows?: number, cols?: number, type?: number) => Mat;
  CV_8UC1: number;
  CV_32FC2: number;
  NORM_HAMMING: number;
  RANSAC: number;
  ORB: new (nfeatures: number) => {
    detectAndCompute(img: Mat, mask: Mat, kp: KeyPoints, des: Mat): void;
    delete(): void;
  };
  KeyPointVector: new () => KeyPoints;
  BFMatcher: new (
    norm: number,
    crossCheck: boolean,
  ) => {
    knnMatch(a: Mat, b: Mat, out: MatchLists, k: number): void;
    delete(): void;
  };
  DMatchVectorVector: new () => MatchLists;
  findHomography(src: Mat, dst: Mat, method: number, threshold: number, mask: Mat): Mat;
}
interface KeyPoints {
  size(): number;
  get(i: number): { pt: { x: number; y: number } };
  delete(): void;
}
interface MatchLists {
  size(): number;
  get(i: number): {
    size(): number;
    get(j: number): { queryIdx: number; trainIdx: number; distance: number };
  };
  delete(): void;
}

let loading: Promise<{ cv: Cv }> | undefined;

/** OpenCV.js, loaded once per process (its wasm compiles in a few seconds). */
export async function openCv(): Promise<Cv> {
  loading ??= (async () => {
    try {
      const mod = createRequire(import.meta.url)('@techstark/opencv-js') as Partial<Cv> & {
        onRuntimeInitialized?: () => void;
      };
      if (typeof mod.Mat !== 'function')
        await new Promise<void>((resolve) => {
          mod.onRuntimeInitialized = resolve;
        });
      // Emscripten's module is a thenable: left so, every promise resolved with it would never settle.
      delete (mod as { then?: unknown }).then;
      return { cv: mod as Cv };
    } catch (cause) {
      loading = undefined;
      throw new IntegrityError('IW_NEAR_DUPLICATE_UNVERIFIED', 'OpenCV.js did not load', { cause });
    }
  })();
  return (await loading).cv;
}

/** ORB features of a greyscale image (the caller sizes it: ~512 px on the longer side). */
export async function orbFeatures(
  image: GreyImage,
  options: OrbOptions = DEFAULT_ORB_OPTIONS,
): Promise<OrbFeatures> {
  const cv = await openCv();
  const mat = new cv.Mat(image.height, image.width, cv.CV_8UC1);
  const mask = new cv.Mat();
  const kp = new cv.KeyPointVector();
  const des = new cv.Mat();
  const orb = new cv.ORB(options.maxKeypoints);
  try {
    mat.data.set(image.data);
    orb.detectAndCompute(mat, mask, kp, des);
    const count = des.rows;
    const points = new Float32Array(2 * count);
    for (let i = 0; i < count; i++) {
      const { pt } = kp.get(i);
      points[2 * i] = pt.x;
      points[2 * i + 1] = pt.y;
    }
    return { count, points, descriptors: Uint8Array.from(des.data.subarray(0, 32 * count)) };
  } finally {
    for (const m of [mat, mask, kp, des, orb]) m.delete();
  }
}

/** The image flipped left to right (to verify a mirrored copy). */
export function mirrorGrey(image: GreyImage): GreyImage {
  const { width, height, data } = image;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) out[row + width - 1 - x] = data[row + x]!;
  }
  return { data: out, width, height };
}

/**
 * RANSAC homography inliers among the ratio-test matches from `query` to `indexed`, when the
 * homography is one a copy can have ({@link CopyGeometry}); 0 otherwise (fewer than 4 matches, no
 * homography, or a geometry no copy has).
 */
export async function orbInliers(
  query: OrbFeatures,
  indexed: OrbFeatures,
  options: OrbOptions = DEFAULT_ORB_OPTIONS,
): Promise<number> {
  return (await orbMatch(query, indexed, options)).inliers;
}

/** The whole verification of `query` against `indexed`: matches, homography, its geometry, verdict. */
export async function orbMatch(
  query: OrbFeatures,
  indexed: OrbFeatures,
  options: OrbOptions = DEFAULT_ORB_OPTIONS,
): Promise<OrbMatch> {
  const none = (ratioMatches: number, uniqueMatches: number): OrbMatch => ({
    ratioMatches,
    uniqueMatches,
    ransacInliers: 0,
    rejected: 'few-matches',
    inliers: 0,
  });
  if (query.count < 4 || indexed.count < 4) return none(0, 0);
  const cv = await openCv();
  const a = descriptorMat(cv, query);
  const b = descriptorMat(cv, indexed);
  const matcher = new cv.BFMatcher(cv.NORM_HAMMING, false);
  const lists = new cv.DMatchVectorVector();
  try {
    matcher.knnMatch(a, b, lists, 2);
    const ratioPairs: { q: number; t: number; d: number }[] = [];
    for (let i = 0; i < lists.size(); i++) {
      const l = lists.get(i);
      if (l.size() < 2) continue;
      const best = l.get(0);
      if (best.distance < options.ratio * l.get(1).distance)
        ratioPairs.push({ q: best.queryIdx, t: best.trainIdx, d: best.distance });
    }
    const pairs = uniquePairs(query, indexed, ratioPairs);
    if (pairs.length < 4) return none(ratioPairs.length, pairs.length);
    const fit = homographyFit(cv, query, indexed, pairs, options.ransacPx);
    const base = { ratioMatches: ratioPairs.length, uniqueMatches: pairs.length };
    if (fit === undefined) return { ...base, ransacInliers: 0, rejected: 'no-homography', inliers: 0 };
    const g = copyGeometryOf(fit.h, query, indexed, fit.inliers);
    const rejected = geometryRejection(g, options.geometry ?? COPY_GEOMETRY);
    return {
      ...base,
      ransacInliers: fit.inliers.length,
      homography: fit.h,
      ...g,
      ...(rejected !== undefined && { rejected }),
      inliers: rejected === undefined ? fit.inliers.length : 0,
    };
  } finally {
    for (const m of [a, b, matcher, lists]) m.delete();
  }
}

/**
 * The ratio-test matches kept one to one, best Hamming distance first: an indexed keypoint, or a
 * position (to the pixel) on either side, takes part in one match only. ORB finds the same corner at
 * several pyramid levels; without this, one corner agreeing by chance counts as several inliers.
 */
export function uniquePairs(
  query: OrbFeatures,
  indexed: OrbFeatures,
  pairs: readonly { q: number; t: number; d: number }[],
): [number, number][] {
  const key = (f: OrbFeatures, i: number) =>
    `${Math.round(f.points[2 * i]!)},${Math.round(f.points[2 * i + 1]!)}`;
  const usedT = new Set<number>();
  const usedQ = new Set<string>();
  const usedI = new Set<string>();
  const out: [number, number][] = [];
  for (const p of [...pairs].sort((x, y) => x.d - y.d)) {
    const kq = key(query, p.q);
    const ki = key(indexed, p.t);
    if (usedT.has(p.t) || usedQ.has(kq) || usedI.has(ki)) continue;
    usedT.add(p.t);
    usedQ.add(kq);
    usedI.add(ki);
    out.push([p.q, p.t]);
  }
  return out;
}

/** Scale, anisotropy, perspective and inlier spread of a query-to-indexed homography. */
export function copyGeometryOf(
  h: readonly number[],
  query: OrbFeatures,
  indexed: OrbFeatures,
  inliers: readonly [number, number][],
): {
  scale: number;
  anisotropy: number;
  perspective: number;
  mirrored: boolean;
  querySpread: number;
  indexedSpread: number;
} {
  // The linear part at the query's keypoints' centroid (exact for an affine homography).
  const [h00, h01, h02, h10, h11, h12, h20, h21] = h as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < query.count; i++) {
    cx += query.points[2 * i]!;
    cy += query.points[2 * i + 1]!;
  }
  cx /= Math.max(1, query.count);
  cy /= Math.max(1, query.count);
  const w = h20 * cx + h21 * cy + 1;
  const u = h00 * cx + h01 * cy + h02;
  const v = h10 * cx + h11 * cy + h12;
  // Jacobian of (u / w, v / w) at the centroid.
  const a = (h00 * w - u * h20) / (w * w);
  const b = (h01 * w - u * h21) / (w * w);
  const c = (h10 * w - v * h20) / (w * w);
  const d = (h11 * w - v * h21) / (w * w);
  const det = a * d - b * c;
  // Singular values of [[a, b], [c, d]].
  const s = Math.sqrt((a * a + b * b + c * c + d * d) ** 2 - 4 * det * det);
  const s1 = Math.sqrt((a * a + b * b + c * c + d * d + s) / 2);
  const s2 = Math.sqrt(Math.max(0, a * a + b * b + c * c + d * d - s) / 2);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < query.count; i++) {
    const den = h20 * query.points[2 * i]! + h21 * query.points[2 * i + 1]! + 1;
    lo = Math.min(lo, den);
    hi = Math.max(hi, den);
  }
  const pointsOf = (f: OrbFeatures, idx: Iterable<number>) =>
    [...idx].map((i) => [f.points[2 * i]!, f.points[2 * i + 1]!] as [number, number]);
  const all = (f: OrbFeatures) => Array.from({ length: f.count }, (_, i) => i);
  const spread = (f: OrbFeatures, idx: number[]) =>
    hullArea(pointsOf(f, idx)) / Math.max(1e-9, hullArea(pointsOf(f, all(f))));
  return {
    scale: Math.sqrt(Math.abs(det)),
    anisotropy: s2 > 0 ? s1 / s2 : Infinity,
    perspective: query.count > 0 && lo > 0 ? hi / lo - 1 : Infinity,
    mirrored: !(det > 0),
    querySpread: spread(
      query,
      inliers.map(([q]) => q),
    ),
    indexedSpread: spread(
      indexed,
      inliers.map(([, t]) => t),
    ),
  };
}

function geometryRejection(
  g: ReturnType<typeof copyGeometryOf>,
  limits: CopyGeometry,
): GeometryRejection | undefined {
  if (g.mirrored) return 'mirrored';
  // Perspective first: the scale and anisotropy are read at one point, meaningful for a near-affine fit.
  if (!(g.perspective <= limits.maxPerspective)) return 'perspective';
  if (!(g.scale >= limits.minScale && g.scale <= limits.maxScale)) return 'scale';
  if (!(g.anisotropy <= limits.maxAnisotropy)) return 'anisotropy';
  if (!(Math.min(g.querySpread, g.indexedSpread) >= limits.minSpread)) return 'spread';
  return undefined;
}

/** Area of the convex hull of the points (Andrew's monotone chain, shoelace formula). */
export function hullArea(points: readonly (readonly [number, number])[]): number {
  const p = [...points].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  if (p.length < 3) return 0;
  const cross = (o: readonly number[], a: readonly number[], b: readonly number[]) =>
    (a[0]! - o[0]!) * (b[1]! - o[1]!) - (a[1]! - o[1]!) * (b[0]! - o[0]!);
  const half = (pts: typeof p) => {
    const h: (typeof p)[number][] = [];
    for (const q of pts) {
      while (h.length >= 2 && cross(h[h.length - 2]!, h[h.length - 1]!, q) <= 0) h.pop();
      h.push(q);
    }
    h.pop();
    return h;
  };
  const hull = [...half(p), ...half([...p].reverse())];
  let area = 0;
  for (let i = 0; i < hull.length; i++) {
    const [x1, y1] = hull[i]!;
    const [x2, y2] = hull[(i + 1) % hull.length]!;
    area += x1 * y2 - x2 * y1;
  }
  return Math.abs(area) / 2;
}

function descriptorMat(cv: Cv, f: OrbFeatures): Mat {
  const m = new cv.Mat(f.count, 32, cv.CV_8UC1);
  m.data.set(f.descriptors);
  return m;
}

/** RANSAC homography (query to indexed, h22 = 1) and its inlier pairs; undefined when none is found. */
function homographyFit(
  cv: Cv,
  query: OrbFeatures,
  indexed: OrbFeatures,
  pairs: [number, number][],
  ransacPx: number,
): { h: number[]; inliers: [number, number][] } | undefined {
  const src = new cv.Mat(pairs.length, 1, cv.CV_32FC2);
  const dst = new cv.Mat(pairs.length, 1, cv.CV_32FC2);
  const mask = new cv.Mat();
  for (const [k, [q, t]] of pairs.entries()) {
    src.data32F[2 * k] = query.points[2 * q]!;
    src.data32F[2 * k + 1] = query.points[2 * q + 1]!;
    dst.data32F[2 * k] = indexed.points[2 * t]!;
    dst.data32F[2 * k + 1] = indexed.points[2 * t + 1]!;
  }
  let h: Mat | undefined;
  try {
    h = cv.findHomography(src, dst, cv.RANSAC, ransacPx, mask);
    if (h.rows === 0) return undefined;
    const m = Array.from(h.data64F.subarray(0, 9));
    const norm = m[8]!;
    const inliers = pairs.filter((_, i) => mask.data[i] !== 0);
    return { h: m.map((x) => x / norm), inliers };
  } finally {
    for (const m of [src, dst, mask, h]) m?.delete();
  }
}
