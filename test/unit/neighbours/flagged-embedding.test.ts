/**
 * What the index feeder keeps of an embeddings record: only the index model's output decided REVIEW
 * or BLOCK, read in full; every other record is dropped after reading its filter fields alone.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AvroCodec } from '../../../src/contracts/avro-codec.js';
import type { ContentEmbedding } from '../../../src/contracts/generated/content-embedding.js';
import { InMemorySchemaRegistry } from '../../../src/contracts/in-memory-schema-registry.js';
import { CONTENT_EMBEDDING } from '../../../src/contracts/subjects.js';
import { frame } from '../../../src/contracts/wire-format.js';
import { IntegrityError } from '../../../src/errors.js';
import { flaggedEmbedding } from '../../../src/neighbours/embedding-index-feeder.js';
import { fullContentEmbedding } from '../../support/records.js';

const TOPIC = 'content.embeddings.v1';
const codec = new AvroCodec(new InMemorySchemaRegistry(), { autoRegister: true });
const read = async (record: ContentEmbedding) =>
  flaggedEmbedding(
    codec,
    await codec.encode(TOPIC, CONTENT_EMBEDDING, record),
    'image-safety@1',
    'embedding',
  );

afterEach(() => vi.restoreAllMocks());

describe('flaggedEmbedding', () => {
  it.each(['REVIEW', 'BLOCK'] as const)('returns a %s embedding of the model in full', async (decision) => {
    const record = fullContentEmbedding({ decision, frame: { index: 3, timestampMs: 1500 } });
    expect(await read(record)).toEqual(record);
  });

  it.each([
    ['an ALLOW decision', { decision: 'ALLOW' }],
    ['an UNSCORED decision', { decision: 'UNSCORED' }],
    ['no decision', { decision: null }],
    ['another model version', { model: { name: 'image-safety', version: '3' } }],
    ['another model', { model: { name: 'text-spam', version: '1' } }],
    ['another output', { output: 'logits' }],
  ] as const)('drops %s without decoding the record in full', async (_, overrides) => {
    const decodeAs = vi.spyOn(codec, 'decodeAs');
    expect(await read(fullContentEmbedding(overrides as Partial<ContentEmbedding>))).toBeNull();
    expect(decodeAs).toHaveBeenCalledTimes(1);
    expect(decodeAs.mock.calls[0]![0]).not.toBe(CONTENT_EMBEDDING);
  });

  it('throws the codec error for a body that is not a ContentEmbedding', async () => {
    const valid = await codec.encode(TOPIC, CONTENT_EMBEDDING, fullContentEmbedding());
    const truncated = frame(valid.readInt32BE(1), valid.subarray(5, 40));
    const error = await flaggedEmbedding(codec, truncated, 'image-safety@1', 'embedding').catch((e) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as IntegrityError).code).toBe('IW_AVRO_BODY_MISMATCH');
  });
});
