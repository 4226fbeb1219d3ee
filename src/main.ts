/**
 * The composition root: the one place that builds every client and stage of the worker and wires
 * them together. Nothing else creates Kafka, Redis or HTTP clients, sessions or loggers.
 */
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Partitioners } from './kafka/kafkajs.js';
import { cacheFromConfig } from './cache/cache-from-config.js';
import type { Config } from './config/load-config.js';
import { checkTopics } from './consume/check-topics.js';
import { ConcurrencyLimiter } from './consume/concurrency-limiter.js';
import { AtLeastOnceDelivery, type ChunkDelivery } from './consume/chunk-delivery.js';
import { ExactlyOnceDelivery } from './consume/exactly-once-delivery.js';
import { KafkaBatchRunner } from './consume/kafka-batch-runner.js';
import type { MessageHandler } from './consume/message-handler.js';
import { AvroCodec } from './contracts/avro-codec.js';
import { readRescanHeaders } from './contracts/rescan-headers.js';
import { HttpSchemaRegistry, registryAuthFromConfig } from './contracts/http-schema-registry.js';
import type { Connector, HostResolver } from './fetch/guarded-connector.js';
import { imageFetcherFromConfig, videoFetcherFromConfig } from './fetch/fetcher-from-config.js';
import { PinContentExtractor } from './content/content.js';
import { ImageContentSource } from './content/image-content.js';
import { VideoContentSource } from './content/video-content.js';
import { kafkaFromConfig } from './kafka/kafka-from-config.js';
import type { SessionFactory } from './infer/session-runner.js';
import { decodedImageGateFromConfig } from './preprocess/decoded-image-gate.js';
import {
  checkVideoTools,
  frameSamplerFromConfig,
  videoGateFromConfig,
} from './preprocess/video-from-config.js';
import { PinMessageHandler } from './pipeline/pin-message-handler.js';
import { ServedSetHolder } from './pipeline/served-set.js';
import { ServedSetReloader, type ReloadResult } from './pipeline/served-set-reloader.js';
import { currentSpec, loadServedSet, type ServedSetSpec } from './pipeline/served-set-loader.js';
import { ShadowLabeler } from './pipeline/shadow-labeler.js';
import { KafkaOutputSink } from './produce/kafka-output-sink.js';
import { TopicLimits } from './produce/topic-limits.js';
import { join } from 'node:path';
import { readModelManifest } from './infer/model-manifest.js';
import { startNearDuplicateIndexes } from './neighbours/near-duplicate-indexes.js';
import { orbFeatureStoreOf, SERVED_VERIFICATION_RULE } from './neighbours/near-duplicate-verification.js';
import { NearDuplicateVerifier } from './neighbours/near-duplicate-verifier.js';
import { OrbFeatureIndexer } from './neighbours/orb-feature-indexer.js';
import { OrbThread } from './neighbours/orb-thread.js';
import {
  TEXT_SIGNATURE_DIMENSION,
  TEXT_SIGNATURE_MAX_DISTANCE,
  TEXT_SIGNATURE_MODEL,
  TEXT_SIGNATURE_OUTPUT,
} from './neighbours/text-signature.js';
import { publishesEmbedding, readsVideo, searchesNearDuplicates } from './signals/catalog.js';
import { ScoreMemo } from './signals/score-memo.js';
import { HealthServer } from './telemetry/health-server.js';
import { ConsumerLagGauge } from './telemetry/consumer-lag.js';
import { KafkaMessageTracer } from './consume/kafka-message-tracer.js';
import { createLogger, type Logger } from './telemetry/logger.js';
import { observePublished } from './telemetry/publish-metrics.js';
import {
  observeDeciding,
  observeDrift,
  observeOutcomeAndDrift,
  observeShadow,
} from './telemetry/rollout-metrics.js';
import { DriftMonitor } from './telemetry/drift-monitor.js';
import { stageSpans } from './telemetry/stage-spans.js';
import { observeStage } from './telemetry/stage-metrics.js';
import { activeTraceId } from './telemetry/trace-context.js';
import { createWorkerTelemetry } from './telemetry/worker-telemetry.js';
import type { WorkerMetrics } from './telemetry/worker-metrics.js';
import { WORKER_VERSION } from './version.js';
import { modelId, type ModelRef, type SignalValue } from './scores.js';

