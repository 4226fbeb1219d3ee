import { IntegrityError } from '../errors.js';

/** Kafka error types that say a record (or a partition's record batch) is too large for its topic. */
const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

interface KafkaErrorLike {
  type?: string;
  retriable?: boolean;
  name?: string;
  cause?: unknown;
  errors?: unknown[];
}

/** The first error in a kafkajs error's cause chain (and aggregate lists) that names a protocol type. */
export function kafkaErrorType(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== 'object' || depth > 8) return undefined;
  const e = error as KafkaErrorLike;
  if (typeof e.type === 'string') return e.type;
  for (const inner of [e.cause, ...(Array.isArray(e.errors) ? e.errors : [])]) {
    const type = kafkaErrorType(inner, depth + 1);
    if (type) return type;
  }
  return undefined;
}

/**
 * Classifies what a kafkajs producer threw: a record too large (`IW_PUBLISH_TOO_LARGE`), a refusal
 * that retrying does not fix (`IW_PUBLISH_REJECTED`: kafkajs marks it non-retriable and gave up at
 * once), or an outage that outlasted the producer's bounded retries (`IW_PUBLISH_FAILED`, retriable:
 * kafkajs wraps the last retriable error in KafkaJSNumberOfRetriesExceeded).
 */
export function classifyPublishError(
  cause: unknown,
  count: number,
  topics: readonly string[],
): IntegrityError {
  const type = kafkaErrorType(cause);
  const details = { topics, kafkaError: type ?? (cause as KafkaErrorLike | undefined)?.name };
  if (type && TOO_LARGE.has(type))
    return new IntegrityError('IW_PUBLISH_TOO_LARGE', `Kafka refused ${count} outputs as too large`, {
      cause,
      details,
    });
  const e = cause as KafkaErrorLike | undefined;
  const exhausted = e?.name === 'KafkaJSNumberOfRetriesExceeded';
  if (e?.retriable === false && !exhausted && type !== undefined)
    return new IntegrityError('IW_PUBLISH_REJECTED', `Kafka refused ${count} outputs (${type})`, {
      cause,
      details,
    });
  return new IntegrityError('IW_PUBLISH_FAILED', `Kafka did not acknowledge ${count} outputs`, {
    cause,
    details,
  });
}
