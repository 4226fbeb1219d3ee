/**
 * The text yardstick: how fast this machine turns pin texts into scores with the worker's own code
 * and nothing else (no Kafka, no cache, no spans): the model kind's `prepare` (the featurizer, on the
 * main thread as in the worker), the packer, and the model's session in its worker thread, exactly as
 * serving builds them. One batch is featurized while the previous one computes, as in the worker.
 * Also the featurizer alone (texts/s on the main thread), the first cost of the worker's event loop.
 */
import { ModelRepository, type LoadedModel } from '../../src/infer/model-repository.js';
import { loadTextModelKind, type TextModelKind } from '../../src/infer/text-model-kind.js';

export interface TextLimitPoint {
  batch: number;
  textsPerSecond: number;
  texts: number;
}

export interface TextLimitResult {
  model: string;
  /** prepare + pack + inference, per batch size. */
  points: TextLimitPoint[];
  best: TextLimitPoint;
  /** The worker's batch size (TEXT_MAX_BATCH) among `points`. */
  workerBatch: TextLimitPoint | undefined;
  /** The model kind's `prepare` alone, on the main thread. */
  prepareOnly: number;
}

async function loadModel(modelsDir: string, ref: string, allowSpinning: boolean): Promise<LoadedModel> {
  const at = ref.lastIndexOf('@');
  // One intra-op thread (a linear model gains nothing from two); spinning as the worker runs it.
  const repo = new ModelRepository({
    root: modelsDir,
    session: { intraOpNumThreads: 1, interOpNumThreads: 1, allowSpinning },
  });
  return repo.load(ref.slice(0, at), ref.slice(at + 1));
}

async function pipelined(
  model: LoadedModel,
  kind: TextModelKind<unknown>,
  texts: readonly string[],
  batch: number,
  seconds: number,
): Promise<TextLimitPoint> {
  let cursor = 0;
  const prepare = () =>
    kind.packer.pack(Array.from({ length: batch }, () => kind.prepare(texts[cursor++ % texts.length]!)));
  await model.session.run(prepare()); // warm-up at this batch size
  let done = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let running = model.session.run(prepare());
  while (performance.now() < deadline) {
    const next = prepare(); // featurized while the previous batch computes
    await running;
    done += batch;
    running = model.session.run(next);
  }
  await running;
  done += batch;
  return { batch, texts: done, textsPerSecond: done / ((performance.now() - started) / 1000) };
}

function prepareOnly(kind: TextModelKind<unknown>, texts: readonly string[], seconds: number): number {
  for (const t of texts.slice(0, 2000)) kind.prepare(t); // warm-up
  let done = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    for (let i = 0; i < 1000; i++) kind.prepare(texts[done++ % texts.length]!);
  }
  return done / ((performance.now() - started) / 1000);
}

export async function measureTextLimit(options: {
  modelsDir: string;
  model: string;
  texts: readonly string[];
  batches: readonly number[];
  workerBatch: number;
  seconds: number;
  log: (line: string) => void;
  /** ORT's pool threads spin-wait, as with ORT_ALLOW_SPINNING=true (the worker's setting). */
  allowSpinning: boolean;
}): Promise<TextLimitResult> {
  const model = await loadModel(options.modelsDir, options.model, options.allowSpinning);
  try {
    const kind = await loadTextModelKind(model);
    const rate = prepareOnly(kind, options.texts, options.seconds);
    options.log(`limit: text ${options.model}, featurize alone: ${rate.toFixed(0)} texts/s`);
    const points: TextLimitPoint[] = [];
    for (const batch of options.batches) {
      const point = await pipelined(model, kind, options.texts, batch, options.seconds);
      points.push(point);
      options.log(`limit: text ${options.model}, batch ${batch}: ${point.textsPerSecond.toFixed(0)} texts/s`);
    }
    const best = points.reduce((a, b) => (b.textsPerSecond > a.textsPerSecond ? b : a));
    return {
      model: options.model,
      points,
      best,
      workerBatch: points.find((p) => p.batch === options.workerBatch),
      prepareOnly: rate,
    };
  } finally {
    await model.session.close();
  }
}
