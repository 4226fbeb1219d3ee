import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { AtLeastOnceDelivery } from '../../../src/consume/chunk-delivery.js';
import { ConcurrencyLimiter } from '../../../src/consume/concurrency-limiter.js';
import { KafkaBatchRunner } from '../../../src/consume/kafka-batch-runner.js';
import type { InputMessage } from '../../../src/contracts/input-message.js';
import { IntegrityError } from '../../../src/errors.js';
import type { OutputMessage, OutputSink } from '../../../src/produce/output-message.js';

/** A consumer double that hands the runner one batch; the runner's own logic is what is tested. */
function fakeConsumer(): { consumer: Consumer; eachBatch: () => (p: EachBatchPayload) => Promise<void> } {
  let eachBatch: ((p: EachBatchPayload) => Promise<void>) | undefined;
  const consumer = {
    subscribe: async () => {},
    run: async (config: { eachBatch: (p: EachBatchPayload) => Promise<void> }) => {
      eachBatch = config.eachBatch;
    },
    stop: async () => {},
    disconnect: async () => {},
  } as unknown as Consumer;
  return { consumer, eachBatch: () => eachBatch! };
}

function payloadOf(values: string[], keyOf: (i: number) => string = (i) => `k${i}`) {
  const messages = values.map((v, i): KafkaMessage => ({
    offset: String(i),
    key: Buffer.from(keyOf(i)),
    value: Buffer.from(v),
    timestamp: '0',
    attributes: 0,
    headers: {},
  }));
  const commits: string[] = [];
  const resolved: string[] = [];
  let paused = 0;
  const payload = {
    batch: {
      topic: 'pins',
      partition: 0,
      messages,
      lastOffset: () => String(messages.length - 1),
    },
    resolveOffset: (o: string) => void resolved.push(o),
    heartbeat: async () => {},
    isRunning: () => true,
    isStale: () => false,
    pause: () => {
      paused++;
      return () => {};
    },
    commitOffsetsIfNecessary: async (o: { topics: { partitions: { offset: string }[] }[] }) => {
      commits.push(o.topics[0]!.partitions[0]!.offset);
    },
  } as unknown as EachBatchPayload;
  return { payload, commits, resolved, paused: () => paused };
}

/** Labels most records, dead-letters "bad" ones, throws (registry down) on "down"; earlier records finish last. */
const handler = {
  async handle(input: InputMessage): Promise<OutputMessage[]> {
    const value = input.value!.toString();
    await new Promise((r) => setTimeout(r, 20 - Number(input.offset) * 4));
    if (value === 'down') throw new IntegrityError('IW_REGISTRY_UNREACHABLE', 'registry down');
    const topic = value === 'bad' ? 'dlq' : 'labels';
    return [{ topic, key: input.key, value: Buffer.from(`${topic}:${input.offset}`), headers: {} }];
  },
};

function sinkRecording(): { sink: OutputSink; sends: OutputMessage[][] } {
  const sends: OutputMessage[][] = [];
  const sink = {
    send: async (outputs: readonly OutputMessage[]) => {
      sends.push([...outputs]);
      return { rejected: [] };
    },
    close: async () => {},
  } as unknown as OutputSink;
  return { sink, sends };
}

/** An at-least-once runner over the fake consumer: chunks of 16, 8 records in flight, 1 ms backoff. */
function runnerOf(consumer: ReturnType<typeof fakeConsumer>['consumer'], sink: OutputSink): KafkaBatchRunner {
  return new KafkaBatchRunner(consumer, handler, new AtLeastOnceDelivery(sink), new ConcurrencyLimiter(8), {
    chunkSize: 16,
    heartbeatIntervalMs: 1000,
    startPosition: 'earliest',
    backoff: { initialMs: 1, maxMs: 1 },
  });
}

async function runChunk(values: string[], keyOf?: (i: number) => string) {
  const { consumer, eachBatch } = fakeConsumer();
  const { sink, sends } = sinkRecording();
  const runner = runnerOf(consumer, sink);
  await runner.start('pins', 1);
  const batch = payloadOf(values, keyOf);
  await eachBatch()(batch.payload);
  await runner.stop();
  return { sends, ...batch };
}

