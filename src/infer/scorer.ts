import type { ClassScores, ModelRef } from '../scores.js';

/** A model output of one vector per input, beside the scores (the manifest's `embeddings` entry). */
export interface EmbeddingOutput {
  readonly output: string;
  readonly dimension: number;
  /** True when the model already outputs unit-L2-norm vectors. */
  readonly normalized: boolean;
}

/**
 * Scores one input with one model version in two stages: `prepare` turns the input into what the model
 * reads (the preprocess stage: decode and check image bytes, featurize text; IW_IMAGE_DECODE /
 * IW_IMAGE_TOO_LARGE / IW_IMAGE_UNSUPPORTED for bad bytes), `infer` runs the model on it (batched;
 * IW_INFERENCE_FAILED, retriable, when the model could not run). A prepared value may be inferred more
 * than once (retries). `classes` are the names of the scores `infer` returns, in order.
 *
 * A model with an embedding output (`embedding`) also answers `embed`: the vector of the same session
 * call as the scores, so scoring and embedding one input cost one inference.
 */
export interface Scorer<Input = unknown, Prepared = unknown> {
  readonly model: ModelRef;
  readonly classes: readonly string[];
  prepare(input: Input): Promise<Prepared>;
  infer(prepared: Prepared): Promise<ClassScores>;
  readonly embedding?: EmbeddingOutput;
  /** The raw embedding row (normalised only when `embedding.normalized`). Errors as `infer`. */
  embed?(prepared: Prepared): Promise<Float32Array>;
}
