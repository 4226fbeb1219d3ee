import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  encodeProduceV3,
  encodeRequest,
  type ProduceMessage,
  type ProduceRequestArgs,
} from '../../../src/kafka/produce-request.js';
import '../../../src/kafka/kafkajs.js';
import { kafkajsOriginal } from '../../support/kafkajs-original.js';

const require = createRequire(import.meta.url);

interface Encoded {
  buffer: Buffer;
}
type KafkajsProduce = (args: ProduceRequestArgs) => {
  apiKey: number;
  apiVersion: number;
  encode(): Promise<Encoded>;
};
const kafkajsProduceV3 = kafkajsOriginal<KafkajsProduce>(
  'kafkajs/src/protocol/requests/produce/v3/request.js',
);
const kafkajsRequest = kafkajsOriginal<
  (args: {
    correlationId: number;
    clientId: string | null;
    request: ReturnType<KafkajsProduce>;
  }) => Promise<Encoded>
>('kafkajs/src/protocol/request.js');
const Long = require('kafkajs/src/utils/long.js') as {
  fromInt(v: number): unknown;
  fromValue(v: unknown): unknown;
};

const NOW = 1_764_650_000_123;

async function kafkajsBytes(args: ProduceRequestArgs): Promise<Buffer> {
  vi.spyOn(Date, 'now').mockReturnValue(NOW);
  try {
    return (await kafkajsProduceV3(args).encode()).buffer;
  } finally {
    vi.restoreAllMocks();
  }
}

