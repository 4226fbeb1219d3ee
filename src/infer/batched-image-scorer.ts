/**
 * Image bytes -> class scores (and the embedding, when the model has one) with one image model: sharp
 * decodes (off the event loop, in libuv's pool), then the row joins the model's dynamic batcher as a
 * writer that resizes straight into its slot of the batch buffer, so no per-image float array exists.
 *
 * One decode and one inference per image, whatever number of signals read it: `prepare` is shared by
 * concurrent callers with the same bytes (the same Buffer: content is loaded once per pin), and
 * `infer` and `embed` of one prepared row share one session call. A failure is shared by the callers
 * waiting on it and then forgotten, so a retry computes again.
 */
import { IntegrityError } from '../errors.js';
import { decodeImage, SHRINK_TO, type ImageDecodeOptions } from '../preprocess/image-decode.js';
import { imageTensorFromPixels, type ImagePreprocessSpec } from '../preprocess/image-tensor.js';
import { embeddingOutputOf, shared, type EmbeddingOutput, type Scorer } from './scorer.js';
import { toClassScores } from './class-scores.js';
import type { DynamicBatcher } from './dynamic-batcher.js';
import type { ImageRow } from './image-tensor-packer.js';
import type { LoadedModel } from './model-repository.js';

/**
 * `Ctx` is what each request hands the batcher for its observer (the caller's span context);
 * `contextOf` captures it when a row is enqueued.
 */
export class BatchedImageScorer<Ctx = undefined> implements Scorer<Uint8Array, ImageRow> {
  readonly model: { name: string; version: string };
  readonly #spec: ImagePreprocessSpec;
  readonly classes: readonly string[];
  readonly embedding?: EmbeddingOutput;
  readonly #prepared = new WeakMap<Uint8Array, Promise<ImageRow>>();
  readonly #runs = new WeakMap<ImageRow, Promise<Float32Array[]>>();
  readonly #decode: ImageDecodeOptions;

  /** `shrinkOnLoad` (IMAGE_DECODE_SHRINK): large JPEG and WebP decoded straight to 2 x the model input. */
  constructor(
    loaded: LoadedModel,
    private readonly batcher: DynamicBatcher<ImageRow, Ctx>,
    maxPixels: number,
    private readonly contextOf: () => Ctx = () => undefined as Ctx,
    shrinkOnLoad = false,
  ) {
    const pre = loaded.manifest.preprocess;
    if (pre.kind !== 'image') {
      throw new IntegrityError('IW_MODEL_MANIFEST', `${loaded.id} is not an image model`, {
        details: { field: 'preprocess.kind' },
      });
    }
    this.model = { name: loaded.name, version: loaded.version };
    this.#spec = pre as unknown as ImagePreprocessSpec;
    if (
      shrinkOnLoad &&
      (2 * this.#spec.width > SHRINK_TO.width || 2 * this.#spec.height > SHRINK_TO.height)
    ) {
      // The decoded-image gate accounts shrunk images at SHRINK_TO: a larger bound would exceed it.
      throw new IntegrityError(
        'IW_MODEL_MANIFEST',
        `${loaded.id} takes ${this.#spec.width}x${this.#spec.height}: shrink-on-load serves inputs up to ${SHRINK_TO.width / 2}x${SHRINK_TO.height / 2}`,
        { details: { field: 'preprocess.width' } },
      );
    }
    this.#decode = { maxPixels, ...(shrinkOnLoad && { shrinkTo: SHRINK_TO }) };
    this.classes = loaded.manifest.outputs[0]!.classes;
    const embedding = embeddingOutputOf(loaded.manifest.embeddings);
    if (embedding) this.embedding = embedding;
  }

  /** Decodes the bytes into a row writer for the batch buffer. Errors: IW_IMAGE_* from decoding. */
  prepare(bytes: Uint8Array): Promise<ImageRow> {
    return shared(this.#prepared, bytes, async () => {
      const image = await decodeImage(bytes, this.#decode);
      const row: ImageRow = (target, offset) => {
        imageTensorFromPixels(image, this.#spec, target, offset);
      };
      return row;
    });
  }

  /** Errors: IW_INFERENCE_FAILED from the batch. */
  async infer(row: ImageRow): Promise<Record<string, number>> {
    return toClassScores(this.classes, (await this.#run(row))[0]!);
  }

  /** The embedding row of the same session call as `infer`'s scores. */
  async embed(row: ImageRow): Promise<Float32Array> {
    if (!this.embedding) {
      throw new IntegrityError(
        'IW_MODEL_MANIFEST',
        `${this.model.name}@${this.model.version} has no embedding`,
      );
    }
    return (await this.#run(row))[1]!;
  }

  #run(row: ImageRow): Promise<Float32Array[]> {
    return shared(this.#runs, row, () => this.batcher.enqueueAll(row, this.contextOf()));
  }
}
