import type { ClassScores, ModelRef } from '../scores.js';
import type { ManifestEmbedding } from './model-manifest.js';

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

/** A manifest's first embedding as a scorer's `embedding` (undefined when the model has none). */
export function embeddingOutputOf(
  embeddings: readonly ManifestEmbedding[] | undefined,
): EmbeddingOutput | undefined {
  const embedding = embeddings?.[0];
  return (
    embedding && { output: embedding.name, dimension: embedding.shape[1], normalized: embedding.normalized }
  );
}

/**
 * One promise per key while the key lives (so `infer` and `embed` of one prepared input share one
 * session call); a rejection is forgotten, so a retry computes again.
 */
export function shared<K extends object, V>(
  memo: WeakMap<K, Promise<V>>,
  key: K,
  compute: () => Promise<V>,
): Promise<V> {
  const known = memo.get(key);
  if (known) return known;
  const promise = compute();
  memo.set(key, promise);
  promise.catch(() => memo.delete(key));
  return promise;
}
