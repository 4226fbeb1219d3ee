/**
 * Image bytes -> class scores with one image model: sharp decodes (off the event loop, in libuv's
 * pool), then the row joins the model's dynamic batcher as a writer that resizes straight into its
 * slot of the batch buffer, so no per-image float array exists.
 */
import { IntegrityError } from '../errors.js';
import { decodeImage } from '../preprocess/image-decode.js';
import { imageTensorFromPixels, type ImagePreprocessSpec } from '../preprocess/image-tensor.js';
import type { ImageScorer } from '../pipeline/scorers.js';
import { toClassScores } from './class-scores.js';
import type { DynamicBatcher } from './dynamic-batcher.js';
import type { ImageRow } from './image-tensor-packer.js';
import type { LoadedModel } from './model-repository.js';

export class BatchedImageScorer implements ImageScorer {
  readonly model: { name: string; version: string };
  readonly #spec: ImagePreprocessSpec;
  readonly #classes: readonly string[];

  constructor(
    loaded: LoadedModel,
    private readonly batcher: DynamicBatcher<ImageRow, undefined>,
    private readonly maxPixels: number,
  ) {
    const pre = loaded.manifest.preprocess;
    if (pre.kind !== 'image') {
      throw new IntegrityError('IW_MODEL_MANIFEST', `${loaded.id} is not an image model`, {
        details: { field: 'preprocess.kind' },
      });
    }
    this.model = { name: loaded.name, version: loaded.version };
    this.#spec = pre as unknown as ImagePreprocessSpec;
    this.#classes = loaded.manifest.outputs[0]!.classes;
  }

  /** Errors: IW_IMAGE_* from decoding, IW_INFERENCE_FAILED from the batch. */
  async score(bytes: Uint8Array): Promise<Record<string, number>> {
    const image = await decodeImage(bytes, { maxPixels: this.maxPixels });
    const row: ImageRow = (target, offset) => {
      imageTensorFromPixels(image, this.#spec, target, offset);
    };
    return toClassScores(this.#classes, await this.batcher.enqueue(row, undefined));
  }
}
