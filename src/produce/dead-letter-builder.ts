import type { InputMessage } from '../contracts/input-message.js';
import type { DeadLetter } from '../contracts/generated/dead-letter.js';
import type { IntegrityError } from '../errors.js';

export interface DeadLetterContext {
  readonly stage: string;
  readonly attempts: number;
  readonly firstSeenAt: number;
  readonly deadLetteredAt: number;
  readonly traceId: string | null;
  readonly workerVersion: string;
}

/** A dead letter keeps the original bytes, key and headers, so the record can be inspected and replayed. */
export function buildDeadLetter(
  message: InputMessage,
  error: IntegrityError,
  context: DeadLetterContext,
): DeadLetter {
  return {
    source: { topic: message.topic, partition: message.partition, offset: Number(message.offset) },
    key: message.key,
    value: message.value,
    headers: Object.entries(message.headers).map(([key, value]) => ({ key, value: value ?? null })),
    errorCode: error.code,
    errorMessage: error.message,
    stage: context.stage,
    attempts: context.attempts,
    firstSeenAt: context.firstSeenAt,
    deadLetteredAt: context.deadLetteredAt,
    traceId: context.traceId,
    workerVersion: context.workerVersion,
    originalValueBytes: null,
  };
}

/**
 * Encodes a dead letter so that, as a record with `key` and `headers`, it fits `maxRecordBytes` (the
 * dead-letter topic's max.message.bytes less the batch overhead): when it would not, the original
 * value is cut to its first bytes and `originalValueBytes` says how long it was. A dead letter that
 * still does not fit (a huge key or headers) is returned as it is; the sink then rejects it.
 */
export async function encodeDeadLetterToFit(
  deadLetter: DeadLetter,
  encode: (deadLetter: DeadLetter) => Promise<Buffer>,
  recordBytes: (value: Buffer) => number,
  maxRecordBytes: number,
): Promise<Buffer> {
  const whole = await encode(deadLetter);
  const excess = recordBytes(whole) - maxRecordBytes;
  const value = deadLetter.value;
  if (excess <= 0 || value === null) return whole;
  // +16: the long varint of originalValueBytes and a shorter length prefix of value, rounded up.
  const keep = Math.max(0, value.length - excess - 16);
  return encode({ ...deadLetter, value: value.subarray(0, keep), originalValueBytes: value.length });
}
