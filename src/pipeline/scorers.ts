import type { ClassScores } from '../cache/signal-cache.js';
import type { ModelRef } from './signal-result.js';

/**
 * Scores image bytes with one model version: decode, preprocess as the manifest says, infer (batched).
 * Throws IW_IMAGE_DECODE / IW_IMAGE_TOO_LARGE / IW_IMAGE_UNSUPPORTED for bad bytes and
 * IW_INFERENCE_FAILED (retriable) when the model could not run.
 */
export interface ImageScorer {
  readonly model: ModelRef;
  score(bytes: Buffer): Promise<ClassScores>;
}

/** Scores the model text of a pin (see `src/preprocess/pin-text.ts`) with one model version. */
export interface TextScorer {
  readonly model: ModelRef;
  score(text: string): Promise<ClassScores>;
}