describe('KafkaBatchRunner, one chunk', () => {
  it('a bad record in the middle becomes one dead letter, its neighbours are labelled, each published when handled, then one commit', async () => {
    const { sends, commits, resolved } = await runChunk(['a', 'b', 'bad', 'c', 'd']);
    // Later records finish first: they go out first, without waiting for the slowest of the chunk.
    expect(sends.flat().map((o) => o.value.toString())).toEqual([
      'labels:4',
      'labels:3',
      'dlq:2',
      'labels:1',
      'labels:0',
    ]);
    expect(commits).toEqual(['5']);
    expect(resolved).toEqual(['4']);
  });

  it('records with the same key are published in input order even when the later one is handled first', async () => {
    const { sends, commits } = await runChunk(['a', 'b', 'c'], () => 'same');
    expect(sends.flat().map((o) => o.value.toString())).toEqual(['labels:0', 'labels:1', 'labels:2']);
    expect(commits).toEqual(['3']);
  });

  it('a chunk whose handler throws (registry down) commits nothing, pauses the partition, and publishes only what was handled before (at least once: read again, published again)', async () => {
    const { sends, commits, resolved, paused } = await runChunk(['a', 'down', 'c']);
    expect(sends.flat().map((o) => o.value.toString())).toEqual(['labels:2', 'labels:0']);
    expect(commits).toEqual([]);
    expect(resolved).toEqual([]);
    expect(paused()).toBe(1);
  });

  it('commits only after every early publish was acknowledged, and not when one fails', async () => {
    const { consumer, eachBatch } = fakeConsumer();
    let failing = true;
    const log: string[] = [];
    const sink = {
      send: async (outputs: readonly OutputMessage[]) => {
        await new Promise((r) => setTimeout(r, 5));
        if (failing && outputs.some((o) => o.value.toString() === 'labels:1'))
          throw new IntegrityError('IW_PUBLISH_FAILED', 'kafka down', { retriable: true });
        log.push(...outputs.map((o) => `sent ${o.value.toString()}`));
        return { rejected: [] };
      },
      close: async () => {},
    } as unknown as OutputSink;
    const runner = runnerOf(consumer, sink);
    await runner.start('pins', 1);
    const first = payloadOf(['a', 'b', 'c']);
    await eachBatch()(first.payload);
    expect(first.commits).toEqual([]);
    expect(first.paused()).toBe(1);
    failing = false;
    log.length = 0;
    const again = payloadOf(['a', 'b', 'c']);
    const commit = again.payload.commitOffsetsIfNecessary;
    (again.payload as { commitOffsetsIfNecessary: unknown }).commitOffsetsIfNecessary = async (
      o: Parameters<typeof commit>[0],
    ) => {
      log.push('commit');
      await commit(o);
    };
    await eachBatch()(again.payload);
    await runner.stop();
    expect(log.at(-1)).toBe('commit');
    expect(log.filter((l) => l.startsWith('sent')).sort()).toEqual([
      'sent labels:0',
      'sent labels:1',
      'sent labels:2',
    ]);
    expect(again.commits).toEqual(['3']);
  });

  it("reports each record's wait when its handling starts: from its Kafka timestamp, behind the in-flight limit included", async () => {
    const { consumer, eachBatch } = fakeConsumer();
    const { sink } = sinkRecording();
    let clock = 1500;
    const waits: { partition: number; waitedMs: number }[] = [];
    const slow = {
      async handle(input: InputMessage): Promise<OutputMessage[]> {
        clock += 200; // each record takes 200 ms of the clock
        return [{ topic: 'labels', key: input.key, value: Buffer.from(input.offset), headers: {} }];
      },
    };
    const runner = new KafkaBatchRunner(
      consumer,
      slow,
      new AtLeastOnceDelivery(sink),
      new ConcurrencyLimiter(1),
      {
        chunkSize: 16,
        heartbeatIntervalMs: 1000,
        startPosition: 'earliest',
        backoff: { initialMs: 1, maxMs: 1 },
        now: () => clock,
      },
      { handling: ({ partition, waitedMs }) => void waits.push({ partition, waitedMs }) },
    );
    await runner.start('pins', 1);
    const batch = payloadOf(['a', 'b', 'c']);
    batch.payload.batch.messages.forEach((m, i) => (m.timestamp = String(1000 + 100 * i)));
    // A record stamped after the worker's clock (producer clock skew) waited 0, not a negative time.
    batch.payload.batch.messages[2]!.timestamp = '5000';
    await eachBatch()(batch.payload);
    await runner.stop();
    expect(waits).toEqual([
      { partition: 0, waitedMs: 500 },
      { partition: 0, waitedMs: 600 },
      { partition: 0, waitedMs: 0 },
    ]);
    expect(batch.commits).toEqual(['3']);
  });
});
