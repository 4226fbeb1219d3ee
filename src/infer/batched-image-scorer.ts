/**
 * Image bytes -> class scores with one image model: sharp decodes (off the event loop, in libuv's
 * pool), then the row joins the model's dynamic batcher as a writer that resizes straight into its
 * slot of the batch buffer, so no per-image float array exists.
 */
import { IntegrityError } from '../errors.js';
import { decodeImage } from '../preprocess/image-decode.js';
import { imageTensorFromPixels, type ImagePreprocessSpec } from '../preprocess/image-tensor.js';
import type { Scorer } from './scorer.js';
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

  constructor(
    loaded: LoadedModel,
    private readonly batcher: DynamicBatcher<ImageRow, Ctx>,
    private readonly maxPixels: number,
    private readonly contextOf: () => Ctx = () => undefined as Ctx,
  ) {
    const pre = loaded.manifest.preprocess;
    if (pre.kind !== 'image') {
      throw new IntegrityError('IW_MODEL_MANIFEST', `${loaded.id} is not an image model`, {
        details: { field: 'preprocess.kind' },
      });
    }
    this.model = { name: loaded.name, version: loaded.version };
    this.#spec = pre as unknown as ImagePreprocessSpec;
    this.classes = loaded.manifest.outputs[0]!.classes;
  }

  /** Decodes the bytes into a row writer for the batch buffer. Errors: IW_IMAGE_* from decoding. */
  async prepare(bytes: Uint8Array): Promise<ImageRow> {
    const image = await decodeImage(bytes, { maxPixels: this.maxPixels });
    return (target, offset) => {
      imageTensorFromPixels(image, this.#spec, target, offset);
    };
  }

  /** Errors: IW_INFERENCE_FAILED from the batch. */
  async infer(row: ImageRow): Promise<Record<string, number>> {
    return toClassScores(this.classes, await this.batcher.enqueue(row, this.contextOf()));
  }
}
