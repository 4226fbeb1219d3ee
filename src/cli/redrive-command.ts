/**
 * `integrity-worker redrive [--code C,...] [--from <pos>] [--to <pos>] [--to-topic T] [--dry-run]`:
 * re-publishes chosen dead letters' original key, value and headers (unchanged, in their order) to the
 * input topic, after the fix that makes them processable. Dead letters are chosen by error code and by
 * a range of the dead-letter topic (offsets or broker time, see kafka-range.ts; default: all of it, as
 * it was when the command started). `--dry-run` publishes nothing and prints what it would. It reads
 * with a throwaway group that commits nothing and is deleted at the end; it prints one JSON summary.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { IHeaders, Message } from 'kafkajs';
import { Partitioners } from '../kafka/kafkajs.js';
import { loadConfig } from '../config/load-config.js';
import { AvroCodec } from '../contracts/avro-codec.js';
import type { DeadLetter } from '../contracts/generated/dead-letter.js';
import { HttpSchemaRegistry, registryAuthFromConfig } from '../contracts/http-schema-registry.js';
import { DEAD_LETTER } from '../contracts/subjects.js';
import { IntegrityError, isIntegrityError } from '../errors.js';
import { kafkaFromConfig } from '../kafka/kafka-from-config.js';
import { createLogger } from '../telemetry/logger.js';
import { inRange, parsePosition, rangeSize, resolveRange } from './kafka-range.js';

const USAGE = `usage: integrity-worker redrive [--code IW_X,...] [--from <pos>] [--to <pos>] [--to-topic T] [--dry-run]
  pos (on the dead-letter topic): earliest | latest | <offset> | <partition>:<offset>,... | ISO time with zone
  Topics, brokers and registry come from the environment (DEADLETTER_TOPIC, INPUT_TOPIC, ...).`;

/** The original record as it was consumed: headers regrouped by name, in their order. */
export function originalMessage(letter: DeadLetter): Message {
  const headers: IHeaders = {};
  for (const { key, value } of letter.headers) {
    const previous = headers[key];
    const bytes = value ?? Buffer.alloc(0);
    headers[key] = previous === undefined ? bytes : ([] as (string | Buffer)[]).concat(previous, bytes);
  }
  return { key: letter.key, value: letter.value, headers };
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      code: { type: 'string' },
      from: { type: 'string', default: 'earliest' },
      to: { type: 'string', default: 'latest' },
      'to-topic': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const config = loadConfig();
  const codes = new Set((values.code ?? '').split(',').filter(Boolean));
  const target = values['to-topic'] ?? config.INPUT_TOPIC;
  const from = parsePosition(values.from, '--from');
  const to = parsePosition(values.to, '--to');
  const kafka = kafkaFromConfig(config, createLogger(config.LOG_LEVEL), '-redrive');
  const admin = kafka.admin();
  await admin.connect();
  const codec = new AvroCodec(
    new HttpSchemaRegistry({ baseUrl: config.SCHEMA_REGISTRY_URL, auth: registryAuthFromConfig(config) }),
  );
  const ranges = await resolveRange(admin, config.DEADLETTER_TOPIC, from, to);
  const selected: { letter: DeadLetter; partition: number; offset: string }[] = [];
  const byCode: Record<string, number> = {};
  let scanned = 0;
  let unreadable = 0;

  if (rangeSize(ranges) > 0n) {
    const groupId = `${config.KAFKA_GROUP_ID}.redrive.${randomUUID()}`;
    const consumer = kafka.consumer({ groupId });
    await consumer.connect();
    const remaining = new Set(ranges.filter((r) => r.end > r.start).map((r) => r.partition));
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    // A partition is read once a fetched batch reaches its range's end. The batch's last offset counts
    // the records kafkajs never hands to eachMessage (commit markers of a transactional producer, as in
    // exactly-once mode, and aborted records): the last record's own offset can stay short of the end
    // for good. END_BATCH_PROCESS also fires for batches holding nothing but those.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const range = ranges.find((r) => r.partition === payload.partition);
      if (payload.topic !== config.DEADLETTER_TOPIC || !range) return;
      if (BigInt(payload.lastOffset) + 1n >= range.end && remaining.delete(range.partition))
        if (remaining.size === 0) finish();
    });
    // The throwaway group starts at the range's start (a seek after run could race a first fetch
    // from the topic's end, whose batch would look like the end of the range).
    await admin.setOffsets({
      groupId,
      topic: config.DEADLETTER_TOPIC,
      partitions: ranges.map((r) => ({ partition: r.partition, offset: r.start.toString() })),
    });
    await consumer.subscribe({ topic: config.DEADLETTER_TOPIC });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (inRange(ranges, partition, message.offset) && message.value) {
          scanned++;
          try {
            const letter = (await codec.decodeAs(DEAD_LETTER, message.value)).record;
            if (codes.size === 0 || codes.has(letter.errorCode)) {
              selected.push({ letter, partition, offset: message.offset });
              byCode[letter.errorCode] = (byCode[letter.errorCode] ?? 0) + 1;
            }
          } catch (error) {
            if (!isIntegrityError(error) || error.retriable) throw error;
            unreadable++;
          }
        }
      },
    });
    await done;
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }

  let published = 0;
  if (!values['dry-run'] && selected.length > 0) {
    const existing = new Set(await admin.listTopics());
    if (!existing.has(target)) throw new IntegrityError('IW_TOPIC_MISSING', `topic ${target} does not exist`);
    const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      for (let i = 0; i < selected.length; i += 500) {
        const messages = selected.slice(i, i + 500).map((s) => originalMessage(s.letter));
        await producer.send({ topic: target, messages, acks: -1 });
        published += messages.length;
      }
    } finally {
      await producer.disconnect();
    }
  }
  await admin.disconnect();
  console.log(
    JSON.stringify({
      deadLetterTopic: config.DEADLETTER_TOPIC,
      toTopic: target,
      dryRun: values['dry-run'],
      codes: [...codes],
      scanned,
      unreadable,
      matched: selected.length,
      byCode,
      published,
      offsets: selected.slice(0, 20).map((s) => `${s.partition}:${s.offset}`),
    }),
  );
  return 0;
}
