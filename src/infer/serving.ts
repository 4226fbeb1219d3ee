/**
 * Builds everything that turns content into scores: loads the model versions the declared signals
 * name (checksum, contract, warm-up), gives each a dynamic batcher over a worker-thread session and a
 * scorer chosen by its manifest (`preprocess.kind`: image or text). Resolves only when all of it is
 * ready. Used by the composition root and by `integrity-worker classify`. The policy is not loaded
 * here: serving knows models, not decisions.
 */
import type { SpanContext, Tracer } from '@opentelemetry/api';
import type { Config } from '../config/load-config.js';
import { IntegrityError } from '../errors.js';
import { modelId, type ModelRef } from '../scores.js';
import { activeSpanContext, recordBatchSpan } from '../telemetry/batch-spans.js';
import type { Logger } from '../telemetry/logger.js';
import type { WorkerMetrics } from '../telemetry/worker-metrics.js';
import { BatchedImageScorer } from './batched-image-scorer.js';
import { BatchedTextScorer } from './batched-text-scorer.js';
import { DynamicBatcher, type BatchObservation } from './dynamic-batcher.js';
import { ImageTensorPacker, type ImageRow } from './image-tensor-packer.js';
import { ModelRepository, type LoadedModel } from './model-repository.js';
import type { Scorer } from './scorer.js';
import type { SessionFactory } from './session-runner.js';
import type { SupervisorEvent } from './supervised-session.js';
import { loadTextModelKind } from './text-model-kind.js';

export type ServingConfig = Pick<
  Config,
  | 'MODELS_DIR'
  | 'IMAGE_MAX_BATCH'
  | 'TEXT_MAX_BATCH'
  | 'INFER_MAX_QUEUE_DELAY_MS'
  | 'ORT_INTRA_OP_THREADS'
  | 'ORT_INTER_OP_THREADS'
  | 'ORT_ALLOW_SPINNING'
  | 'IMAGE_MAX_PIXELS'
  | 'IMAGE_DECODE_SHRINK'
>;

export interface Serving {
  /** The scorer of a loaded model; throws IW_MODEL_NOT_FOUND for a model that was not asked for. */
  scorer(model: ModelRef): Scorer;
  readonly models: readonly LoadedModel[];
  readonly modelIds: readonly string[];
  /** True while every model has a live session (false from a crash until its replacement is warm). */
  ready(): boolean;
  /** Drains every batcher, then ends the sessions. */
  close(): Promise<void>;
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
  wanted: readonly ModelRef[],
  telemetry: ServingTelemetry = {},
  createSession?: SessionFactory,
): Promise<Serving> {
  const { metrics, logger, tracer } = telemetry;
  const supervisor = (event: SupervisorEvent): void => {
    if (event.kind === 'down') logger?.error({ model: event.model, err: event.error }, 'model session died');
    else if (event.kind === 'restart-failed')
      logger?.error(
        { model: event.model, attempt: event.attempt, nextDelayMs: event.nextDelayMs, err: event.error },
        'model session restart failed',
      );
    else {
      metrics?.modelRestarts.add(1, { model: event.model });
      logger?.warn({ model: event.model, downMs: Math.round(event.downMs) }, 'model session restarted');
    }
  };
  const repository = new ModelRepository({
    root: config.MODELS_DIR,
    session: {
      intraOpNumThreads: config.ORT_INTRA_OP_THREADS,
      interOpNumThreads: config.ORT_INTER_OP_THREADS,
      allowSpinning: config.ORT_ALLOW_SPINNING,
    },
    supervision: { observer: supervisor },
    ...(createSession && { createSession }),
  });
  const unique = [...new Map(wanted.map((m) => [modelId(m), m])).values()];
  const loaded = await Promise.allSettled(unique.map((m) => repository.load(m.name, m.version)));
  const failed = loaded.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  const models = loaded.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  if (failed) {
    await Promise.all(models.map((m) => m.session.close()));
    throw failed.reason;
  }
  try {
    for (const m of models) logger?.info({ model: m.id, warmupMs: Math.round(m.warmupMs) }, 'model ready');

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
      extraOutputs: readonly string[] = [],
    ) =>
      new DynamicBatcher<Row, Ctx>({
        model: model.id,
        packer,
        run: (feeds) => model.session.run(feeds),
        // An embedding model has no class scores: its embedding is the main output.
        outputName: model.manifest.outputs[0]?.name ?? model.manifest.embeddings![0]!.name,
        extraOutputs,
        maxBatchSize,
        maxQueueDelayMs: config.INFER_MAX_QUEUE_DELAY_MS,
        observer,
      });
    const batchers: { close(): Promise<void> }[] = [];
    const scorers = new Map<string, Scorer>();
    for (const model of models) {
      if (model.manifest.preprocess.kind === 'image') {
        const imageBatcher = batcher<ImageRow>(
          model,
          new ImageTensorPacker(model.manifest.inputs[0]!),
          config.IMAGE_MAX_BATCH,
          // The first embedding output rides along with the scores: one session call for both.
          (model.manifest.embeddings ?? []).slice(0, 1).map((e) => e.name),
        );
        batchers.push(imageBatcher);
        scorers.set(
          model.id,
          new BatchedImageScorer(
            model,
            imageBatcher,
            config.IMAGE_MAX_PIXELS,
            activeSpanContext,
            config.IMAGE_DECODE_SHRINK,
          ) as Scorer,
        );
      } else {
        const textKind = await loadTextModelKind(model);
        const textBatcher = batcher<unknown>(
          model,
          textKind.packer,
          config.TEXT_MAX_BATCH,
          model.manifest.outputs.length > 0
            ? (model.manifest.embeddings ?? []).slice(0, 1).map((e) => e.name)
            : [],
        );
        batchers.push(textBatcher);
        scorers.set(
          model.id,
          new BatchedTextScorer(model, textKind, textBatcher, activeSpanContext) as Scorer,
        );
      }
    }
    return {
      scorer(model) {
        const scorer = scorers.get(modelId(model));
        if (!scorer) throw new IntegrityError('IW_MODEL_NOT_FOUND', `${modelId(model)} is not served`);
        return scorer;
      },
      models,
      modelIds: models.map((m) => m.id),
      ready: () => models.every((m) => m.session.up),
      async close() {
        await Promise.all(batchers.map((b) => b.close()));
        await Promise.all(models.map((m) => m.session.close()));
      },
    };
  } catch (error) {
    await Promise.all(models.map((m) => m.session.close()));
    throw error;
  }
}