export interface WorkerOverrides {
  logger?: Logger;
  /** DNS for the image fetcher (tests point hostnames at loopback). */
  lookup?: HostResolver;
  /** The fetcher's socket connector (tests use one that can only reach loopback). */
  connector?: Connector;
  /** Called when the Kafka consumer crashed for good; the default exits the process with code 1. */
  onFatal?: (error: unknown) => void;
  /** Where model sessions run (supervision tests wrap the worker-thread factory to reach its threads). */
  createSession?: SessionFactory;
  /** Span processors added to those the `OTEL_*` variables configure (tests: an in-memory exporter). */
  spanProcessors?: readonly SpanProcessor[];
  /** Where the `OTEL_*` variables are read (tests). @defaultValue process.env */
  otelEnv?: NodeJS.ProcessEnv;
  /** Wraps the message handler (`replay` answers only the records of its range). */
  wrapHandler?: (handler: MessageHandler) => MessageHandler;
}

export interface WorkerHandle {
  readonly httpPort: number;
  readonly metrics: WorkerMetrics;
  isReady(): boolean;
  /** Builds the served set again (SERVED_SET_FILE or the env) and swaps it in, or refuses it. */
  reload(reason?: string): Promise<ReloadResult>;
  servedSetId(): string;
  /** Graceful: stop fetching, finish and commit in-flight chunks, close everything. */
  stop(): Promise<void>;
}

export async function startWorker(config: Config, overrides: WorkerOverrides = {}): Promise<WorkerHandle> {
  const logger = overrides.logger ?? createLogger(config.LOG_LEVEL);
  // Everything opened so far, closed in reverse order on stop or when the start fails halfway
  // (worker-thread sessions and sockets would otherwise keep a failed process alive).
  const closers: (() => Promise<unknown>)[] = [];
  const closeAll = async () => {
    // splice: a second call (a stop after a fatal crash) finds nothing left to close.
    for (const close of closers.splice(0).reverse())
      await close().catch((error: unknown) => logger.warn({ err: error }, 'close failed'));
  };
  try {
    return await build(config, overrides, logger, closers, closeAll);
  } catch (error) {
    await closeAll();
    throw error;
  }
}

