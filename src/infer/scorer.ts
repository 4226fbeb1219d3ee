import type { ClassScores, ModelRef } from '../scores.js';

/**
 * Scores one input with one model version in two stages: `prepare` turns the input into what the model
 * reads (the preprocess stage: decode and check image bytes, featurize text; IW_IMAGE_DECODE /
 * IW_IMAGE_TOO_LARGE / IW_IMAGE_UNSUPPORTED for bad bytes), `infer` runs the model on it (batched;
 * IW_INFERENCE_FAILED, retriable, when the model could not run). A prepared value may be inferred more
 * than once (retries). `classes` are the names of the scores `infer` returns, in order.
 */
export interface Scorer<Input = unknown, Prepared = unknown> {
  readonly model: ModelRef;
  readonly classes: readonly string[];
  prepare(input: Input): Promise<Prepared>;
  infer(prepared: Prepared): Promise<ClassScores>;
}
