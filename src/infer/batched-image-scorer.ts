/**
 * Image bytes -> class scores with one image model: sharp decodes (off the event loop, in libuv's
 * pool), then the row joins the model's dynamic batcher as a writer that resizes straight into its
 * slot of the batch buffer, so no per-image float array exists.
 *
 * Memory: a decoded photo is full size (a 12 MP photo is 36 MB of RGB) and lives until its batch is
 * packed, so at most `maxDecoded` images are between the start of their decode and the end of their
 * batch (default: two batches, one computing while the next fills). Without this gate every pin in
 * flight (MAX_IN_FLIGHT) held its decoded pixels while it waited for the batcher.
 */
import { ConcurrencyLimiter } from '../consume/concurrency-limiter.js';
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
  readonly #decoded: ConcurrencyLimiter;

  constructor(
    loaded: LoadedModel,
    private readonly batcher: DynamicBatcher<ImageRow, undefined>,
    private readonly maxPixels: number,
    maxDecoded = 2 * batcher.maxBatchSize,
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
    this.#decoded = new ConcurrencyLimiter(maxDecoded);
  }

  /** Errors: IW_IMAGE_* from decoding, IW_INFERENCE_FAILED from the batch. */
  async score(bytes: Uint8Array): Promise<Record<string, number>> {
    const output = await this.#decoded.run(async () => {
      const image = await decodeImage(bytes, { maxPixels: this.maxPixels });
      const row: ImageRow = (target, offset) => {
        imageTensorFromPixels(image, this.#spec, target, offset);
      };
      return this.batcher.enqueue(row, undefined);
    });
    return toClassScores(this.#classes, output);
  }
}
