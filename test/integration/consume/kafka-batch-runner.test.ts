import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtLeastOnceDelivery } from '../../../src/consume/chunk-delivery.js';
import { ConcurrencyLimiter } from '../../../src/consume/concurrency-limiter.js';
import type { InputMessage } from '../../../src/contracts/input-message.js';
import { KafkaBatchRunner } from '../../../src/consume/kafka-batch-runner.js';
import type { MessageHandler } from '../../../src/consume/message-handler.js';
import { KafkaOutputSink } from '../../../src/produce/kafka-output-sink.js';
import { stackEnv, uniqueName } from '../../support/stack-env.js';

const kafka = new Kafka({
  clientId: uniqueName('runner-test'),
  brokers: stackEnv.kafkaBrokers,
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();

beforeAll(() => admin.connect());
afterAll(() => admin.disconnect());

/** Echoes each input to `output`, slowly enough that a stop lands mid-stream. */
class EchoHandler implements MessageHandler {
  handled = 0;
  constructor(
    private readonly output: string,
    private readonly delayMs: number,
  ) {}
  async handle(message: InputMessage) {
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    this.handled++;
    return [{ topic: this.output, key: message.key, value: message.value!, headers: {} }];
  }
}

async function startRunner(
  input: string,
  groupId: string,
  handler: MessageHandler,
  startPosition: 'earliest' | 'latest' = 'earliest',
): Promise<{ stopAll(): Promise<void> }> {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1000 });
  const producer = kafka.producer({ idempotent: true });
  await Promise.all([consumer.connect(), producer.connect()]);
  const sink = new KafkaOutputSink(producer, () => 1_048_588);
  const runner = new KafkaBatchRunner(
    consumer,
    handler,
    new AtLeastOnceDelivery(sink),
    new ConcurrencyLimiter(16),
    {
      chunkSize: 10,
      heartbeatIntervalMs: 1000,
      startPosition,
      backoff: { initialMs: 100, maxMs: 1000 },
    },
  );
  await runner.start(input, 2);
  return {
    stopAll: async () => {
      await runner.stop();
      await sink.close();
    },
  };
}

async function readAll(topic: string, expected: number): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('reader') });
  const values: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value!.toString());
        if (values.length >= expected) resolve();
      },
    });
  });
  // Anything beyond `expected` (a duplicate) would arrive right behind: give it a moment to show.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await consumer.disconnect();
  return values;
}

describe('KafkaBatchRunner', () => {
  it('publishes every input once across a graceful stop and restart', async () => {
    const input = uniqueName('runner.in');
    const output = uniqueName('runner.out');
    const groupId = uniqueName('runner.group');
    await admin.createTopics({
      topics: [
        { topic: input, numPartitions: 2, replicationFactor: 1 },
        { topic: output, numPartitions: 1, replicationFactor: 1 },
      ],
      waitForLeaders: true,
    });
    const producer = kafka.producer();
    await producer.connect();
    const sent = Array.from({ length: 300 }, (_, i) => `v${i}`);
    await producer.send({ topic: input, messages: sent.map((value) => ({ key: value, value })) });
    await producer.disconnect();

    const first = new EchoHandler(output, 5);
    const runner1 = await startRunner(input, groupId, first);
    while (first.handled < 60) await new Promise((resolve) => setTimeout(resolve, 20));
    await runner1.stopAll();
    expect(first.handled).toBeLessThan(sent.length);

    const second = new EchoHandler(output, 0);
    const runner2 = await startRunner(input, groupId, second);
    const values = await readAll(output, sent.length);
    await runner2.stopAll();

    expect(values.length).toBe(sent.length);
    expect(new Set(values)).toEqual(new Set(sent));
    expect(first.handled + second.handled).toBe(sent.length);
  });

  it('starts a new group at the end of the topic by default (latest), at the beginning with earliest', async () => {
    const input = uniqueName('runner.in');
    const output = uniqueName('runner.out');
    await admin.createTopics({
      topics: [
        { topic: input, numPartitions: 1, replicationFactor: 1 },
        { topic: output, numPartitions: 1, replicationFactor: 1 },
      ],
      waitForLeaders: true,
    });
    const producer = kafka.producer();
    await producer.connect();
    const send = (values: string[]) =>
      producer.send({ topic: input, messages: values.map((value) => ({ key: value, value })) });
    await send(['old-0', 'old-1', 'old-2']);

    const latest = new EchoHandler(output, 0);
    const runner = await startRunner(input, uniqueName('runner.latest'), latest, 'latest');
    // The group's start offsets are resolved when it first fetches; produce after that.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await send(['new-0', 'new-1']);
    const seen = await readAll(output, 2);
    await runner.stopAll();
    expect(seen.sort()).toEqual(['new-0', 'new-1']);

    const earliest = new EchoHandler(output, 0);
    const runner2 = await startRunner(input, uniqueName('runner.earliest'), earliest, 'earliest');
    while (earliest.handled < 5) await new Promise((resolve) => setTimeout(resolve, 20));
    await runner2.stopAll();
    await producer.disconnect();
    expect(earliest.handled).toBe(5);
  });
});
