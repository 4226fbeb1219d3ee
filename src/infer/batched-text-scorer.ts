/**
 * Model text -> class scores (and the embedding, when the model has one) with one text model: prepare
 * (the model kind's, synchronous), then batch. An embedding model (`outputs` empty, task
 * `text-embedding`) has no classes: its embedding is the batch's main output, and `infer` returns no
 * scores without running anything.
 */
import { IntegrityError } from '../errors.js';
import { embeddingOutputOf, shared, type EmbeddingOutput, type Scorer } from './scorer.js';
import { toClassScores } from './class-scores.js';
import type { DynamicBatcher } from './dynamic-batcher.js';
import type { LoadedModel } from './model-repository.js';
import type { TextModelKind } from './text-model-kind.js';

/** `Ctx` and `contextOf` as in BatchedImageScorer. */
export class BatchedTextScorer<Row = unknown, Ctx = undefined> implements Scorer<string, Row> {
  readonly model: { name: string; version: string };
  readonly classes: readonly string[];
  readonly embedding?: EmbeddingOutput;
  /** Where the embedding row is among the batch's outputs: 0 for an embedding model, else 1. */
  readonly #embeddingAt: number;
  readonly #runs = new WeakMap<object, Promise<Float32Array[]>>();

  constructor(
    loaded: LoadedModel,
    private readonly kind: TextModelKind<Row>,
    private readonly batcher: DynamicBatcher<Row, Ctx>,
    private readonly contextOf: () => Ctx = () => undefined as Ctx,
  ) {
    this.model = { name: loaded.name, version: loaded.version };
    this.classes = loaded.manifest.outputs[0]?.classes ?? [];
    this.#embeddingAt = loaded.manifest.outputs.length > 0 ? 1 : 0;
    const embedding = embeddingOutputOf(loaded.manifest.embeddings);
    if (embedding) this.embedding = embedding;
  }

  async prepare(text: string): Promise<Row> {
    return this.kind.prepare(text);
  }

  async infer(row: Row): Promise<Record<string, number>> {
    if (this.classes.length === 0) return {};
    return toClassScores(this.classes, (await this.#run(row))[0]!);
  }

  /** The embedding row of the same session call as `infer`'s scores. Errors: IW_INFERENCE_FAILED. */
  async embed(row: Row): Promise<Float32Array> {
    if (!this.embedding) {
      throw new IntegrityError(
        'IW_MODEL_MANIFEST',
        `${this.model.name}@${this.model.version} has no embedding`,
      );
    }
    return (await this.#run(row))[this.#embeddingAt]!;
  }

  /**
   * One session call per prepared row for its scores and its embedding. Only a model with an embedding
   * has two readers of one call to share; a classifier's rows go straight to the batcher.
   */
  #run(row: Row): Promise<Float32Array[]> {
    const run = () => this.batcher.enqueueAll(row, this.contextOf());
    if (!this.embedding || typeof row !== 'object' || row === null) return run();
    return shared(this.#runs, row, run);
  }
}
