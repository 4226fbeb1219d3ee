import { IntegrityError } from '../errors.js';
import type { OutputMessage } from './output-message.js';

/** kafkajs's shape of one topic's messages in a `sendBatch`. */
export interface TopicMessages {
  topic: string;
  messages: { key: Buffer | string | null; value: Buffer; headers: Record<string, string | Buffer> }[];
}

/** Kafka's default max.message.bytes (broker message.max.bytes), for topics whose limit is unknown. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;
/** A v2 record batch's header. */
export const RECORD_BATCH_OVERHEAD_BYTES = 61;

const byteLength = (data: Buffer | string | null) =>
  data === null ? 0 : typeof data === 'string' ? Buffer.byteLength(data) : data.length;

/**
 * An upper bound of a record's size inside an uncompressed v2 record batch: its bytes plus the
 * varints and attributes around them (at most 5 bytes each, rounded up).
 */
export function recordBytes(message: Pick<OutputMessage, 'key' | 'value' | 'headers'>): number {
  let size = 32 + byteLength(message.key) + message.value.length;
  for (const [name, value] of Object.entries(message.headers))
    size += 10 + Buffer.byteLength(name) + byteLength(value);
  return size;
}

/**
 * Splits a chunk's outputs into `sendBatch` requests that each fit their topics' max.message.bytes
 * (kafkajs puts one partition's records of a request into one record batch, and the broker checks
 * the batch against the limit). Order is kept per topic. An output that alone does not fit can never
 * be published: it comes back in `rejected` with IW_PUBLISH_TOO_LARGE instead of stalling its
 * partition.
 */
export function planRequests(
  messages: readonly OutputMessage[],
  maxBytesOf: (topic: string) => number,
): { requests: TopicMessages[][]; rejected: { message: OutputMessage; error: IntegrityError }[] } {
  const perTopic = new Map<string, TopicMessages[]>();
  const open = new Map<string, number>();
  const rejected: { message: OutputMessage; error: IntegrityError }[] = [];
  for (const message of messages) {
    const limit = maxBytesOf(message.topic) - RECORD_BATCH_OVERHEAD_BYTES;
    const size = recordBytes(message);
    if (size > limit) {
      rejected.push({
        message,
        error: new IntegrityError(
          'IW_PUBLISH_TOO_LARGE',
          `an output of ~${size} bytes exceeds ${message.topic}'s limit`,
          { details: { topic: message.topic, bytes: size, limit: limit + RECORD_BATCH_OVERHEAD_BYTES } },
        ),
      });
      continue;
    }
    const list = perTopic.get(message.topic) ?? [];
    perTopic.set(message.topic, list);
    let used = open.get(message.topic) ?? Infinity;
    if (used + size > limit) {
      list.push({ topic: message.topic, messages: [] });
      used = 0;
    }
    list[list.length - 1]!.messages.push({
      key: message.key,
      value: message.value,
      headers: { ...message.headers },
    });
    open.set(message.topic, used + size);
  }
  const rounds = Math.max(0, ...[...perTopic.values()].map((list) => list.length));
  const requests = Array.from({ length: rounds }, (_, i) =>
    [...perTopic.values()].flatMap((list) => (list[i] ? [list[i]] : [])),
  );
  return { requests, rejected };
}
