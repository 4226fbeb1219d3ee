/**
 * The verdicts for retraining: every ReviewVerdict on REVIEW_TOPIC (read from the beginning to the end
 * it had when the export started), joined with its pin's text from INPUT_TOPIC (the latest PinCreated
 * of that pin), one JSON line per verdict with where it was read (its provenance). Nothing is
 * committed: a fresh group reads, and is forgotten.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { AvroCodec } from '../../src/contracts/avro-codec.js';
import type { PinCreated } from '../../src/contracts/generated/pin-created.js';
import type { ReviewVerdict } from '../../src/contracts/generated/review-verdict.js';
import { PIN_CREATED, REVIEW_VERDICT } from '../../src/contracts/subjects.js';

export interface KafkaPosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** One line of the export: what training/text_spam/retrain.py reads. */
export interface VerdictRow {
  verdictId: string;
  pinId: string;
  signal: string;
  verdict: string;
  reviewerId: string;
  reviewedAt: number;
  queue: string;
  inclusionProbability: number;
  model: string;
  decision: string;
  source: KafkaPosition;
  title: string | null;
  description: string | null;
  link: string | null;
}

export interface ExportCounts {
  verdicts: number;
  pinsRead: number;
  withoutPin: number;
}

/**
 * Reads `topic` from the beginning up to the high watermarks it had on entry, calling `onRecord` for
 * each record in partition order. Fails after `timeoutMs` (a broker that does not serve the topic).
 */
export async function readTopicToEnd(
  kafka: Kafka,
  topic: string,
  onRecord: (value: Buffer, position: KafkaPosition) => Promise<void>,
  timeoutMs = 120_000,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const remaining = new Map(
    offsets.filter((o) => Number(o.high) > Number(o.low)).map((o) => [o.partition, Number(o.high)]),
  );
  if (remaining.size === 0) return;
  const consumer = kafka.consumer({ groupId: `iw-retrain-export-${randomUUID()}` });
  let finish!: () => void;
  let fail!: (error: Error) => void;
  const finished = new Promise<void>((resolve, reject) => ((finish = resolve), (fail = reject)));
  const reached = (partition: number, lastOffset: number) => {
    const high = remaining.get(partition);
    if (high !== undefined && lastOffset >= high - 1) remaining.delete(partition);
    if (remaining.size === 0) finish();
  };
  // A batch that ends in a transaction marker has no message at the last offset: its lag says it.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.offsetLag === '0') reached(payload.partition, Number.MAX_SAFE_INTEGER);
  });
  const timer = setTimeout(() => fail(new Error(`${topic}: not read to its end in ${timeoutMs} ms`)), timeoutMs);
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (!remaining.has(partition)) return;
        const offset = Number(message.offset);
        if (message.value) await onRecord(message.value, { topic, partition, offset });
        reached(partition, offset);
      },
    });
    await finished;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
}

export async function exportVerdicts(
  kafka: Kafka,
  codec: AvroCodec,
  topics: { reviews: string; pins: string },
): Promise<{ rows: VerdictRow[]; counts: ExportCounts }> {
  const verdicts: { verdict: ReviewVerdict; source: KafkaPosition }[] = [];
  await readTopicToEnd(kafka, topics.reviews, async (value, source) => {
    verdicts.push({ verdict: (await codec.decodeAs(REVIEW_VERDICT, value)).record, source });
  });
  const wanted = new Set(verdicts.map((v) => v.verdict.pinId));
  const pins = new Map<string, PinCreated>();
  let pinsRead = 0;
  if (wanted.size > 0) {
    await readTopicToEnd(kafka, topics.pins, async (value) => {
      pinsRead += 1;
      const pin = (await codec.decodeAs(PIN_CREATED, value)).record;
      const seen = pins.get(pin.pinId);
      if (wanted.has(pin.pinId) && (!seen || seen.createdAt <= pin.createdAt)) pins.set(pin.pinId, pin);
    });
  }
  const rows = verdicts.map(({ verdict: v, source }): VerdictRow => {
    const pin = pins.get(v.pinId);
    return {
      verdictId: v.verdictId,
      pinId: v.pinId,
      signal: v.signal,
      verdict: v.verdict,
      reviewerId: v.reviewerId,
      reviewedAt: v.reviewedAt,
      queue: v.queue,
      inclusionProbability: v.inclusionProbability,
      model: `${v.label.modelName}@${v.label.modelVersion}`,
      decision: v.label.decision,
      source,
      title: pin?.title ?? null,
      description: pin?.description ?? null,
      link: pin?.link ?? null,
    };
  });
  const withoutPin = verdicts.filter((v) => !pins.has(v.verdict.pinId)).length;
  return { rows, counts: { verdicts: verdicts.length, pinsRead, withoutPin } };
}
