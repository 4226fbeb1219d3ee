/** Model text -> class scores with one text model: featurize (cheap, synchronous), then batch. */
import { IntegrityError } from '../errors.js';
import { TextFeaturizer, type TextFeaturizerSpec } from '../preprocess/text-features.js';
import type { Scorer } from './scorer.js';
import { toClassScores } from './class-scores.js';
import type { DynamicBatcher } from './dynamic-batcher.js';
import type { LoadedModel } from './model-repository.js';
import type { SparseRow } from './sparse-text-tensor-packer.js';

/** `Ctx` and `contextOf` as in BatchedImageScorer. */
export class BatchedTextScorer<Ctx = undefined> implements Scorer<string, SparseRow> {
  readonly model: { name: string; version: string };
  readonly #featurizer: TextFeaturizer;
  readonly classes: readonly string[];

  /** Throws IW_MODEL_MANIFEST when the manifest asks for a featurizer this build does not have. */
  constructor(
    loaded: LoadedModel,
    private readonly batcher: DynamicBatcher<SparseRow, Ctx>,
    private readonly contextOf: () => Ctx = () => undefined as Ctx,
  ) {
    const pre = loaded.manifest.preprocess;
    if (pre.kind !== 'text') {
      throw new IntegrityError('IW_MODEL_MANIFEST', `${loaded.id} is not a text model`, {
        details: { field: 'preprocess.kind' },
      });
    }
    this.model = { name: loaded.name, version: loaded.version };
    this.#featurizer = new TextFeaturizer(pre as unknown as TextFeaturizerSpec);
    this.classes = loaded.manifest.outputs[0]!.classes;
  }

  async prepare(text: string): Promise<SparseRow> {
    return this.#featurizer.featurize(text);
  }

  async infer(row: SparseRow): Promise<Record<string, number>> {
    return toClassScores(this.classes, await this.batcher.enqueue(row, this.contextOf()));
  }
}
