/**
 * Helpers for worker integration tests against the real stack: unique topics with their contracts
 * registered, a producer of encoded pins, and a collector of decoded outputs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Admin, Consumer } from 'kafkajs';
import { Kafka, logLevel } from '../../src/kafka/kafkajs.js';
import { afterAll, beforeAll } from 'vitest';
import { AvroCodec } from '../../src/contracts/avro-codec.js';
import type { DeadLetter } from '../../src/contracts/generated/dead-letter.js';
import type { IntegrityLabel } from '../../src/contracts/generated/integrity-label.js';
import type { PinCreated } from '../../src/contracts/generated/pin-created.js';
import { HttpSchemaRegistry } from '../../src/contracts/http-schema-registry.js';
import { registerSchema } from '../../src/contracts/schema-check.js';
import {
  CONTENT_EMBEDDING,
  DEAD_LETTER,
  INTEGRITY_LABEL,
  PIN_CREATED,
  SUBJECT_COMPATIBILITY,
  subjectForTopic,
} from '../../src/contracts/subjects.js';
import type { ContentEmbedding } from '../../src/contracts/generated/content-embedding.js';
import { loadConfig } from '../../src/config/load-config.js';
import { startWorker, type WorkerHandle, type WorkerOverrides } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { startImageServer, type ImageServer } from './image-server.js';
import { loopbackOnlyConnector } from './loopback-only-connector.js';
import { metricSum } from './prometheus-text.js';
import { stackEnv, uniqueName } from './stack-env.js';
import { registerContracts } from './contract-cases.js';

export interface WorkerTopics {
  pins: string;
  labels: string;
  deadLetters: string;
  /** The shadow label topic (the IntegrityLabel contract, like `labels`). */
  shadowLabels: string;
  rescans: string;
  embeddings: string;
  groupId: string;
}

export const kafka = new Kafka({
  clientId: uniqueName('harness'),
  brokers: stackEnv.kafkaBrokers,
  logLevel: logLevel.NOTHING,
});
export const registry = new HttpSchemaRegistry({ baseUrl: stackEnv.schemaRegistryUrl });
export const codec = new AvroCodec(registry);

