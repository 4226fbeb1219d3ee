import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEnv, uniqueName } from '../../support/stack-env.js';

const kafka = new Kafka({
  clientId: uniqueName('smoke'),
  brokers: stackEnv.kafkaBrokers,
  logLevel: logLevel.NOTHING,
});
let admin: Admin;

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
});
afterAll(() => admin.disconnect());

async function createTopic(partitions: number): Promise<string> {
  const topic = uniqueName('smoke.topic');
  await admin.createTopics({
    topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  return topic;
}

/** Consumes until `count` messages arrived, then returns their values in arrival order. */
async function consume(
  topic: string,
  count: number,
  options: { readUncommitted?: boolean } = {},
): Promise<{ value: string; partition: number }[]> {
  const consumer = kafka.consumer({
    groupId: uniqueName('smoke.group'),
    readUncommitted: options.readUncommitted ?? false,
  });
  const seen: { value: string; partition: number }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachMessage: async ({ message, partition }) => {
          seen.push({ value: message.value!.toString(), partition });
          if (seen.length >= count) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return seen;
}

describe('kafkajs against the local Kafka 4.x broker', () => {
  it('creates a topic with explicit partitions, produces and consumes in a group', async () => {
    const topic = await createTopic(3);
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]!.partitions).toHaveLength(3);

    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const values = Array.from({ length: 30 }, (_, i) => `m${i}`);
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ key: value, value })) });
    await producer.disconnect();

    const seen = await consume(topic, values.length);
    expect(seen.map((m) => m.value).sort()).toEqual([...values].sort());
    expect(new Set(seen.map((m) => m.partition)).size).toBeGreaterThan(1);
  });

  it('commits a transaction with sendOffsets and hides an aborted one from READ_COMMITTED', async () => {
    const input = await createTopic(1);
    const output = await createTopic(1);
    const groupId = uniqueName('smoke.txn-group');

    const seed = kafka.producer();
    await seed.connect();
    await seed.send({ topic: input, messages: [{ value: 'in-0' }, { value: 'in-1' }] });
    await seed.disconnect();

    const producer = kafka.producer({
      transactionalId: uniqueName('smoke.txn'),
      maxInFlightRequests: 1,
      idempotent: true,
    });
    await producer.connect();

    const committed = await producer.transaction();
    await committed.send({ topic: output, messages: [{ value: 'committed' }] });
    await committed.sendOffsets({
      consumerGroupId: groupId,
      topics: [{ topic: input, partitions: [{ partition: 0, offset: '1' }] }],
    });
    await committed.commit();

    const aborted = await producer.transaction();
    await aborted.send({ topic: output, messages: [{ value: 'aborted' }] });
    await aborted.abort();

    // A marker after the aborted records: once it is read, the aborted ones had their chance.
    const after = await producer.transaction();
    await after.send({ topic: output, messages: [{ value: 'after' }] });
    await after.commit();
    await producer.disconnect();

    const offsets = await admin.fetchOffsets({ groupId, topics: [input] });
    expect(offsets[0]!.partitions[0]!.offset).toBe('1');

    const readCommitted = await consume(output, 2);
    expect(readCommitted.map((m) => m.value)).toEqual(['committed', 'after']);

    const readUncommitted = await consume(output, 3, { readUncommitted: true });
    expect(readUncommitted.map((m) => m.value)).toEqual(['committed', 'aborted', 'after']);
  });
});
