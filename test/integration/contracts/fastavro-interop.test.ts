/**
 * Interop with a different Avro implementation: Python fastavro (pinned in
 * test/interop/requirements.txt) writes records that our codec decodes, and decodes ours. Both sides
 * find writer schemas in the real registry; they share nothing else.
 */
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { AvroCodec } from '../../../src/contracts/avro-codec.js';
import { HttpSchemaRegistry } from '../../../src/contracts/http-schema-registry.js';
import { subjectForTopic } from '../../../src/contracts/subjects.js';
import { stackEnv, uniqueName } from '../../support/stack-env.js';
import { recordCases, registerContracts } from '../../support/contract-cases.js';
import { embeddingFromBytes } from '../../../src/contracts/embedding-vector.js';
import { CONTENT_EMBEDDING } from '../../../src/contracts/subjects.js';
import { embeddingToBytes } from '../../../src/contracts/embedding-vector.js';
import { fullContentEmbedding, testVector, videoFrameEmbedding } from '../../support/records.js';

const registry = new HttpSchemaRegistry({ baseUrl: stackEnv.schemaRegistryUrl });
const suffix = `.${uniqueName('interop')}`;
const topics = {
  pins: `pins${suffix}`,
  labels: `labels${suffix}`,
  deadLetters: `dlq${suffix}`,
  reviews: `reviews${suffix}`,
  rescans: `rescan${suffix}`,
  embeddings: `embeddings${suffix}`,
};

const cases = recordCases(topics);

/** JSON for the Python side: Buffers travel as {"$bytes": base64}. */
const toJson = (value: unknown) =>
  JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
    const raw = this[key];
    return Buffer.isBuffer(raw) ? { $bytes: raw.toString('base64') } : v;
  });
const fromJson = (text: string): unknown =>
  JSON.parse(text, (_key, v: unknown) =>
    v && typeof v === 'object' && '$bytes' in v ? Buffer.from(String(v.$bytes), 'base64') : v,
  );

let python = '';
function fastavro(command: 'encode' | 'decode' | 'vectors', input: unknown): unknown[] {
  const output = execFileSync(
    python,
    ['test/interop/fastavro_wire.py', command, stackEnv.schemaRegistryUrl],
    {
      input: toJson(input),
    },
  );
  return (fromJson(output.toString()) as { result: unknown[] }).result;
}

beforeAll(async () => {
  python = execFileSync('bash', ['scripts/python-env.sh', 'test/interop/requirements.txt']).toString().trim();
  await registerContracts(registry, topics);
});

describe('fastavro <-> avsc in the Confluent wire format', () => {
  it('decodes with our codec what fastavro wrote', async () => {
    const frames = fastavro(
      'encode',
      cases.map(([, topic, , record]) => ({ subject: subjectForTopic(topic), record })),
    ) as string[];
    const codec = new AvroCodec(registry);
    for (const [i, [name, , contract, record]] of cases.entries()) {
      const decoded = await codec.decodeAs(contract, Buffer.from(frames[i]!, 'base64'));
      expect({ name, record: decoded.record }).toEqual({ name, record });
    }
  });

  it('decodes with fastavro what our codec wrote', async () => {
    const codec = new AvroCodec(registry);
    const frames = await Promise.all(
      cases.map(([, topic, contract, record]) => codec.encode(topic, contract, record)),
    );
    const decoded = fastavro(
      'decode',
      frames.map((f) => f.toString('base64')),
    ) as { schemaId: number; record: unknown }[];
    for (const [i, [name, , , record]] of cases.entries()) {
      expect(decoded[i]!.schemaId).toBe(frames[i]!.readInt32BE(1));
      expect({ name, record: decoded[i]!.record }).toEqual({ name, record });
    }
  });
});

describe('ContentEmbedding vectors across languages', () => {
  it('fastavro reads our float32 bytes as the same floats, and we read its', async () => {
    const codec = new AvroCodec(registry);
    const vector = testVector(1280);
    const ours = await codec.encode(topics.embeddings, CONTENT_EMBEDDING, fullContentEmbedding());
    // Python unpacks the bytes with struct '<f' (IEEE float32, little-endian): the floats it sees,
    // printed as float64 JSON, are exactly our float32 values.
    const [read] = fastavro('vectors', [ours.toString('base64')]) as {
      dimension: number;
      values: number[];
    }[];
    expect(read!.dimension).toBe(1280);
    expect(Float32Array.from(read!.values)).toEqual(vector);
    expect(read!.values).toEqual(Array.from(vector));
    // And a vector Python packed from those floats decodes to the same Float32Array here.
    const [frame] = fastavro('encode', [
      { subject: subjectForTopic(topics.embeddings), record: fullContentEmbedding() },
    ]) as string[];
    const decoded = await codec.decodeAs(CONTENT_EMBEDDING, Buffer.from(frame!, 'base64'));
    expect(embeddingFromBytes(decoded.record.vector, decoded.record.dimension)).toEqual(vector);
  });

  it('a text.embedding record (TEXT, text-embedding@1, 384 floats) reads the same both ways', async () => {
    const codec = new AvroCodec(registry);
    const vector = testVector(384);
    const record = fullContentEmbedding({
      kind: 'TEXT',
      signal: 'text.embedding',
      model: { name: 'text-embedding', version: '1' },
      dimension: 384,
      vector: embeddingToBytes(vector),
      decision: 'ALLOW',
    });
    const ours = await codec.encode(topics.embeddings, CONTENT_EMBEDDING, record);
    const [read] = fastavro('vectors', [ours.toString('base64')]) as {
      dimension: number;
      values: number[];
    }[];
    expect(read!.dimension).toBe(384);
    expect(Float32Array.from(read!.values)).toEqual(vector);
    const [theirs] = fastavro('decode', [ours.toString('base64')]) as { record: unknown }[];
    expect(theirs!.record).toEqual(record);
    const [frame] = fastavro('encode', [{ subject: subjectForTopic(topics.embeddings), record }]) as string[];
    const decoded = await codec.decodeAs(CONTENT_EMBEDDING, Buffer.from(frame!, 'base64'));
    expect(decoded.record).toEqual(record);
    expect(embeddingFromBytes(decoded.record.vector, 384)).toEqual(vector);
  });

  it("a video frame's record: its frame and floats read the same in both languages", async () => {
    const codec = new AvroCodec(registry);
    const record = videoFrameEmbedding();
    const ours = await codec.encode(topics.embeddings, CONTENT_EMBEDDING, record);
    const [read] = fastavro('decode', [ours.toString('base64')]) as { record: typeof record }[];
    expect(read!.record.frame).toEqual({ index: 15, timestampMs: 4_503_599_627_370 });
    const [values] = fastavro('vectors', [ours.toString('base64')]) as { values: number[] }[];
    expect(Float32Array.from(values!.values)).toEqual(testVector(1280));
    const [theirs] = fastavro('encode', [
      { subject: subjectForTopic(topics.embeddings), record },
    ]) as string[];
    const decoded = await codec.decodeAs(CONTENT_EMBEDDING, Buffer.from(theirs!, 'base64'));
    expect(decoded.record.frame).toEqual(record.frame);
    expect(embeddingFromBytes(decoded.record.vector, decoded.record.dimension)).toEqual(testVector(1280));
  });
});
