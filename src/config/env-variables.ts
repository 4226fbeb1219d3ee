/**
 * Every environment variable the worker reads: one table, so that parsing, the README's table and
 * error messages come from the same place. Units are in the names (`_MS`, `_BYTES`, `_S`).
 */
import { z } from 'zod';

export interface EnvVariable {
  /** What it sets, in one sentence. */
  readonly doc: string;
  /** The default as it appears in the README (the schema holds the real one). */
  readonly defaultText: string;
  readonly schema: z.ZodType;
}

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const list = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const modelRef = z.string().regex(/^[a-z0-9-]+@[A-Za-z0-9._-]+$/, 'expected <name>@<version>');

function v<T extends z.ZodType>(
  schema: T,
  defaultText: string,
  doc: string,
): EnvVariable & { readonly schema: T } {
  return { schema, defaultText, doc };
}

export const ENV_VARIABLES = {
  KAFKA_BROKERS: v(
    list.default(['127.0.0.1:19092']),
    '127.0.0.1:19092',
    'Kafka bootstrap servers, comma-separated.',
  ),
  KAFKA_CLIENT_ID: v(z.string().min(1).default('integrity-worker'), 'integrity-worker', 'Kafka client id.'),
  KAFKA_GROUP_ID: v(z.string().min(1).default('integrity-worker'), 'integrity-worker', 'Consumer group id.'),
  INPUT_TOPIC: v(
    z.string().min(1).default('pins.created.v1'),
    'pins.created.v1',
    'Topic of PinCreated events.',
  ),
  LABEL_TOPIC: v(
    z.string().min(1).default('integrity.labels.v1'),
    'integrity.labels.v1',
    'Topic of IntegrityLabel records.',
  ),
  DEADLETTER_TOPIC: v(
    z.string().min(1).default('integrity.deadletter.v1'),
    'integrity.deadletter.v1',
    'Topic of DeadLetter records.',
  ),
  EMBEDDING_TOPIC: v(
    z.string().min(1).default('content.embeddings.v1'),
    'content.embeddings.v1',
    'Topic of ContentEmbedding records (created and registered by setup).',
  ),
  SCHEMA_REGISTRY_URL: v(
    z.url().default('http://127.0.0.1:18081/apis/ccompat/v7'),
    'http://127.0.0.1:18081/apis/ccompat/v7',
    'Confluent-compatible schema registry base URL.',
  ),
  REDIS_URL: v(
    z.string().min(1).default('redis://127.0.0.1:16379'),
    'redis://127.0.0.1:16379',
    'Redis for the score cache.',
  ),
  CACHE_ENABLED: v(bool.default(true), 'true', 'Use the Redis score cache at all.'),
  CACHE_NAMESPACE: v(
    z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/)
      .default('iw'),
    'iw',
    'First part of every cache key; separate deployments (or tests) sharing a Redis use different ones.',
  ),
  CACHE_TTL_S: v(
    int(1, 365 * 86400).default(7 * 86400),
    '604800 (7 days)',
    'Lifetime of a cached score, seconds.',
  ),
  CACHE_TIMEOUT_MS: v(
    int(1, 60_000).default(200),
    '200',
    'A Redis call slower than this counts as a miss (fail-open), ms.',
  ),
  MEMO_MAX_ENTRIES: v(
    int(0, 10_000_000).default(20_000),
    '20000',
    'Recent scores kept in process in front of Redis (0 = none); concurrent equal content is always computed once.',
  ),
  MODELS_DIR: v(
    z.string().min(1).default('models'),
    'models',
    'Model repository root (`<name>/<version>/`).',
  ),
  IMAGE_MODEL: v(modelRef.default('image-safety@1'), 'image-safety@1', 'Image model to serve.'),
  TEXT_MODEL: v(modelRef.default('text-spam@1'), 'text-spam@1', 'Text model to serve.'),
  POLICY_FILE: v(
    z.string().min(1).default('policy/policy-v1.json'),
    'policy/policy-v1.json',
    'Versioned decision thresholds.',
  ),
  IMAGE_MAX_BATCH: v(
    int(1, 256).default(8),
    '8',
    'Largest image inference batch (8: same throughput as 16 on 2 cores, ~130 MiB less peak RSS).',
  ),
  TEXT_MAX_BATCH: v(int(1, 1024).default(16), '16', 'Largest text inference batch.'),
  INFER_MAX_QUEUE_DELAY_MS: v(int(0, 1000).default(5), '5', 'Longest wait for a batch to fill, ms.'),
  ORT_INTRA_OP_THREADS: v(
    int(0, 64).default(2),
    '2',
    'onnxruntime intra-op threads per session (0 = library default).',
  ),
  ORT_INTER_OP_THREADS: v(int(0, 64).default(1), '1', 'onnxruntime inter-op threads per session.'),
  FETCH_ALLOWED_HOSTS: v(list.default(['*']), '*', 'Image hosts allowed: exact names, `*.suffix`, or `*`.'),
  FETCH_ALLOW_PRIVATE: v(
    list.default([]),
    '(none)',
    'Addresses/CIDRs allowed although private or loopback (tests: 127.0.0.1).',
  ),
  FETCH_CONNECT_TIMEOUT_MS: v(int(1, 60_000).default(2000), '2000', 'Image fetch connect timeout, ms.'),
  FETCH_TOTAL_TIMEOUT_MS: v(
    int(1, 120_000).default(5000),
    '5000',
    'Image fetch total timeout per attempt, ms.',
  ),
  FETCH_MAX_BYTES: v(
    int(1024, 512 * 1024 * 1024).default(10 * 1024 * 1024),
    '10485760 (10 MiB)',
    'Largest image body, bytes.',
  ),
  FETCH_MAX_REDIRECTS: v(int(0, 20).default(3), '3', 'Most redirects followed per image.'),
  IMAGE_MAX_PIXELS: v(
    int(1, 1_000_000_000).default(50_000_000),
    '50000000',
    'Largest decoded image, pixels (width x height).',
  ),
  RETRY_MAX_ATTEMPTS: v(int(1, 20).default(3), '3', 'Attempts for a transient failure of one message.'),
  RETRY_BASE_DELAY_MS: v(
    int(0, 60_000).default(100),
    '100',
    'First retry backoff (exponential, full jitter), ms.',
  ),
  RETRY_BUDGET_MS: v(
    int(0, 600_000).default(10_000),
    '10000',
    'Time one message may spend on retries before it is dead-lettered, ms.',
  ),
  MAX_IN_FLIGHT: v(int(1, 100_000).default(256), '256', 'Messages processed at once across partitions.'),
  PARTITIONS_CONCURRENTLY: v(int(1, 256).default(4), '4', 'Partitions whose batches run at the same time.'),
  HTTP_PORT: v(
    int(0, 65535).default(9464),
    '9464',
    'Port of /healthz, /readyz and /metrics (0 = any free port).',
  ),
  HTTP_HOST: v(z.string().min(1).default('127.0.0.1'), '127.0.0.1', 'Address the HTTP server binds.'),
  CONSUMER_LAG_INTERVAL_MS: v(
    int(100, 600_000).default(10_000),
    '10000',
    'How often consumer lag per partition is read from Kafka (iw.consumer.lag), ms.',
  ),
  SHUTDOWN_DEADLINE_MS: v(
    int(100, 600_000).default(25_000),
    '25000',
    'Longest graceful shutdown before exit, ms.',
  ),
  LOG_LEVEL: v(
    z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    'info',
    'pino log level.',
  ),
} as const satisfies Record<string, EnvVariable>;

export type EnvName = keyof typeof ENV_VARIABLES;