/** Creates unique topics and registers each contract under its topic's subject. */
async function waitForTopicMetadata(admin: Admin, names: readonly string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [...names] });
      if (topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`topics without leaders after 60 s: ${names.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export async function createWorkerTopics(admin: Admin, pinPartitions = 3): Promise<WorkerTopics> {
  const prefix = uniqueName('wt');
  const topics = {
    pins: `${prefix}.pins`,
    labels: `${prefix}.labels`,
    deadLetters: `${prefix}.dlq`,
    shadowLabels: `${prefix}.shadow`,
    rescans: `${prefix}.rescan`,
    embeddings: `${prefix}.embeddings`,
    groupId: `${prefix}.group`,
  };
  await admin
    .createTopics({
      topics: [
        { topic: topics.pins, numPartitions: pinPartitions, replicationFactor: 1 },
        { topic: topics.labels, numPartitions: 1, replicationFactor: 1 },
        { topic: topics.deadLetters, numPartitions: 1, replicationFactor: 1 },
        { topic: topics.shadowLabels, numPartitions: 1, replicationFactor: 1 },
        { topic: topics.rescans, numPartitions: 2, replicationFactor: 1 },
        { topic: topics.embeddings, numPartitions: 2, replicationFactor: 1 },
      ],
      waitForLeaders: true,
    })
    .catch(async (error: { type?: string }) => {
      // A loaded broker can answer the leader wait's metadata request before it knows the new topics
      // (kafkajs retries only LEADER_NOT_AVAILABLE there): wait for their metadata ourselves.
      if (error.type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw error;
      await waitForTopicMetadata(
        admin,
        Object.values(topics).filter((t) => t !== topics.groupId),
      );
    });
  await registerContracts(registry, topics);
  await registerSchema(
    registry,
    subjectForTopic(topics.shadowLabels),
    INTEGRITY_LABEL.schemaText,
    SUBJECT_COMPATIBILITY,
  );
  return topics;
}

/** The environment a worker needs for these topics (merge with test-specific variables). */
export function workerEnv(topics: WorkerTopics, extra: Record<string, string> = {}): Record<string, string> {
  return {
    KAFKA_BROKERS: stackEnv.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: stackEnv.schemaRegistryUrl,
    REDIS_URL: stackEnv.redisUrl,
    INPUT_TOPIC: topics.pins,
    LABEL_TOPIC: topics.labels,
    DEADLETTER_TOPIC: topics.deadLetters,
    SHADOW_LABEL_TOPIC: topics.shadowLabels,
    RESCAN_TOPIC: topics.rescans,
    EMBEDDING_TOPIC: topics.embeddings,
    KAFKA_GROUP_ID: topics.groupId,
    HTTP_PORT: '0',
    LOG_LEVEL: 'warn',
    FETCH_ALLOW_PRIVATE: '127.0.0.1',
    // The tests produce pins before the worker's group exists.
    CONSUMER_START_POSITION: 'earliest',
    // The worker tests compare labels with OfflineScores, which scores with text-spam@1.
    TEXT_MODEL: 'text-spam@1',
    POLICY_FILE: 'policy/policy-v1.json',
    ...extra,
  };
}

export type RawRecord = { key: string; value: Buffer; headers?: Record<string, string> };

/** Encodes pins with the registry and produces them keyed by pin id; raw records go as they are. */
export async function producePins(topic: string, pins: readonly (PinCreated | RawRecord)[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  const messages = await Promise.all(
    pins.map(async (pin) =>
      'value' in pin && Buffer.isBuffer(pin.value)
        ? pin
        : {
            key: (pin as PinCreated).pinId,
            value: await codec.encode(topic, PIN_CREATED, pin as PinCreated),
          },
    ),
  );
  for (let i = 0; i < messages.length; i += 500)
    await producer.send({ topic, messages: messages.slice(i, i + 500) });
  await producer.disconnect();
}

export interface Collected<T> {
  key: string | null;
  record: T;
  headers: Record<string, string>;
  partition: number;
  offset: string;
}

/**
 * Reads and decodes a topic from the beginning until `count` records arrived or `timeoutMs` passed.
 * A record is kept once per partition and offset: the collector's own consumer reads at least once (a
 * rejoin of its group reads from its last commit again), and such a re-read is not a record the worker
 * wrote twice. A duplicate the worker wrote has an offset of its own and is kept.
 */
export class OutputCollector<T> {
  readonly records: Collected<T>[] = [];
  /** Records this collector's consumer was handed again (same partition and offset), not kept. */
  redelivered = 0;
  private readonly seen = new Set<string>();
  private consumer: Consumer | undefined;

  constructor(
    private readonly topic: string,
    private readonly contract: typeof INTEGRITY_LABEL | typeof DEAD_LETTER | typeof CONTENT_EMBEDDING,
  ) {}

  async start(): Promise<this> {
    this.consumer = kafka.consumer({ groupId: uniqueName('collector') });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ partition, message }) => {
        const position = `${partition}:${message.offset}`;
        if (this.seen.has(position)) {
          this.redelivered++;
          return;
        }
        const { record } = await codec.decodeAs(this.contract as never, message.value!);
        const headers = Object.fromEntries(
          Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
        );
        this.records.push({
          key: message.key?.toString() ?? null,
          record: record as T,
          headers,
          partition,
          offset: message.offset,
        });
        this.seen.add(position);
      },
    });
    return this;
  }

  async waitFor(count: number, timeoutMs = 60_000): Promise<Collected<T>[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.records.length < count && Date.now() < deadline) await sleep(50);
    return this.records;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

export const labelCollector = (topic: string) =>
  new OutputCollector<IntegrityLabel>(topic, INTEGRITY_LABEL).start();
export const deadLetterCollector = (topic: string) =>
  new OutputCollector<DeadLetter>(topic, DEAD_LETTER).start();
export const embeddingCollector = (topic: string) =>
  new OutputCollector<ContentEmbedding>(topic, CONTENT_EMBEDDING).start();

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Starts an in-process worker on `topics` whose image fetcher can only ever reach loopback. */
export async function startTestWorker(
  topics: WorkerTopics,
  env: Record<string, string> = {},
  overrides: Omit<WorkerOverrides, 'connector' | 'logger'> = {},
): Promise<{ worker: WorkerHandle; guard: ReturnType<typeof loopbackOnlyConnector> }> {
  const guard = loopbackOnlyConnector();
  const config = loadConfig(workerEnv(topics, { CACHE_NAMESPACE: uniqueName('iwtest'), ...env }));
  const worker = await startWorker(config, {
    ...overrides,
    connector: guard.connect,
    logger: createLogger(config.LOG_LEVEL),
    onFatal: (error) => {
      throw error;
    },
  });
  return { worker, guard };
}

/** The shipped entry (`node bin/integrity-worker.js run`) as its own process, so it can be SIGKILLed or SIGTERMed. */
export function spawnWorkerProcess(env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['bin/integrity-worker.js', 'run'], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** The exit code of a worker process (null when a signal ended it). */
export function exitCode(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

/** Reads one series of the worker's Prometheus text, e.g. `iw_labels_total`; sums over matching labels. */
export async function scrape(
  worker: WorkerHandle,
  metric: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${worker.httpPort}/metrics`)).text();
  return metricSum(text, metric, labels);
}

/**
 * For a test file of worker tests: registers hooks that connect a Kafka admin and start the loopback
 * image server before its tests, and close both after them.
 */
export function useWorkerTestBed(): { readonly admin: Admin; readonly images: ImageServer } {
  const admin = kafka.admin();
  let images: ImageServer | undefined;
  beforeAll(async () => {
    await admin.connect();
    images = await startImageServer();
  });
  afterAll(() => Promise.all([admin.disconnect(), images?.close()]));
  return {
    admin,
    get images() {
      if (!images) throw new Error('the image server starts in beforeAll');
      return images;
    },
  };
}
