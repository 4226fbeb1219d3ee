/** Model text -> class scores with one text model: prepare (the model kind's, synchronous), then batch. */
import type { Scorer } from './scorer.js';
import { toClassScores } from './class-scores.js';
import type { DynamicBatcher } from './dynamic-batcher.js';
import type { LoadedModel } from './model-repository.js';
import type { TextModelKind } from './text-model-kind.js';

/** `Ctx` and `contextOf` as in BatchedImageScorer. */
export class BatchedTextScorer<Row = unknown, Ctx = undefined> implements Scorer<string, Row> {
  readonly model: { name: string; version: string };
  readonly classes: readonly string[];

  constructor(
    loaded: LoadedModel,
    private readonly kind: TextModelKind<Row>,
    private readonly batcher: DynamicBatcher<Row, Ctx>,
    private readonly contextOf: () => Ctx = () => undefined as Ctx,
  ) {
    this.model = { name: loaded.name, version: loaded.version };
    this.classes = loaded.manifest.outputs[0]!.classes;
  }

  async prepare(text: string): Promise<Row> {
    return this.kind.prepare(text);
  }

  async infer(row: Row): Promise<Record<string, number>> {
    return toClassScores(this.classes, await this.batcher.enqueue(row, this.contextOf()));
  }
}
