/**
 * Every environment variable the worker reads: one table, so that parsing, the README's table and
 * error messages come from the same place. Units are in the names (`_MS`, `_BYTES`, `_S`).
 */
import { z } from 'zod';
import { isIntegrityError } from '../errors.js';
import { parseModelRef, parseSignalDeclaration } from '../scores.js';

export interface EnvVariable {
  /** What it sets, in one sentence. */
  readonly doc: string;
  /** The default as it appears in the README (the schema holds the real one). */
  readonly defaultText: string;
  readonly schema: z.ZodType;
}

/**
 * A current desktop Chrome on Linux: the image fetcher's neutral default User-Agent (a fetcher that
 * announces itself can be served a clean image while users get another).
 */
export const BROWSER_USER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const list = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const labelTopics = list.pipe(
  z.array(
    z
      .string()
      .regex(/^[^=\s]+=(primary|shadow|canary)$/, 'expected topic=primary|shadow|canary')
      .transform((entry) => {
        const [topic, role] = entry.split('=') as [string, 'primary' | 'shadow' | 'canary'];
        return { topic, role };
      }),
  ),
);
/** Parses with one of the shared parsers in `src/scores.ts`; their IW_CONFIG_INVALID becomes an issue. */
const parsedBy = <T>(parse: (text: string) => T) =>
  z.string().transform((text, ctx) => {
    try {
      return parse(text);
    } catch (error) {
      if (!isIntegrityError(error)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
      return z.NEVER;
    }
  });
const modelRef = parsedBy(parseModelRef);
const signalList = parsedBy((text) =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map(parseSignalDeclaration),
);

/** The image fetch deadlines, ms: the one set of defaults (the fetcher's options default to them). */
export const FETCH_TIMEOUT_DEFAULTS_MS = Object.freeze({ connect: 2000, total: 5000 });

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
  KAFKA_SSL: v(bool.default(false), 'false', 'Connect to the brokers over TLS.'),
  KAFKA_SSL_CA_FILE: v(
    z.string().min(1).optional(),
    '(system CAs)',
    'PEM file of the CA certificates that sign the brokers (with KAFKA_SSL).',
  ),
  KAFKA_SSL_CERT_FILE: v(
    z.string().min(1).optional(),
    '(none)',
    'PEM client certificate for mutual TLS (with KAFKA_SSL_KEY_FILE).',
  ),
  KAFKA_SSL_KEY_FILE: v(z.string().min(1).optional(), '(none)', 'PEM private key of KAFKA_SSL_CERT_FILE.'),
  KAFKA_SSL_REJECT_UNAUTHORIZED: v(
    bool.default(true),
    'true',
    "Refuse brokers whose certificate does not verify; false only for a local broker's self-signed one.",
  ),
  KAFKA_SASL_MECHANISM: v(
    z.enum(['none', 'plain', 'scram-sha-256', 'scram-sha-512']).default('none'),
    'none',
    'SASL authentication to the brokers: none, plain, scram-sha-256 or scram-sha-512 (plain wants KAFKA_SSL).',
  ),
  KAFKA_SASL_USERNAME: v(z.string().min(1).optional(), '(none)', 'SASL user (with KAFKA_SASL_MECHANISM).'),
  KAFKA_SASL_PASSWORD: v(
    z.string().min(1).optional(),
    '(none)',
    'SASL password (with KAFKA_SASL_MECHANISM); never logged.',
  ),
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
  RESCAN_TOPIC: v(
    z.string().min(1).default('pins.retry.v1'),
    'pins.retry.v1',
    'Topic of pins to rescan after a transient image failure (PinCreated bytes + iw-rescan-* headers); the worker reads it too.',
  ),
  RESCAN_MAX_ATTEMPTS: v(
    int(0, 100).default(4),
    '4',
    "Rescans of a pin after transient failures before the policy's permanent rule applies (0 = none).",
  ),
  RESCAN_BASE_DELAY_MS: v(
    int(0, 86_400_000).default(60_000),
    '60000',
    'Wait before the first rescan, doubled for each next one, ms.',
  ),
  RESCAN_MAX_DELAY_MS: v(
    int(0, 86_400_000).default(1_800_000),
    '1800000',
    'Longest wait before a rescan, ms.',
  ),
  EMBEDDING_TOPIC: v(
    z.string().min(1).default('content.embeddings.v1'),
    'content.embeddings.v1',
    'Topic of ContentEmbedding records (created and registered by setup); the worker publishes one per embedding signal of every scored pin and feeds its near-duplicate index from it.',
  ),
  NEAR_DUPLICATE_MAX_DISTANCE: v(
    z.coerce.number().min(0).max(2).default(0.1426),
    '0.1426',
    "Cosine distance at or below which `image.near_duplicate` and `video.near_duplicate` (per frame) name indexed content as a match (calibrated for image-safety@1 on images: models/image-safety/1/NEAR-DUPLICATES.md); with NEAR_DUPLICATE_VERIFIER=orb, the image rule's strict fallback where ORB cannot decide.",
  ),
  NEAR_DUPLICATE_VERIFIER: v(
    z.enum(['orb', 'none']).default('orb'),
    'orb',
    '`orb`: `image.near_duplicate` verifies the 3 nearest indexed images within the loose embedding distance by ORB + RANSAC against their stored features (in Redis, written by the worker that flags an image) and falls back to NEAR_DUPLICATE_MAX_DISTANCE where it cannot (few keypoints, no features); `none`: the nearest within NEAR_DUPLICATE_MAX_DISTANCE alone, no ORB.',
  ),
  NEAR_DUPLICATE_VERIFIER_MAX_QUEUE: v(
    int(1, 100_000).default(32),
    '32',
    'ORB extractions and verifications queued at once in the verifier thread; beyond it a candidate falls back to NEAR_DUPLICATE_MAX_DISTANCE (counted, reason `verifier-busy`).',
  ),
  NEAR_DUPLICATE_INDEX_SCALAR: v(
    z.enum(['f32', 'f16', 'i8']).default('f16'),
    'f16',
    'How the image and video near-duplicate indexes store each vector component: f16 halves the memory of f32 and kept every decision of the evaluation (BENCHMARKS.md); i8 changes decisions. A snapshot of another kind is left unloaded and the index rebuilds from the embeddings topic (logged IW_INDEX_SNAPSHOT_MISMATCH). The text signature index stays f32.',
  ),
  NEAR_DUPLICATE_SNAPSHOT_DIR: v(
    z.string().min(1).optional(),
    '(none)',
    'Where the near-duplicate index is snapshotted (graph, entries, topic position) and restored from at start; without it every start reads the embeddings topic from the beginning.',
  ),
  NEAR_DUPLICATE_CATCH_UP_TIMEOUT_MS: v(
    int(0, 86_400_000).default(60_000),
    '60000',
    'At start, the longest wait for the near-duplicate index to read the embeddings topic up to its end before pins are read, ms.',
  ),
  NEAR_DUPLICATE_SNAPSHOT_EVERY_RECORDS: v(
    int(1, 100_000_000).default(10_000),
    '10000',
    'Embedding records read between two snapshots of the near-duplicate index (and one more on stop).',
  ),
  SCHEMA_REGISTRY_URL: v(
    z.url().default('http://127.0.0.1:18081/apis/ccompat/v7'),
    'http://127.0.0.1:18081/apis/ccompat/v7',
    'Confluent-compatible schema registry base URL.',
  ),
  SCHEMA_REGISTRY_USERNAME: v(
    z.string().min(1).optional(),
    '(none)',
    'Registry user for HTTP basic authentication (with SCHEMA_REGISTRY_PASSWORD).',
  ),
  SCHEMA_REGISTRY_PASSWORD: v(
    z.string().min(1).optional(),
    '(none)',
    'Registry password for basic authentication.',
  ),
  SCHEMA_REGISTRY_BEARER_TOKEN: v(
    z.string().min(1).optional(),
    '(none)',
    'Bearer token for the registry (an OAuth access token, e.g. Apicurio behind Keycloak); instead of basic.',
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
  IMAGE_MODEL: v(
    modelRef.default(parseModelRef('image-safety@1')),
    'image-safety@1',
    'Model of the `image.safety`, `image.embedding` and `image.near_duplicate` signals when `SIGNALS` is unset (the last two need an embedding output: image-safety@1 has one, @2 none).',
  ),
  TEXT_MODEL: v(
    modelRef.default(parseModelRef('text-spam@4')),
    'text-spam@4',
    'Model of the `text.spam` signal when `SIGNALS` is unset.',
  ),
  SIGNALS: v(
    signalList.optional(),
    '`image.safety=<IMAGE_MODEL>,text.spam=<TEXT_MODEL>,image.embedding=<IMAGE_MODEL>,image.near_duplicate=<IMAGE_MODEL>`',
    'Signals computed for every pin, in label order: `<signal>=<model>@<version>[:primary|shadow|canary]`, comma-separated (known signals: `src/signals/catalog.ts`; `text.embedding=text-embedding@1` and `text.signature=text-signature@1,text.near_duplicate=text-signature@1` are opt-in); a shadow or canary needs a primary of the same signal.',
  ),
  CANARY_FRACTION: v(
    z.coerce.number().min(0).max(1).default(0),
    '0',
    "Share of pins whose label a signal's canary model decides instead of its primary: pins whose id hashes (sha256) below it, stable per pin id.",
  ),
  SHADOW_LABEL_TOPIC: v(
    z.string().min(1).default('integrity.labels.shadow.v1'),
    'integrity.labels.shadow.v1',
    "Topic of the shadow models' IntegrityLabels (header `iw-rollout-role: shadow`), created by `setup`.",
  ),
  SHADOW_MAX_PENDING: v(
    int(0, 100_000).default(256),
    '256',
    'Pins waiting for or in shadow scoring at most; past it shadow work is shed (iw.shadow.shed).',
  ),
  DRIFT_WINDOW_SCORES: v(
    int(10, 1_000_000).default(2000),
    '2000',
    'Sliding window of the drift metrics: the last N scores per model@version and class (PSI against the manifest reference), the last N signal outcomes (UNSCORED rate).',
  ),
  SERVED_SET_FILE: v(
    z.string().min(1).optional(),
    '(none)',
    'JSON file naming the served set (`{"signals": "<SIGNALS>", "canaryFraction": n, "policyFile": "..."}`): read at start and on every reload (SIGHUP, POST /admin/reload); written by `models promote|rollback`.',
  ),
  ADMIN_TOKEN: v(
    z.string().min(16).optional(),
    '(none: no admin endpoint)',
    'Bearer token of POST /admin/reload on the HTTP server (at least 16 characters).',
  ),
  ROLLOUT_POLICY_FILES: v(
    list.default([]),
    '(none)',
    "Further policy files for canary and shadow models: the label of a pin a canary decides (and a shadow's label) uses the first of `POLICY_FILE` and these whose rules name exactly the models that decide it (IW_POLICY_MODEL_MISMATCH when none does; the set is refused). `models promote` makes that policy the primary one.",
  ),
  IMAGE_SIGNATURES: v(
    z.enum(['trust', 'hash']).default('trust'),
    'trust',
    "Whose word a pin's `image.signature` is: `trust` uses it as a cache alias (a cached signature skips the download); `hash` always downloads and hashes the bytes. A `sha256:<hex>` signature is checked whenever bytes are downloaded.",
  ),
  POLICY_FILE: v(
    z.string().min(1).default('policy/policy-v5.json'),
    'policy/policy-v5.json',
    'Versioned decision thresholds.',
  ),
  IMAGE_MAX_BATCH: v(
    int(1, 256).default(4),
    '4',
    'Largest image inference batch (4: the throughput of 8 and 16 on 2 cores, with less peak RSS; BENCHMARKS.md "RSS budget").',
  ),
  TEXT_MAX_BATCH: v(int(1, 1024).default(16), '16', 'Largest text inference batch.'),
  INFER_MAX_QUEUE_DELAY_MS: v(int(0, 1000).default(5), '5', 'Longest wait for a batch to fill, ms.'),
  ORT_INTRA_OP_THREADS: v(
    int(0, 64).default(2),
    '2',
    'onnxruntime intra-op threads per session (0 = library default).',
  ),
  ORT_INTER_OP_THREADS: v(int(0, 64).default(1), '1', 'onnxruntime inter-op threads per session.'),
  ORT_ALLOW_SPINNING: v(
    bool.default(false),
    'false',
    'Let onnxruntime\'s pool threads spin-wait between operators (its own default) instead of sleeping; off: on shared cores the spinning took CPU from decode and the event loop (BENCHMARKS.md "Spinning").',
  ),
  FETCH_ALLOWED_HOSTS: v(list.default(['*']), '*', 'Image hosts allowed: exact names, `*.suffix`, or `*`.'),
  FETCH_ALLOW_PRIVATE: v(
    list.default([]),
    '(none)',
    'Addresses/CIDRs allowed although private or loopback (tests: 127.0.0.1).',
  ),
  FETCH_CONNECT_TIMEOUT_MS: v(
    int(1, 60_000).default(FETCH_TIMEOUT_DEFAULTS_MS.connect),
    String(FETCH_TIMEOUT_DEFAULTS_MS.connect),
    'Image fetch connect timeout, ms.',
  ),
  FETCH_TOTAL_TIMEOUT_MS: v(
    int(1, 120_000).default(FETCH_TIMEOUT_DEFAULTS_MS.total),
    String(FETCH_TIMEOUT_DEFAULTS_MS.total),
    'Image fetch total timeout per attempt, ms.',
  ),
  FETCH_MAX_BYTES: v(
    int(1024, 512 * 1024 * 1024).default(10 * 1024 * 1024),
    '10485760 (10 MiB)',
    'Largest image body, bytes.',
  ),
  FETCH_BODY_BUDGET_BYTES: v(
    int(1024, 16 * 1024 * 1024 * 1024).default(64 * 1024 * 1024),
    '67108864 (64 MiB)',
    'Image bodies held in memory at once, all fetches together, bytes (acquired as a body streams in, released once it is decoded or found in the cache).',
  ),
  FETCH_MAX_CONNECTIONS_PER_HOST: v(
    int(1, 1024).default(64),
    '64',
    'Image requests at once to one origin; more wait (within their deadline) for a free connection.',
  ),
  FETCH_USER_AGENT: v(
    z
      .string()
      .regex(/^[\x20-\x7e]+$/, 'printable ASCII, one line')
      .default(BROWSER_USER_AGENT),
    'a desktop Chrome',
    'User-Agent of image fetches; the default reads like a browser so that hosts cannot serve the scanner a different image.',
  ),
  FETCH_MAX_REDIRECTS: v(int(0, 20).default(3), '3', 'Most redirects followed per image.'),
  IMAGE_MAX_PIXELS: v(
    int(1, 1_000_000_000).default(50_000_000),
    '50000000',
    'Largest decoded image, pixels (width x height).',
  ),
  IMAGE_DECODE_SHRINK: v(
    z
      .enum(['on', 'off'])
      .default('on')
      .transform((v) => v === 'on'),
    'on',
    'Shrink-on-load: decode a JPEG or WebP whose sides are both at least 3 x 448 px straight to a shorter side of 448 px (2 x the 224 model input; libjpeg DCT scaling, libwebp scaled decode) instead of full size (models/image-safety/1/SHRINK-ON-LOAD.md).',
  ),
  IMAGE_DECODE_BUDGET_PIXELS: v(
    int(1, 10_000_000_000).default(100_000_000),
    '100000000',
    'Decoded image pixels held at once, all images together (3 bytes each), from the header before decoding until the batch ran; a larger image runs alone.',
  ),
  VIDEO_MAX_BYTES: v(
    int(1024, 4 * 1024 * 1024 * 1024).default(32 * 1024 * 1024),
    '33554432 (32 MiB)',
    'Largest video body (video.safety), bytes; a larger one is UNSCORED with IW_VIDEO_TOO_LARGE.',
  ),
  VIDEO_FETCH_TIMEOUT_MS: v(
    int(1, 600_000).default(15_000),
    '15000',
    "Video fetch total timeout per attempt, ms (bounded by what is left of the pin's RETRY_BUDGET_MS).",
  ),
  VIDEO_DECODE_TIMEOUT_MS: v(
    int(1, 600_000).default(20_000),
    '20000',
    'Deadline of ffprobe plus ffmpeg for one video, ms; past it ffmpeg is killed and the signal is UNSCORED with IW_VIDEO_TIMEOUT.',
  ),
  VIDEO_MAX_FRAMES: v(int(1, 256).default(16), '16', 'Most frames sampled (and scored) per video.'),
  VIDEO_MAX_PROBE_S: v(
    int(1, 86_400).default(600),
    '600 (10 minutes)',
    'Seconds of a video read at most; frames after it are not sampled.',
  ),
  VIDEO_MAX_CONCURRENT: v(
    int(1, 64).default(2),
    '2',
    'Videos sampled and scored at once (each runs one single-threaded ffmpeg); more wait.',
  ),
  FFMPEG_PATH: v(z.string().min(1).default('ffmpeg'), 'ffmpeg', "ffmpeg binary (Debian's ffmpeg package)."),
  FFPROBE_PATH: v(z.string().min(1).default('ffprobe'), 'ffprobe', 'ffprobe binary (same package).'),
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
  KAFKA_SESSION_TIMEOUT_MS: v(
    int(3000, 300_000).default(30_000),
    '30000',
    'Consumer group session timeout: a member silent for longer is thrown out and its partitions move, ms (heartbeats every tenth of it, at most 3 s).',
  ),
  DELIVERY: v(
    z.enum(['at-least-once', 'exactly-once']).default('at-least-once'),
    'at-least-once',
    '`at-least-once`: commit after the outputs are acknowledged; `exactly-once`: outputs and input offsets in one Kafka transaction per chunk.',
  ),
  PUBLISH_MAX_RETRIES: v(
    int(0, 100).default(5),
    '5',
    "Producer retries of a retriable Kafka error before the chunk's partition pauses and backs off.",
  ),
  PAUSE_BACKOFF_INITIAL_MS: v(
    int(1, 600_000).default(1000),
    '1000',
    'First pause of a partition whose chunk failed for a reason outside the records (registry or Kafka down), ms; doubles per failure.',
  ),
  PAUSE_BACKOFF_MAX_MS: v(
    int(1, 3_600_000).default(30_000),
    '30000',
    'Longest pause of such a partition, ms.',
  ),
  CONSUMER_START_POSITION: v(
    z.enum(['earliest', 'latest']).default('latest'),
    'latest',
    'Where a group without committed offsets starts: `latest` (only new pins) or `earliest` (the whole retention window).',
  ),
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
  // --- the review console (`integrity-worker console`) -------------------------------------------
  REVIEW_TOPIC: v(
    z.string().min(1).default('integrity.reviews.v1'),
    'integrity.reviews.v1',
    'Topic of ReviewVerdict records (the console publishes, the console store reads back).',
  ),
  CONSOLE_LABEL_TOPICS: v(
    labelTopics.default([{ topic: 'integrity.labels.v1', role: 'primary' }]),
    'integrity.labels.v1=primary',
    'Label topics the console reads, `topic=role` comma-separated (role primary, shadow or canary); queues come from the primary.',
  ),
  CONSOLE_STORE_URL: v(
    z
      .string()
      .regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, 'expected sqlite:<file> or postgres://...')
      .default('sqlite:var/console.sqlite'),
    'sqlite:var/console.sqlite',
    'Label store: `sqlite:<file>` (embedded) or a `postgres://` URL; a materialized view of the topics.',
  ),
  CONSOLE_GROUP_ID: v(
    z.string().min(1).default('integrity-console'),
    'integrity-console',
    'Consumer group id of the console (offsets live in the store, never committed to Kafka).',
  ),
  CONSOLE_HOST: v(z.string().min(1).default('127.0.0.1'), '127.0.0.1', 'Address the console binds.'),
  CONSOLE_PORT: v(int(0, 65_535).default(8480), '8480', 'Port of the console (0 = any free port).'),
  CONSOLE_WEB_DIR: v(
    z.string().min(1).default('dist/console-web'),
    'dist/console-web',
    'Built web client served by the console (`npm run console:build`).',
  ),
  CONSOLE_AUDIT_RATE_ALLOW: v(
    z.coerce.number().min(0).max(1).default(0.05),
    '0.05',
    'Probability that an ALLOW signal is drawn into the audit sample.',
  ),
  CONSOLE_AUDIT_RATE_BLOCK: v(
    z.coerce.number().min(0).max(1).default(0.2),
    '0.2',
    'Probability that a BLOCK signal is drawn into the audit sample.',
  ),
  CONSOLE_CLAIM_TTL_S: v(int(10, 86_400).default(600), '600', 'How long a reviewer holds a claimed item, s.'),
  CONSOLE_SESSION_TTL_S: v(
    int(60, 7 * 86_400).default(8 * 3600),
    '28800 (8 h)',
    'Lifetime of a console login session, s.',
  ),
  CONSOLE_LOGIN_MAX_PER_MIN: v(
    int(1, 1000).default(10),
    '10',
    'Login attempts allowed per client address per minute.',
  ),
  CONSOLE_TLS_CERT_FILE: v(
    z.string().min(1).optional(),
    '(none)',
    'PEM certificate: the console serves HTTPS and marks cookies Secure.',
  ),
  CONSOLE_TLS_KEY_FILE: v(
    z.string().min(1).optional(),
    '(none)',
    'PEM private key of CONSOLE_TLS_CERT_FILE.',
  ),
} as const satisfies Record<string, EnvVariable>;

export type EnvName = keyof typeof ENV_VARIABLES;
