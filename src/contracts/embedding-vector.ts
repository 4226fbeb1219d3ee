/**
 * The wire form of ContentEmbedding.vector: `dimension` IEEE 754 float32 values, little-endian, in an
 * Avro `bytes` (see schemas/content_embedding.avsc for why not an array of floats).
 */
import { IntegrityError } from '../errors.js';

/** The little-endian bytes of `vector` (a copy; typed arrays are little-endian on every Node platform). */
export function embeddingToBytes(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer.slice(vector.byteOffset, vector.byteOffset + vector.byteLength));
}

/**
 * The vector in `bytes`, copied into its own aligned Float32Array. IW_EMBEDDING_INVALID when the
 * length is not 4 * dimension.
 */
export function embeddingFromBytes(bytes: Uint8Array, dimension: number): Float32Array {
  if (bytes.byteLength !== dimension * 4) {
    throw new IntegrityError(
      'IW_EMBEDDING_INVALID',
      `vector: ${bytes.byteLength} bytes, want 4 * ${dimension}`,
      {
        details: { bytes: bytes.byteLength, dimension },
      },
    );
  }
  const out = new Float32Array(dimension);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}