async function build(
  config: Config,
  overrides: WorkerOverrides,
  logger: Logger,
  closers: (() => Promise<unknown>)[],
  closeAll: () => Promise<void>,
): Promise<WorkerHandle> {
  const telemetry = createWorkerTelemetry({
    serviceVersion: WORKER_VERSION,
    ...(overrides.otelEnv && { env: overrides.otelEnv }),
    ...(overrides.spanProcessors && { spanProcessors: overrides.spanProcessors }),
  });
  closers.push(() => telemetry.close());
  const { metrics, tracer } = telemetry;
  let ready = false;
  // Bound once the served set exists; the admin endpoint answers "still starting" before that.
  const reloadSet: { current?: (reason: string) => Promise<ReloadResult> } = {};
  let modelsReady = (): boolean => false;
  const isReady = (): boolean => ready && modelsReady();
  const http = new HealthServer({
    host: config.HTTP_HOST,
    port: config.HTTP_PORT,
    isReady,
    serveMetrics: (request, response) => telemetry.serveMetrics(request, response),
    ...(config.ADMIN_TOKEN !== undefined && {
      admin: {
        token: config.ADMIN_TOKEN,
        reload: () =>
          reloadSet.current
            ? reloadSet.current('admin endpoint')
            : Promise.resolve({
                applied: false,
                code: 'IW_INTERNAL',
                message: 'the worker is still starting',
              }),
      },
    }),
  });
  const httpPort = await http.listen();
  closers.push(() => http.close());

  const kafka = kafkaFromConfig(config, logger);
  // The set served at start (SERVED_SET_FILE or the env); a reload reads it again.
  const startSpec = await currentSpec(config);
  const declared = startSpec.signals;
  const embeds = declared.some((d) => publishesEmbedding(d.name));
  await checkTopics(kafka, [
    config.INPUT_TOPIC,
    config.LABEL_TOPIC,
    config.DEADLETTER_TOPIC,
    config.SHADOW_LABEL_TOPIC,
    config.RESCAN_TOPIC,
    ...(embeds ? [config.EMBEDDING_TOPIC] : []),
  ]);
  const admin = kafka.admin();
  await admin.connect();
  closers.push(() => admin.disconnect());
  const limits = new TopicLimits(admin, [
    config.LABEL_TOPIC,
    config.DEADLETTER_TOPIC,
    ...(embeds ? [config.EMBEDDING_TOPIC] : []),
  ]);
  await limits.refresh();

  const codec = new AvroCodec(
    new HttpSchemaRegistry({ baseUrl: config.SCHEMA_REGISTRY_URL, auth: registryAuthFromConfig(config) }),
  );
  // Every worker keeps the whole index, fed from the embeddings topic (restored from its snapshot).
  // One index per model of a near-duplicate signal the start set declares (whatever its role), with
  // the embedding output its manifest names; a set reloaded later searches the indexes that exist.
  const indexed = await Promise.all(
    [
      ...new Map(
        startSpec.signals
          .filter((d) => searchesNearDuplicates(d.name))
          .map((d) => [`${d.model.name}@${d.model.version}`, d.model]),
      ).values(),
    ].map(async (model) => {
      // The text signature is code, not a model: its index shape is its own.
      if (modelId(model) === modelId(TEXT_SIGNATURE_MODEL))
        return [
          {
            model,
            output: TEXT_SIGNATURE_OUTPUT,
            dimension: TEXT_SIGNATURE_DIMENSION,
            maxDistance: TEXT_SIGNATURE_MAX_DISTANCE,
            scalar: 'f32' as const,
          },
        ];
      const manifest = await readModelManifest(
        join(config.MODELS_DIR, model.name, model.version, 'manifest.json'),
      );
      const embedding = manifest.embeddings?.[0];
      return embedding ? [{ model, output: embedding.name, dimension: embedding.shape[1] }] : [];
    }),
  );
  const nearDuplicates = await startNearDuplicateIndexes(
    indexed.flat(),
    kafka,
    codec,
    {
      topic: config.EMBEDDING_TOPIC,
      groupId: config.KAFKA_GROUP_ID,
      ...(config.NEAR_DUPLICATE_SNAPSHOT_DIR && { snapshotDir: config.NEAR_DUPLICATE_SNAPSHOT_DIR }),
      snapshotEveryRecords: config.NEAR_DUPLICATE_SNAPSHOT_EVERY_RECORDS,
      maxDistance: config.NEAR_DUPLICATE_MAX_DISTANCE,
      scalar: config.NEAR_DUPLICATE_INDEX_SCALAR,
    },
    logger,
  );
  closers.push(() => nearDuplicates.stop());
  // Pins are read once the index holds what was flagged before this start (bounded wait).
  if (!(await nearDuplicates.caughtUp(config.NEAR_DUPLICATE_CATCH_UP_TIMEOUT_MS)))
    logger.warn(
      { timeoutMs: config.NEAR_DUPLICATE_CATCH_UP_TIMEOUT_MS },
      'near-duplicate index still catching up; starting anyway',
    );
  // Video tools, the frame sampler and the video fetcher exist when the start set reads videos.
  const videos = readsVideo(startSpec.signals);
  if (videos) await checkVideoTools(config);
  const { cache, orbFeatures } = await cacheFromConfig(config, metrics, logger);
  closers.push(() => cache.close());
  // ORB verification of image near-duplicates (NEAR_DUPLICATE_VERIFIER=orb): one thread, started by
  // the first pin that needs it; features of indexed images in the cache's Redis.
  const orbThread =
    config.NEAR_DUPLICATE_VERIFIER === 'orb'
      ? new OrbThread({
          longerSidePx: SERVED_VERIFICATION_RULE.longerSidePx,
          maxPixels: config.IMAGE_MAX_PIXELS,
          maxQueue: config.NEAR_DUPLICATE_VERIFIER_MAX_QUEUE,
          onFailure: (error) =>
            logger.warn(
              { err: error, code: error.code },
              'ORB verifier thread failed; near-duplicates fall back to the strict embedding distance',
            ),
        })
      : undefined;
  if (orbThread) closers.push(() => orbThread.close());
  if (orbThread && !orbFeatures)
    logger.warn(
      { code: 'IW_NEAR_DUPLICATE_UNVERIFIED' },
      'NEAR_DUPLICATE_VERIFIER=orb without a cache (CACHE_ENABLED=false): no ORB features are stored; image near-duplicates use the strict embedding distance',
    );
  const verifier =
    orbThread &&
    new NearDuplicateVerifier({
      // The strict fallback is the served embedding threshold, NEAR_DUPLICATE_MAX_DISTANCE.
      rule: { ...SERVED_VERIFICATION_RULE, strictDistance: config.NEAR_DUPLICATE_MAX_DISTANCE },
      store: orbFeatures && orbFeatureStoreOf(orbFeatures),
      extractor: orbThread,
      observe: (verdict) =>
        metrics.nearDuplicateVerifications.add(1, {
          by: verdict.by,
          reason: verdict.by === 'embedding' ? verdict.reason : 'none',
          matched: String(verdict.matched),
        }),
      log: (error) =>
        logger.debug(
          { code: error.code, reason: error.details?.['reason'], err: error },
          'near-duplicate candidate not verified by ORB; the strict embedding distance decides',
        ),
    });
  // Features are stored when this worker's set verifies image near-duplicates (the fleet shares a set).
  const verifiesImages = declared.some((d) => d.name === 'image.near_duplicate');
  const orbIndexer =
    orbThread && orbFeatures && embeds && verifiesImages
      ? new OrbFeatureIndexer(orbThread, orbFeatures, (result, error) => {
          metrics.orbFeatureWrites.add(1, { result });
          if (error)
            logger.warn({ err: error, code: error.code }, 'ORB features of a flagged image not stored');
        })
      : undefined;
  const fetcher = imageFetcherFromConfig(config, {
    lookup: overrides.lookup,
    connector: overrides.connector,
  });
  closers.push(() => fetcher.close());
  // Videos are fetched only when a declared signal reads them (video.safety), by a fetcher of their own.
  const videoFetcher = videos
    ? videoFetcherFromConfig(config, { lookup: overrides.lookup, connector: overrides.connector })
    : undefined;
  if (videoFetcher) closers.push(() => videoFetcher.close());
  const contents = new PinContentExtractor(
    new ImageContentSource(fetcher, {
      signatures: config.IMAGE_SIGNATURES,
      onSignatureCheck: (result) => metrics.signatureChecks.add(1, { result }),
    }),
    videoFetcher && new VideoContentSource(videoFetcher),
  );
  const servedSetDeps = {
    metrics,
    logger,
    tracer,
    cache,
    memo: new ScoreMemo<SignalValue>(config.MEMO_MAX_ENTRIES),
    decodedImages: decodedImageGateFromConfig(config),
    createSession: overrides.createSession,
    // Shared by every served set: the index is the worker's, the video gate bounds the process.
    signalDeps: {
      nearDuplicates: (model: ModelRef, output: string) => {
        const search = nearDuplicates.search(model, output);
        // Image indexes only: the text signature's index has no images to verify.
        if (!search || !verifier || modelId(model) === modelId(TEXT_SIGNATURE_MODEL)) return search;
        const { candidates, looseDistance } = SERVED_VERIFICATION_RULE;
        return { ...search, verification: { verifier, candidates, looseDistance } };
      },
      ...(videos && {
        videoFrames: frameSamplerFromConfig(config),
        decodedVideos: videoGateFromConfig(config),
      }),
    },
  };
  const drift = new DriftMonitor(config.DRIFT_WINDOW_SCORES);
  observeDrift(telemetry.meter, drift);
  let spec: ServedSetSpec | undefined = startSpec;
  const loadSet = async () => {
    // The start set from the spec read above; every reload reads it again.
    const next = spec ?? (await currentSpec(config));
    spec = undefined;
    const set = await loadServedSet(config, next, servedSetDeps);
    for (const m of set.models) if (m.reference) drift.reference(m.id, m.reference);
    return set;
  };
  const served = new ServedSetHolder(await loadSet());
  closers.push(() => served.close());
  // Readiness follows the current set's deciding models (a shadow's crash does not drop it).
  modelsReady = () => served.set.ready();
  const reloader = new ServedSetReloader(served, loadSet, {
    applied: (info) => {
      metrics.reloads.add(1, { result: 'applied' });
      logger.info(info, 'served set reloaded');
    },
    refused: ({ error, ...info }) => {
      metrics.reloads.add(1, { result: 'refused', code: error.code });
      logger.error(
        { ...info, err: error, code: error.code },
        'served set refused; the current one keeps serving',
      );
    },
  });
  reloadSet.current = (reason) => reloader.reload(reason);
  const shadowProducer = kafka.producer({
    idempotent: true,
    retry: { retries: config.PUBLISH_MAX_RETRIES, maxRetryTime: 5000 },
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await shadowProducer.connect();
  closers.push(() => shadowProducer.disconnect());
  const shadowObserver = observeShadow(metrics, drift);
  const shadow = new ShadowLabeler(
    codec,
    {
      publish: async (output) => {
        await shadowProducer.send({
          topic: output.topic,
          messages: [{ key: output.key, value: output.value, headers: { ...output.headers } }],
        });
      },
    },
    {
      topic: config.SHADOW_LABEL_TOPIC,
      workerVersion: WORKER_VERSION,
      maxPending: config.SHADOW_MAX_PENDING,
      retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0, budgetMs: config.RETRY_BUDGET_MS },
      observer: {
        ...shadowObserver,
        failed: (error) => {
          shadowObserver.failed(error);
          logger.warn({ err: error, code: error.code }, 'shadow label failed (primary labels unaffected)');
        },
      },
    },
  );
  closers.push(() => shadow.drain());
  const handler = new PinMessageHandler(codec, contents, served, {
    shadow,
    observeDeciding: observeDeciding(metrics),
    labelTopic: config.LABEL_TOPIC,
    deadLetterTopic: config.DEADLETTER_TOPIC,
    ...(embeds && { embeddingTopic: config.EMBEDDING_TOPIC }),
    ...(orbIndexer && { orbFeatures: orbIndexer }),
    workerVersion: WORKER_VERSION,
    deadLetterMaxBytes: () => limits.maxBytes(config.DEADLETTER_TOPIC),
    retry: {
      attempts: config.RETRY_MAX_ATTEMPTS,
      baseDelayMs: config.RETRY_BASE_DELAY_MS,
      maxDelayMs: config.RETRY_BASE_DELAY_MS * 16,
      budgetMs: config.RETRY_BUDGET_MS,
    },
    observeStage: observeStage(metrics),
    observeOutcome: observeOutcomeAndDrift(
      metrics,
      drift,
      // Derived signals (near duplicates): neither cache lookups nor class scores of a model.
      new Set(served.set.rollout.all.filter((s) => s.derivedFrom !== undefined).map((s) => s.name)),
    ),
    rescan: {
      topic: config.RESCAN_TOPIC,
      maxAttempts: config.RESCAN_MAX_ATTEMPTS,
      baseDelayMs: config.RESCAN_BASE_DELAY_MS,
      maxDelayMs: config.RESCAN_MAX_DELAY_MS,
    },
    // Stage spans only when recorded: unrecorded, they are a span, a context switch and a few promises
    // per stage that nothing sees (the labels' trace ids come from the record's span).
    ...(telemetry.tracingEnabled && { currentTraceId: activeTraceId }),
    ...(telemetry.tracingRecorded && { stageScopes: stageSpans(tracer) }),
  });

  // Bounded retries (kafkajs's idempotent default is unbounded, outside any heartbeat): after them
  // the chunk's partition pauses and backs off instead. The default (murmur2, Java-compatible)
  // partitioner, named so kafkajs stops warning about it.
  const producerRetry = { retries: config.PUBLISH_MAX_RETRIES, maxRetryTime: 5000 };
  let delivery: ChunkDelivery;
  if (config.DELIVERY === 'exactly-once') {
    delivery = new ExactlyOnceDelivery({
      groupId: config.KAFKA_GROUP_ID,
      createProducer: (transactionalId) =>
        kafka.producer({
          transactionalId,
          idempotent: true,
          maxInFlightRequests: 1,
          retry: producerRetry,
          createPartitioner: Partitioners.DefaultPartitioner,
        }),
      maxBytesOf: (topic) => limits.maxBytes(topic),
      committedOffset: async (topic, partition) => {
        const [offsets] = await admin.fetchOffsets({ groupId: config.KAFKA_GROUP_ID, topics: [topic] });
        return offsets?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
      },
    });
  } else {
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 5,
      retry: producerRetry,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    delivery = new AtLeastOnceDelivery(
      new KafkaOutputSink(
        producer,
        (topic) => limits.maxBytes(topic),
        () => limits.refresh(),
      ),
    );
  }
  // Closed after the runner stopped (closers run in reverse): its producers must not keep the process alive.
  closers.push(() => delivery.close());
  const heartbeatMs = Math.min(3000, Math.floor(config.KAFKA_SESSION_TIMEOUT_MS / 10));
  const consumer = kafka.consumer({
    groupId: config.KAFKA_GROUP_ID,
    sessionTimeout: config.KAFKA_SESSION_TIMEOUT_MS,
    heartbeatInterval: heartbeatMs,
    // An empty fetch (every partition paused) waits this long; the runner heartbeats after it.
    maxWaitTimeInMs: heartbeatMs,
  });
  await consumer.connect();
  const runner = new KafkaBatchRunner(
    consumer,
    overrides.wrapHandler ? overrides.wrapHandler(handler) : handler,
    delivery,
    new ConcurrencyLimiter(config.MAX_IN_FLIGHT),
    {
      chunkSize: Math.max(1, Math.floor(config.MAX_IN_FLIGHT / config.PARTITIONS_CONCURRENTLY)),
      heartbeatIntervalMs: heartbeatMs,
      startPosition: config.CONSUMER_START_POSITION,
      backoff: { initialMs: config.PAUSE_BACKOFF_INITIAL_MS, maxMs: config.PAUSE_BACKOFF_MAX_MS },
      // A rescan waits for its not-before time; its partition alone is paused meanwhile.
      notBefore: (message) =>
        message.topic === config.RESCAN_TOPIC ? (readRescanHeaders(message)?.notBefore ?? null) : null,
    },
    {
      published: observePublished(metrics),
      // By topic: a rescan's wait includes the not-before delay it was scheduled with.
      handling: ({ topic, waitedMs }) => metrics.consumeDelay.record(waitedMs, { topic }),
      paused: ({ error, ...info }) => {
        metrics.partitionPauses.add(1, { code: error.code });
        // An outage repeats every backoff: its code and message say enough, a stack would flood.
        const fields = error.retriable
          ? { ...info, code: error.code, reason: error.message }
          : { ...info, code: error.code, err: error };
        (error.retriable ? logger.warn : logger.error).call(
          logger,
          fields,
          'partition paused; its chunk is read again after the backoff',
        );
      },
      resumed: (info) => logger.info(info, 'partition resumed'),
      rejected: ({ output, error }) => {
        metrics.outputsRejected.add(1, { topic: output.topic, code: error.code });
        logger.error(
          { err: error, code: error.code, topic: output.topic },
          'output can never be published; dropped',
        );
      },
      chunkDone: ({ messages, outputs }) => logger.debug({ messages, outputs }, 'chunk committed'),
      stale: (info) => logger.info(info, 'batch ended early (rebalance or stop); the rest is read again'),
    },
    new KafkaMessageTracer(tracer, { groupId: config.KAFKA_GROUP_ID, clientId: config.KAFKA_CLIENT_ID }),
  );
  closers.push(() => runner.stop());
  const lag = new ConsumerLagGauge(kafka.admin(), telemetry.meter, {
    topic: config.INPUT_TOPIC,
    groupId: config.KAFKA_GROUP_ID,
    intervalMs: config.CONSUMER_LAG_INTERVAL_MS,
    onError: (error) => logger.debug({ err: error }, 'consumer lag not read'),
  });
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) =>
    lag.assign(payload.memberAssignment[config.INPUT_TOPIC] ?? []),
  );
  await lag.start();
  closers.push(() => lag.stop());
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    // kafkajs restarts itself after retriable errors; a crash without restart is the end of consuming.
    if (payload.restart) return logger.warn({ err: payload.error }, 'consumer crashed; kafkajs restarts it');
    ready = false;
    logger.fatal({ err: payload.error }, 'consumer crashed for good');
    (overrides.onFatal ?? (() => void closeAll().finally(() => process.exit(1))))(payload.error);
  });
  await runner.start([config.INPUT_TOPIC, config.RESCAN_TOPIC], config.PARTITIONS_CONCURRENTLY);
  ready = true;
  logger.info({ topic: config.INPUT_TOPIC, servedSet: served.set.id, httpPort }, 'worker ready');

  return {
    httpPort,
    metrics,
    isReady,
    reload: (reason = 'api') => reloader.reload(reason),
    servedSetId: () => served.set.id,
    stop: async () => {
      ready = false;
      await closeAll();
      logger.info('worker stopped');
    },
  };
}