function message(i: number): ProduceMessage {
  const kinds: ProduceMessage[] = [
    { key: `pin-${i}`, value: randomBytes(i % 300) },
    { key: null, value: Buffer.from(`{"i":${i}}`) },
    {
      key: Buffer.from(`k${i}`),
      value: randomBytes(5_200),
      headers: { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` },
    },
    { value: `ünïcödé ${i} ✓`, headers: { a: ['x', Buffer.from([0, 1, 2])], ключ: 'значение', empty: '' } },
    { key: `tomb-${i}`, value: null, timestamp: NOW - 5 },
    { key: 'ts', value: 'v', timestamp: String(NOW + i) },
  ];
  return kinds[i % kinds.length]!;
}

afterEach(() => vi.restoreAllMocks());

/** One topic, one partition, two records: the request the framing tests frame. */
const twoRecordRequest = (): ProduceRequestArgs => ({
  acks: -1,
  timeout: 30_000,
  topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [message(1), message(2)] }] }],
});

describe('Produce v3 request in one buffer (kafkajs produce path)', () => {
  it('writes the same bytes as kafkajs for varied records, partitions and topics', async () => {
    for (const count of [0, 1, 2, 6, 7, 64, 65, 200]) {
      const args: ProduceRequestArgs = {
        acks: -1,
        timeout: 30_000,
        compression: 0,
        topicData: [
          {
            topic: 'integrity.labels.v1',
            partitions: [
              { partition: 0, messages: Array.from({ length: count }, (_, i) => message(i)) },
              { partition: 3, messages: [message(count + 2)] },
            ],
          },
          {
            topic: 'content.embeddings.v1',
            partitions: [{ partition: 1, messages: [message(2), message(8)] }],
          },
        ],
      };
      expect(encodeProduceV3(args, NOW).equals(await kafkajsBytes(args)), `count ${count}`).toBe(true);
    }
  });

  it('writes the transactional fields as kafkajs does (id, producer id and epoch, first sequence)', async () => {
    const args: ProduceRequestArgs = {
      acks: -1,
      timeout: 5_000,
      transactionalId: 'integrity-worker-tx-0',
      producerId: Long.fromValue('1234567890123'),
      producerEpoch: 7,
      topicData: [
        { topic: 't', partitions: [{ partition: 2, firstSequence: 42, messages: [message(0), message(3)] }] },
      ],
    };
    expect(encodeProduceV3(args, NOW).equals(await kafkajsBytes(args))).toBe(true);
  });

  it('follows kafkajs on timestamps: string sort, negative and large deltas', async () => {
    // string sort puts '100' before '99': a negative delta; an old timestamp: a delta above 2^30
    const timestamps = ['99', '100', String(NOW), NOW - 2 ** 33, NOW + 1];
    const args: ProduceRequestArgs = {
      acks: 1,
      timeout: 1_000,
      topicData: [
        {
          topic: 't',
          partitions: [
            {
              partition: 0,
              messages: timestamps.map((timestamp, i) => ({ key: `k${i}`, value: 'v', timestamp })),
            },
            {
              partition: 1,
              messages: [
                { key: 'a', value: 'b' },
                { key: 'c', value: 'd', timestamp: NOW - 3 },
              ],
            },
          ],
        },
      ],
    };
    expect(encodeProduceV3(args, NOW).equals(await kafkajsBytes(args))).toBe(true);
  });

  it('frames a request as kafkajs does (size, api key and version, correlation id, client id)', async () => {
    const args = twoRecordRequest();
    vi.spyOn(Date, 'now').mockReturnValue(NOW);
    for (const clientId of ['integrity-worker', 'ünï', null]) {
      const request = kafkajsProduceV3(args);
      const theirs = (await kafkajsRequest({ correlationId: 123_456, clientId, request })).buffer;
      const ours = await encodeRequest({ correlationId: 123_456, clientId, request });
      expect((ours as unknown as Encoded).buffer.equals(theirs)).toBe(true);
    }
  });

  it('writes the framing of our Produce body into the room in front of it, kafkajs bytes, no copy', async () => {
    const args = twoRecordRequest();
    vi.spyOn(Date, 'now').mockReturnValue(NOW);
    const ours = require('kafkajs/src/protocol/requests/produce/v3/request.js') as KafkajsProduce;
    for (const clientId of ['integrity-worker', 'ünï', null, 'c'.repeat(200)]) {
      const request = ours(args);
      const body = (await request.encode()).buffer;
      const theirs = (await kafkajsRequest({ correlationId: 7, clientId, request: kafkajsProduceV3(args) }))
        .buffer;
      const framed = (
        (await encodeRequest({
          correlationId: 7,
          clientId,
          request: { ...request, encode: async () => ({ buffer: body }) },
        })) as unknown as Encoded
      ).buffer;
      expect(framed.equals(theirs), String(clientId)).toBe(true);
      // in place: the framed request ends where the body ends, in the body's own memory
      const inPlace =
        framed.buffer === body.buffer && framed.byteOffset + framed.length === body.byteOffset + body.length;
      expect(inPlace, String(clientId)).toBe(clientId === null || clientId.length < 100);
    }
  });

  it('is what kafkajs uses for Produce v3-v7 and every request; compressed batches stay kafkajs', async () => {
    const patched = Symbol.for('integrity-worker.produceEncoding');
    const v3 = require('kafkajs/src/protocol/requests/produce/v3/request.js') as KafkajsProduce &
      Record<symbol, unknown>;
    const framing = require('kafkajs/src/protocol/request.js') as Record<symbol, unknown>;
    expect(v3[patched]).toBe(true);
    expect(framing[patched]).toBe(true);
    const produce = require('kafkajs/src/protocol/requests/produce/index.js') as {
      protocol(args: {
        version: number;
      }): (args: ProduceRequestArgs) => { request: ReturnType<KafkajsProduce> };
    };
    const args: ProduceRequestArgs = {
      acks: -1,
      timeout: 30_000,
      topicData: [
        { topic: 't', partitions: [{ partition: 0, messages: [message(0), message(2), message(3)] }] },
      ],
    };
    vi.spyOn(Date, 'now').mockReturnValue(NOW);
    const { request } = produce.protocol({ version: 7 })(args);
    expect(request.apiVersion).toBe(7);
    expect((await request.encode()).buffer.equals(encodeProduceV3(args, NOW))).toBe(true);
    const gzip = { ...args, compression: 1 };
    expect((await v3(gzip).encode()).buffer.equals((await kafkajsProduceV3(gzip).encode()).buffer)).toBe(
      true,
    );
  });
});
