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
import { loadServing } from './infer/serving.js';
import type { SessionFactory } from './infer/session-runner.js';
import { decodedImageGateFromConfig } from './preprocess/decoded-image-gate.js';
import {
  checkVideoTools,
  frameSamplerFromConfig,
  videoGateFromConfig,
} from './preprocess/video-from-config.js';
import { PinMessageHandler } from './pipeline/pin-message-handler.js';
import { PolicyEngine } from './policy/policy-engine.js';
import { checkPolicyCovers, readPolicy } from './policy/policy.js';
import { KafkaOutputSink } from './produce/kafka-output-sink.js';
import { TopicLimits } from './produce/topic-limits.js';
import { startNearDuplicateIndexes } from './neighbours/near-duplicate-indexes.js';
import {
  createSignals,
  decidingSignals,
  declaredSignals,
  defaultRules,
  readsVideo,
  servedModels,
} from './signals/catalog.js';
import { ScoreMemo } from './signals/score-memo.js';
import { SignalRunner } from './signals/signal-runner.js';
import { HealthServer } from './telemetry/health-server.js';
import { ConsumerLagGauge } from './telemetry/consumer-lag.js';
import { KafkaMessageTracer } from './consume/kafka-message-tracer.js';
import { createLogger, type Logger } from './telemetry/logger.js';
import { observeOutcome } from './telemetry/outcome-metrics.js';
import { observePublished } from './telemetry/publish-metrics.js';
import { stageSpans } from './telemetry/stage-spans.js';
import { observeStage } from './telemetry/stage-metrics.js';
import { activeTraceId } from './telemetry/trace-context.js';
import { createWorkerTelemetry } from './telemetry/worker-telemetry.js';
import type { WorkerMetrics } from './telemetry/worker-metrics.js';
import { WORKER_VERSION } from './version.js';
import type { SignalValue } from './scores.js';

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
  let modelsReady = (): boolean => false;
  const isReady = (): boolean => ready && modelsReady();
  const http = new HealthServer({
    host: config.HTTP_HOST,
    port: config.HTTP_PORT,
    isReady,
    serveMetrics: (request, response) => telemetry.serveMetrics(request, response),
  });
  const httpPort = await http.listen();
  closers.push(() => http.close());

  const kafka = kafkaFromConfig(config, logger);
  const declared = declaredSignals(config);
  const embeds = declared.some((d) => d.name.endsWith('.embedding'));
  await checkTopics(kafka, [
    config.INPUT_TOPIC,
    config.LABEL_TOPIC,
    config.DEADLETTER_TOPIC,
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

  const policy = new PolicyEngine(await readPolicy(config.POLICY_FILE), defaultRules(declared));
  const serving = await loadServing(
    config,
    servedModels(declared),
    { metrics, logger, tracer },
    overrides.createSession,
  );
  closers.push(() => serving.close());
  modelsReady = () => serving.ready();
  const codec = new AvroCodec(
    new HttpSchemaRegistry({ baseUrl: config.SCHEMA_REGISTRY_URL, auth: registryAuthFromConfig(config) }),
  );
  // Every worker keeps the whole index, fed from the embeddings topic (restored from its snapshot).
  const nearDuplicates = await startNearDuplicateIndexes(
    declared.flatMap((d) => {
      const embedding = d.name === 'image.near_duplicate' ? serving.scorer(d.model).embedding : undefined;
      return embedding ? [{ model: d.model, output: embedding.output, dimension: embedding.dimension }] : [];
    }),
    kafka,
    codec,
    {
      topic: config.EMBEDDING_TOPIC,
      groupId: config.KAFKA_GROUP_ID,
      ...(config.NEAR_DUPLICATE_SNAPSHOT_DIR && { snapshotDir: config.NEAR_DUPLICATE_SNAPSHOT_DIR }),
      snapshotEveryRecords: config.NEAR_DUPLICATE_SNAPSHOT_EVERY_RECORDS,
      maxDistance: config.NEAR_DUPLICATE_MAX_DISTANCE,
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
  const videos = readsVideo(declared);
  if (videos) await checkVideoTools(config);
  const signals = createSignals(declared, {
    scorer: (model) => serving.scorer(model),
    decodedImages: decodedImageGateFromConfig(config),
    nearDuplicates: (model, output) => nearDuplicates.search(model, output),
    ...(videos && {
      videoFrames: frameSamplerFromConfig(config),
      decodedVideos: videoGateFromConfig(config),
    }),
  });
  checkPolicyCovers(policy.policy, decidingSignals(signals));
  const cache = await cacheFromConfig(config, metrics, logger);
  closers.push(() => cache.close());
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
  const signalRunner = new SignalRunner(
    signals,
    cache,
    new ScoreMemo<SignalValue>(config.MEMO_MAX_ENTRIES),
    config.CACHE_NAMESPACE,
  );
  const handler = new PinMessageHandler(codec, contents, signalRunner, policy, {
    labelTopic: config.LABEL_TOPIC,
    deadLetterTopic: config.DEADLETTER_TOPIC,
    ...(embeds && { embeddingTopic: config.EMBEDDING_TOPIC }),
    workerVersion: WORKER_VERSION,
    deadLetterMaxBytes: () => limits.maxBytes(config.DEADLETTER_TOPIC),
    retry: {
      attempts: config.RETRY_MAX_ATTEMPTS,
      baseDelayMs: config.RETRY_BASE_DELAY_MS,
      maxDelayMs: config.RETRY_BASE_DELAY_MS * 16,
      budgetMs: config.RETRY_BUDGET_MS,
    },
    observeStage: observeStage(metrics),
    observeOutcome: observeOutcome(
      metrics,
      new Set(signals.filter((s) => s.derivedFrom !== undefined).map((s) => s.name)),
    ),
    rescan: {
      topic: config.RESCAN_TOPIC,
      maxAttempts: config.RESCAN_MAX_ATTEMPTS,
      baseDelayMs: config.RESCAN_BASE_DELAY_MS,
      maxDelayMs: config.RESCAN_MAX_DELAY_MS,
    },
    ...(telemetry.tracingEnabled && { stageScopes: stageSpans(tracer), currentTraceId: activeTraceId }),
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
  logger.info(
    { topic: config.INPUT_TOPIC, signals: declared.map((d) => d.name), models: serving.modelIds, httpPort },
    'worker ready',
  );

  return {
    httpPort,
    metrics,
    isReady,
    stop: async () => {
      ready = false;
      await closeAll();
      logger.info('worker stopped');
    },
  };
}
