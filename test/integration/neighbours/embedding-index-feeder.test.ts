/**
 * The near-duplicate index fed from a real embeddings topic: two feeders converge to the same index,
 * only REVIEW/BLOCK embeddings of the index's model enter it, a malformed record is skipped, and a
 * feeder restored from a snapshot reads only what came after it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AvroCodec } from '../../../src/contracts/avro-codec.js';
import { embeddingToBytes } from '../../../src/contracts/embedding-vector.js';
import type { ContentEmbedding, Decision } from '../../../src/contracts/generated/content-embedding.js';
import { HttpSchemaRegistry } from '../../../src/contracts/http-schema-registry.js';
import { registerSchema } from '../../../src/contracts/schema-check.js';
import { CONTENT_EMBEDDING, subjectForTopic } from '../../../src/contracts/subjects.js';
import { EmbeddingIndexFeeder } from '../../../src/neighbours/embedding-index-feeder.js';
import { NearDuplicateIndex } from '../../../src/neighbours/near-duplicate-index.js';
import { l2Normalize } from '../../../src/neighbours/vector-math.js';
import { fullContentEmbedding } from '../../support/records.js';
import { stackEnv, uniqueName } from '../../support/stack-env.js';
import { seededRandom } from '../../support/random.js';

const DIM = 1280;
const MODEL = 'image-safety@1';
const topic = uniqueName('embeddings');
const kafka = new Kafka({
  clientId: uniqueName('feeder-test'),
  brokers: stackEnv.kafkaBrokers,
  logLevel: logLevel.NOTHING,
});
const registry = new HttpSchemaRegistry({ baseUrl: stackEnv.schemaRegistryUrl });
const codec = new AvroCodec(registry);
const producer = kafka.producer();
let snapshots: string;

const random = seededRandom(3);
const vector = () => l2Normalize(Float32Array.from({ length: DIM }, random));

const vectors = new Map<string, Float32Array>();
function record(
  i: number,
  decision: Decision | null,
  overrides: Partial<ContentEmbedding> = {},
): ContentEmbedding {
  const key = `sha256:${topic}-${i}`;
  if (!vectors.has(key)) vectors.set(key, vector());
  return fullContentEmbedding({
    pinId: `pin-${i}`,
    contentKey: key,
    decision,
    vector: embeddingToBytes(vectors.get(key)!),
    ...overrides,
  });
}
async function publish(values: (ContentEmbedding | Buffer)[]): Promise<void> {
  const encoded = await Promise.all(
    values.map((v) => (Buffer.isBuffer(v) ? v : codec.encode(topic, CONTENT_EMBEDDING, v))),
  );
  await producer.send({
    topic,
    messages: encoded.map((value, i) => ({ key: `pin-${i}`, value, partition: i % 3 })),
  });
}
const feeder = (index: NearDuplicateIndex, snapshotDir?: string) =>
  new EmbeddingIndexFeeder(kafka, codec, index, {
    topic,
    groupId: uniqueName('index'),
    model: MODEL,
    output: 'embedding',
    ...(snapshotDir && { snapshotDir }),
  });

beforeAll(async () => {
  snapshots = await mkdtemp(join(tmpdir(), 'iw-feeder-'));
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  await admin.disconnect();
  await registerSchema(registry, subjectForTopic(topic), CONTENT_EMBEDDING.schemaText, 'FULL');
  await producer.connect();
}, 60_000);

afterAll(async () => {
  await producer.disconnect();
  await rm(snapshots, { recursive: true, force: true });
});

describe('EmbeddingIndexFeeder', () => {
  it('builds the same index in two feeders, from REVIEW/BLOCK embeddings of its model only', async () => {
    await publish([
      record(0, 'BLOCK'),
      record(1, 'REVIEW'),
      record(2, 'ALLOW'),
      record(3, null),
      record(4, 'BLOCK', { model: { name: 'image-safety', version: '2' } }),
      record(5, 'BLOCK', { dimension: 7 }), // vector length disagrees: skipped
      Buffer.from('not avro'), // skipped, never fatal
      record(6, 'BLOCK'),
    ]);
    const a = new NearDuplicateIndex(MODEL, DIM);
    const b = new NearDuplicateIndex(MODEL, DIM);
    const fa = feeder(a, snapshots);
    const fb = feeder(b);
    await Promise.all([fa.start(), fb.start()]);
    await Promise.all([fa.caughtUp(), fb.caughtUp()]);
    for (const index of [a, b]) {
      expect(index.size).toBe(3);
      expect(index.nearest(vectors.get(`sha256:${topic}-1`)!)).toMatchObject({
        pinId: 'pin-1',
        decision: 'REVIEW',
      });
    }
    expect(fa.counts).toEqual({ read: 8, indexed: 3, skipped: 2 });
    await Promise.all([fa.stop(), fb.stop()]);
  }, 60_000);

  it('restarts from its snapshot and reads only the records published after it', async () => {
    await publish([record(7, 'BLOCK'), record(0, 'REVIEW')]);
    const restored = await NearDuplicateIndex.restore(snapshots, MODEL, DIM);
    expect(restored.size).toBe(3);
    const f = feeder(restored, snapshots);
    await f.start();
    await f.caughtUp();
    expect(f.counts.read).toBe(2);
    expect(restored.size).toBe(4);
    expect(restored.nearest(vectors.get(`sha256:${topic}-0`)!)).toMatchObject({
      decision: 'REVIEW',
      distance: expect.any(Number),
    });
    expect(restored.nearest(vectors.get(`sha256:${topic}-7`)!)!.distance).toBeLessThan(1e-5);
    await f.stop();
  }, 60_000);
});
