// Why ContentEmbedding.vector is `bytes` of little-endian float32 and not an Avro `array` of floats:
// encoded size and encode/decode cost per record with avsc, for a 1280-d (image) and a 384-d (text)
// vector. The Python half (fastavro) is bench/embeddings/vector_encoding.py; both print JSON lines.
//   npx tsx bench/embeddings/vector-encoding.ts
import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { embeddingFromBytes, embeddingToBytes } from '../../src/contracts/embedding-vector.js';

const schema = JSON.parse(
  readFileSync(new URL('../../schemas/content_embedding.avsc', import.meta.url), 'utf8'),
) as {
  fields: { name: string; type: unknown }[];
};
const asBytes = avro.Type.forSchema(schema as avro.Schema);
const arraySchema = {
  ...schema,
  fields: schema.fields.map((f) =>
    f.name === 'vector' ? { ...f, type: { type: 'array', items: 'float' } } : f,
  ),
};
const asArray = avro.Type.forSchema(arraySchema as avro.Schema);

function record(vector: unknown, dimension: number) {
  return {
    pinId: 'pin-0123456789',
    sourceEventId: '6f1c2e9a-4b1d-4a53-9a57-0d5b7e1c2f3a',
    contentKey: 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    kind: 'IMAGE',
    signal: 'image.embedding',
    model: { name: 'image-safety', version: '1' },
    output: 'embedding',
    dimension,
    vector,
    normalized: true,
    embeddedAt: Date.UTC(2026, 10, 25),
    source: { topic: 'pins.created.v1', partition: 3, offset: 123456 },
    traceId: '4bf92f3535f14ce8a0b3f2b5c8d1e6a7',
    workerVersion: '0.1.0',
  };
}

function timeUs(fn: () => unknown, rounds: number): number {
  for (let i = 0; i < Math.min(rounds, 2000); i++) fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) fn();
  return Number(process.hrtime.bigint() - start) / 1e3 / rounds;
}

for (const dimension of [1280, 384]) {
  const v = new Float32Array(dimension).map((_, i) => Math.sin(i * 0.37));
  const norm = Math.hypot(...v);
  v.forEach((x, i) => (v[i] = x / norm));
  const bytesRecord = record(embeddingToBytes(v), dimension);
  const arrayRecord = record(Array.from(v), dimension);
  const b = asBytes.toBuffer(bytesRecord);
  const a = asArray.toBuffer(arrayRecord);
  const rounds = 20_000;
  const result = {
    lang: 'typescript avsc',
    dimension,
    bytes: {
      size: b.length,
      encodeUs: timeUs(() => asBytes.toBuffer(record(embeddingToBytes(v), dimension)), rounds),
      decodeUs: timeUs(
        () => embeddingFromBytes((asBytes.fromBuffer(b) as { vector: Buffer }).vector, dimension),
        rounds,
      ),
    },
    array: {
      size: a.length,
      encodeUs: timeUs(() => asArray.toBuffer(record(Array.from(v), dimension)), rounds),
      decodeUs: timeUs(
        () => Float32Array.from((asArray.fromBuffer(a) as { vector: number[] }).vector),
        rounds,
      ),
    },
  };
  console.log(JSON.stringify(result));
}
