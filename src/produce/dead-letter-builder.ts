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
  };
}
