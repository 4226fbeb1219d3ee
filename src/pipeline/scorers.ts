import type { ClassScores } from '../cache/signal-cache.js';
import type { ModelRef } from './signal-result.js';

/**
 * Scores image bytes with one model version in two stages: `prepare` decodes and checks the bytes
 * (the preprocess stage; IW_IMAGE_DECODE / IW_IMAGE_TOO_LARGE / IW_IMAGE_UNSUPPORTED for bad bytes),
 * `infer` runs the model on what `prepare` returned (batched; IW_INFERENCE_FAILED, retriable, when
 * the model could not run). A prepared value may be inferred more than once (retries).
 */
export interface ImageScorer<Prepared = unknown> {
  readonly model: ModelRef;
  prepare(bytes: Buffer): Promise<Prepared>;
  infer(prepared: Prepared): Promise<ClassScores>;
}

/** Scores the model text of a pin (see `src/preprocess/pin-text.ts`) with one model version, in the same two stages. */
export interface TextScorer<Prepared = unknown> {
  readonly model: ModelRef;
  prepare(text: string): Promise<Prepared>;
  infer(prepared: Prepared): Promise<ClassScores>;
}

/** Both stages at once, for callers without stages (the classify command). */
export async function scoreWith<Input>(
  scorer: { prepare(input: Input): Promise<unknown>; infer(prepared: unknown): Promise<ClassScores> },
  input: Input,
): Promise<ClassScores> {
  return scorer.infer(await scorer.prepare(input));
}
