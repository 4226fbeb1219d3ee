/**
 * Builds everything that turns content into scores and scores into decisions: loads the configured
 * image and text model versions (checksum, contract, warm-up), gives each a dynamic batcher over a
 * worker-thread session, and loads the policy, checked against the models' classes. Resolves only
 * when all of it is ready. Used by the composition root and by `integrity-worker classify`.
 */
import type { SpanContext, Tracer } from '@opentelemetry/api';
import type { Config } from '../config/load-config.js';
import type { ImageScorer, TextScorer } from '../pipeline/scorers.js';
import { PolicyEngine } from '../policy/policy-engine.js';
import { checkRuleClasses, readPolicy } from '../policy/policy.js';
import { activeSpanContext, recordBatchSpan } from '../telemetry/batch-spans.js';
import type { Logger } from '../telemetry/logger.js';
import type { WorkerMetrics } from '../telemetry/worker-metrics.js';
import { BatchedImageScorer } from './batched-image-scorer.js';
import { BatchedTextScorer } from './batched-text-scorer.js';
import { DynamicBatcher, type BatchObservation } from './dynamic-batcher.js';
import { ImageTensorPacker, type ImageRow } from './image-tensor-packer.js';
import { ModelRepository, type LoadedModel } from './model-repository.js';
import type { SessionFactory } from './session-runner.js';
import { loadTextModelKind } from './text-model-kind.js';

export type ServingConfig = Pick<
  Config,
  | 'MODELS_DIR'
  | 'IMAGE_MODEL'
  | 'TEXT_MODEL'
  | 'POLICY_FILE'
  | 'IMAGE_MAX_BATCH'
  | 'TEXT_MAX_BATCH'
  | 'INFER_MAX_QUEUE_DELAY_MS'
  | 'ORT_INTRA_OP_THREADS'
  | 'ORT_INTER_OP_THREADS'
  | 'IMAGE_MAX_PIXELS'
>;

export interface Serving {
  readonly image: ImageScorer;
  readonly text: TextScorer;
  readonly policy: PolicyEngine;
  readonly models: { readonly image: LoadedModel; readonly text: LoadedModel };
  readonly modelIds: readonly string[];
  /** Drains both batchers, then ends the sessions. */
  close(): Promise<void>;
}

function splitRef(ref: string): [string, string] {
  const at = ref.lastIndexOf('@');
  return [ref.slice(0, at), ref.slice(at + 1)];
}

/** What serving reports to: batch metrics, a span per batch linked to its records, failed-batch logs. */
export interface ServingTelemetry {
  metrics?: WorkerMetrics;
  logger?: Logger;
  tracer?: Tracer;
}

type Ctx = SpanContext | undefined;

export async function loadServing(
  config: ServingConfig,
  telemetry: ServingTelemetry = {},
  createSession?: SessionFactory,
): Promise<Serving> {
  const { metrics, logger, tracer } = telemetry;
  const repository = new ModelRepository({
    root: config.MODELS_DIR,
    session: {
      intraOpNumThreads: config.ORT_INTRA_OP_THREADS,
      interOpNumThreads: config.ORT_INTER_OP_THREADS,
    },
    ...(createSession && { createSession }),
  });
  const policy = new PolicyEngine(await readPolicy(config.POLICY_FILE));
  const loaded = await Promise.allSettled([
    repository.load(...splitRef(config.IMAGE_MODEL)),
    repository.load(...splitRef(config.TEXT_MODEL)),
  ]);
  const [imageResult, textResult] = loaded;
  if (imageResult.status === 'rejected' || textResult.status === 'rejected') {
    await Promise.all(loaded.map((r) => (r.status === 'fulfilled' ? r.value.session.close() : undefined)));
    throw imageResult.status === 'rejected'
      ? imageResult.reason
      : (textResult as PromiseRejectedResult).reason;
  }
  const image = imageResult.value;
  const text = textResult.value;
  try {
    checkRuleClasses(policy.policy, 'image.safety', image.name, image.manifest.outputs[0]!.classes);
    checkRuleClasses(policy.policy, 'text.spam', text.name, text.manifest.outputs[0]!.classes);
    for (const m of [image, text])
      logger?.info({ model: m.id, warmupMs: Math.round(m.warmupMs) }, 'model ready');

    const observer = (o: BatchObservation<Ctx>): void => {
      if (tracer) recordBatchSpan(tracer, o);
      if (metrics) {
        metrics.batchSize.record(o.size, { model: o.model });
        metrics.batchCompute.record(o.computeMs, { model: o.model });
        for (const wait of o.queueWaitMs) metrics.batchQueueWait.record(wait, { model: o.model });
      }
      if (o.error)
        logger?.warn({ model: o.model, size: o.size, err: o.error.cause }, 'inference batch failed');
    };
    const batcher = <Row>(
      model: LoadedModel,
      packer: ConstructorParameters<typeof DynamicBatcher<Row, Ctx>>[0]['packer'],
      maxBatchSize: number,
    ) =>
      new DynamicBatcher<Row, Ctx>({
        model: model.id,
        packer,
        run: (feeds) => model.session.run(feeds),
        outputName: model.manifest.outputs[0]!.name,
        maxBatchSize,
        maxQueueDelayMs: config.INFER_MAX_QUEUE_DELAY_MS,
        observer,
      });
    const imageBatcher = batcher<ImageRow>(
      image,
      new ImageTensorPacker(image.manifest.inputs[0]!),
      config.IMAGE_MAX_BATCH,
    );
    const textKind = await loadTextModelKind(text);
    const textBatcher = batcher<unknown>(text, textKind.packer, config.TEXT_MAX_BATCH);
    return {
      image: new BatchedImageScorer(image, imageBatcher, config.IMAGE_MAX_PIXELS, activeSpanContext),
      text: new BatchedTextScorer(text, textKind, textBatcher, activeSpanContext),
      policy,
      models: { image, text },
      modelIds: [image.id, text.id],
      async close() {
        await Promise.all([imageBatcher.close(), textBatcher.close()]);
        await Promise.all([image.session.close(), text.session.close()]);
      },
    };
  } catch (error) {
    await Promise.all([image.session.close(), text.session.close()]);
    throw error;
  }
}
