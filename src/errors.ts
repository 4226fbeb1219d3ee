/**
 * The one error hierarchy. Every error the worker raises on purpose is an {@link IntegrityError} with a
 * stable `code` (tests, dead letters and metrics carry the code, never the message text) and a
 * `retriable` flag that the runner uses to choose between retry and dead letter.
 *
 * Codes are grouped by stage; a code, once shipped, is never renamed or reused.
 */
export const ERROR_CODES = {
  // config
  IW_CONFIG_INVALID: { retriable: false, doc: 'An environment variable has a wrong value.' },
  IW_ARGUMENT_INVALID: { retriable: false, doc: 'A command-line argument has a wrong value.' },
  IW_TOPIC_MISSING: {
    retriable: false,
    doc: 'A configured topic does not exist; the worker never creates topics.',
  },
  IW_KAFKA_AUTH_FAILED: {
    retriable: false,
    doc: 'The brokers refused the SASL credentials (or the mechanism) of KAFKA_SASL_*.',
  },
  IW_KAFKA_UNREACHABLE: {
    retriable: true,
    doc: 'No broker of KAFKA_BROKERS answered while the worker started (after kafkajs retried); it exits with code 2 for its supervisor to restart it.',
  },
  // contracts (wire format, registry, schemas)
  IW_WIRE_TOO_SHORT: { retriable: false, doc: 'Fewer than 5 bytes: not the Confluent wire format.' },
  IW_WIRE_BAD_MAGIC: { retriable: false, doc: 'The first byte is not the magic byte 0.' },
  IW_SCHEMA_UNKNOWN_ID: { retriable: false, doc: 'The registry has no schema with the id in the message.' },
  IW_REGISTRY_UNREACHABLE: { retriable: true, doc: 'The schema registry did not answer.' },
  IW_AVRO_BODY_MISMATCH: { retriable: false, doc: 'The Avro body does not match its writer schema.' },
  IW_RECORD_INVALID: { retriable: false, doc: 'A record fails schema validation before encoding.' },
  IW_SCHEMA_INCOMPATIBLE: { retriable: false, doc: 'A local schema is not compatible with the registry.' },
  IW_SCHEMA_NOT_REGISTERED: { retriable: false, doc: 'The registry has no id for a schema we encode with.' },
  IW_REGISTRY_AUTH_FAILED: {
    retriable: false,
    doc: 'The registry answered 401 or 403: check SCHEMA_REGISTRY_USERNAME/PASSWORD or _BEARER_TOKEN.',
  },
  IW_REGISTRY_REJECTED: {
    retriable: false,
    doc: 'The registry refused a request (a 4xx other than not found).',
  },
  // models and inference
  IW_MODEL_NOT_FOUND: { retriable: false, doc: 'A configured model version is missing on disk.' },
  IW_MODEL_CHECKSUM: { retriable: false, doc: "A model file's sha256 differs from its manifest." },
  IW_MODEL_MANIFEST: { retriable: false, doc: 'A manifest is malformed or disagrees with the session.' },
  IW_INFERENCE_FAILED: { retriable: true, doc: 'onnxruntime failed to run a batch.' },
  IW_MODEL_UNAVAILABLE: {
    retriable: true,
    doc: "The model's session died (its worker thread crashed) and is being restarted.",
  },
  IW_INFERENCE_CLOSED: { retriable: true, doc: 'A request reached a batcher that is closing.' },
  IW_EMBEDDING_INVALID: {
    retriable: false,
    doc: 'An embedding has the wrong length, a non-finite value or a model the index does not hold.',
  },
  IW_INDEX_SNAPSHOT_MISMATCH: {
    retriable: false,
    doc: 'Logged, not thrown: a near-duplicate index snapshot holds another scalar kind than NEAR_DUPLICATE_INDEX_SCALAR, so it is left unloaded and the index rebuilds from the embeddings topic.',
  },
  // policy
  IW_POLICY_INVALID: { retriable: false, doc: 'A policy file is malformed or names unknown classes.' },
  IW_POLICY_MODEL_MISMATCH: {
    retriable: false,
    doc: 'A policy rule is bound to another model version than the one served.',
  },
  // input
  IW_INPUT_INVALID: { retriable: false, doc: 'A decoded pin lacks what the worker needs.' },
  IW_CONTENT_ABSENT: {
    retriable: false,
    doc: 'The pin has no content for this signal (no image, or no text).',
  },
  IW_IMAGE_DECODE: { retriable: false, doc: 'The image bytes cannot be decoded.' },
  IW_IMAGE_TOO_LARGE: { retriable: false, doc: 'The image exceeds the byte or pixel cap.' },
  IW_IMAGE_UNSUPPORTED: { retriable: false, doc: 'The bytes are not a supported image type.' },
  // video (ffmpeg probes and samples frames of the downloaded bytes, in a child process)
  IW_VIDEO_UNSUPPORTED: {
    retriable: false,
    doc: 'The bytes are not a supported video container (MP4/QuickTime, WebM/Matroska), or are empty.',
  },
  IW_VIDEO_DECODE: {
    retriable: false,
    doc: 'The video cannot be decoded: truncated or corrupt (a partial video is not scored).',
  },
  IW_VIDEO_NO_VIDEO_STREAM: { retriable: false, doc: 'The file has no video stream (audio only).' },
  IW_VIDEO_EMPTY: { retriable: false, doc: 'The video stream has no frame to score (zero length).' },
  IW_VIDEO_TOO_LARGE: {
    retriable: false,
    doc: 'The video exceeds the byte cap (VIDEO_MAX_BYTES) or its frames the pixel cap (IMAGE_MAX_PIXELS).',
  },
  IW_VIDEO_TIMEOUT: {
    retriable: false,
    doc: 'ffmpeg did not finish within VIDEO_DECODE_TIMEOUT_MS (a video that never ends); it was killed.',
  },
  IW_VIDEO_TOOL_MISSING: {
    retriable: false,
    doc: "ffmpeg or ffprobe cannot be started (FFMPEG_PATH, FFPROBE_PATH); install Debian's ffmpeg.",
  },
  // image fetch
  IW_FETCH_HOST_REFUSED: { retriable: false, doc: 'The URL host is not allowed.' },
  IW_FETCH_ADDRESS_REFUSED: { retriable: false, doc: 'The host resolves to a refused address.' },
  IW_FETCH_BAD_URL: { retriable: false, doc: 'The URL is malformed or not http(s).' },
  IW_FETCH_HTTP_STATUS: { retriable: false, doc: 'The server answered a non-retriable status.' },
  IW_FETCH_HTTP_5XX: { retriable: true, doc: 'The server answered 5xx or 429.' },
  IW_FETCH_TIMEOUT: { retriable: true, doc: 'Connect or total time ran out.' },
  IW_FETCH_NETWORK: { retriable: true, doc: 'The connection failed.' },
  IW_FETCH_TOO_MANY_REDIRECTS: { retriable: false, doc: 'More redirects than allowed.' },
  // outputs
  IW_PUBLISH_FAILED: {
    retriable: true,
    doc: "Kafka did not acknowledge outputs within the producer's bounded retries (broker or topic unavailable); the partition pauses and backs off.",
  },
  IW_PUBLISH_TOO_LARGE: {
    retriable: false,
    doc: "An output is larger than its topic's max.message.bytes; it is never sent (a dead letter is truncated to fit first).",
  },
  IW_PUBLISH_REJECTED: {
    retriable: false,
    doc: 'Kafka refused outputs for a reason retrying does not fix (authorization, invalid record, topic config); the partition pauses until it is fixed.',
  },
  IW_TRANSACTION_FAILED: {
    retriable: true,
    doc: 'An exactly-once transaction was aborted (fenced by a newer owner of the partition, or Kafka failed); nothing of it is visible to read_committed readers.',
  },
  IW_CACHE_UNAVAILABLE: { retriable: false, doc: 'Redis failed; the worker continues without cache.' },
  // the review console
  IW_CONSOLE_USER_EXISTS: { retriable: false, doc: 'A console account with this name exists.' },
  IW_CONSOLE_UNAUTHENTICATED: { retriable: false, doc: 'No valid console session (or wrong password).' },
  IW_CONSOLE_FORBIDDEN: { retriable: false, doc: "The account's role may not do this." },
  IW_CONSOLE_CSRF: { retriable: false, doc: 'A state-changing request without its CSRF token.' },
  IW_CONSOLE_RATE_LIMITED: { retriable: true, doc: 'Too many login attempts from one address.' },
  IW_CONSOLE_NOT_FOUND: { retriable: false, doc: 'No such queue item or pin.' },
  IW_CONSOLE_CLAIMED: { retriable: false, doc: 'Another reviewer holds the claim on this item.' },
  IW_CONSOLE_BAD_REQUEST: { retriable: false, doc: 'A console request body or query is malformed.' },
  // the catch-all: a bug, never expected
  IW_NEAR_DUPLICATE_UNVERIFIED: {
    retriable: false,
    doc: 'Local-feature verification of a near-duplicate candidate could not run; the embedding rule decides.',
  },
  IW_INTERNAL: { retriable: false, doc: 'An unexpected error; a bug.' },
} as const satisfies Record<string, { retriable: boolean; doc: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class IntegrityError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; retriable?: boolean; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'IntegrityError';
    this.code = code;
    this.retriable = options.retriable ?? ERROR_CODES[code].retriable;
    this.details = options.details && Object.freeze({ ...options.details });
  }
}

export function isIntegrityError(error: unknown, code?: ErrorCode): error is IntegrityError {
  return error instanceof IntegrityError && (code === undefined || error.code === code);
}

/** Wraps anything thrown into an IntegrityError, keeping IntegrityErrors as they are. */
export function toIntegrityError(error: unknown, fallback: ErrorCode = 'IW_INTERNAL'): IntegrityError {
  if (error instanceof IntegrityError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new IntegrityError(fallback, message, { cause: error });
}
