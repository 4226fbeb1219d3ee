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
}

export const DEFAULT_ORB_OPTIONS: OrbOptions = { maxKeypoints: 500, ratio: 0.75, ransacPx: 5 };

/** The few OpenCV.js calls used here (the package's own typings cover all of OpenCV). */
interface Mat {
  data: Uint8Array;
  data32F: Float32Array;
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
 * RANSAC homography inliers among the ratio-test matches from `query` to `indexed` (0 with fewer
 * than 4 matches, or when no homography is found).
 */
export async function orbInliers(
  query: OrbFeatures,
  indexed: OrbFeatures,
  options: OrbOptions = DEFAULT_ORB_OPTIONS,
): Promise<number> {
  if (query.count < 4 || indexed.count < 4) return 0;
  const cv = await openCv();
  const a = descriptorMat(cv, query);
  const b = descriptorMat(cv, indexed);
  const matcher = new cv.BFMatcher(cv.NORM_HAMMING, false);
  const lists = new cv.DMatchVectorVector();
  try {
    matcher.knnMatch(a, b, lists, 2);
    const pairs: [number, number][] = [];
    for (let i = 0; i < lists.size(); i++) {
      const l = lists.get(i);
      if (l.size() < 2) continue;
      const best = l.get(0);
      if (best.distance < options.ratio * l.get(1).distance) pairs.push([best.queryIdx, best.trainIdx]);
    }
    if (pairs.length < 4) return 0;
    return homographyInliers(cv, query, indexed, pairs, options.ransacPx);
  } finally {
    for (const m of [a, b, matcher, lists]) m.delete();
  }
}

function descriptorMat(cv: Cv, f: OrbFeatures): Mat {
  const m = new cv.Mat(f.count, 32, cv.CV_8UC1);
  m.data.set(f.descriptors);
  return m;
}

function homographyInliers(
  cv: Cv,
  query: OrbFeatures,
  indexed: OrbFeatures,
  pairs: [number, number][],
  ransacPx: number,
): number {
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
    if (h.rows === 0) return 0;
    let inliers = 0;
    for (let i = 0; i < mask.rows; i++) if (mask.data[i] !== 0) inliers++;
    return inliers;
  } finally {
    for (const m of [src, dst, mask, h]) m?.delete();
  }
}
