/**
 * The Confluent wire format: one magic byte 0, the writer schema's registry id as a big-endian
 * 32-bit integer, then the Avro binary body (no container, no schema).
 */
import { IntegrityError } from '../errors.js';

export const MAGIC_BYTE = 0;
export const HEADER_LENGTH = 5;

/** Prefixes an Avro body with the magic byte and the schema id. */
export function frame(schemaId: number, body: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_LENGTH);
  header.writeUInt8(MAGIC_BYTE, 0);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, body]);
}

/** What {@link encodeFramed} needs of an avsc type: its `encode` into a buffer at a position. */
export interface BodyEncoder {
  /** The position after the body, or minus the bytes missing when `buf` is too small (avsc). */
  encode(value: unknown, buf: Buffer, pos: number): number;
}

// Written synchronously and copied out at once: one scratch buffer serves every encode.
const MAX_SCRATCH_BYTES = 1024 * 1024;
let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * `frame(schemaId, type.toBuffer(value))` in one allocation and one copy: the body is written after
 * the header into a scratch buffer (grown when a record does not fit) and the framed bytes copied
 * out. A warm pin encodes a label and a ~5 KiB ContentEmbedding; `toBuffer` then `Buffer.concat`
 * allocated and copied each twice.
 */
export function encodeFramed(schemaId: number, type: BodyEncoder, value: unknown): Buffer {
  const end = type.encode(value, scratch, HEADER_LENGTH);
  let out: Buffer;
  if (end >= 0) {
    out = Buffer.allocUnsafe(end);
    scratch.copy(out, 0, 0, end);
  } else {
    // Too large for the scratch buffer: encoded again into a buffer of its exact size (kept only
    // when small, so that one large dead letter does not pin its size in memory).
    const needed = scratch.length - end;
    out = Buffer.allocUnsafe(needed);
    type.encode(value, out, HEADER_LENGTH);
    if (needed <= MAX_SCRATCH_BYTES) scratch = Buffer.allocUnsafe(Math.min(MAX_SCRATCH_BYTES, 2 * needed));
  }
  out.writeUInt8(MAGIC_BYTE, 0);
  out.writeInt32BE(schemaId, 1);
  return out;
}

/**
 * Splits a message into schema id and Avro body. Throws IW_WIRE_TOO_SHORT when fewer than 5 bytes
 * arrive and IW_WIRE_BAD_MAGIC when the first byte is not 0 (JSON, plain Avro, another framing).
 */
export function unframe(buffer: Buffer): { schemaId: number; body: Buffer } {
  if (buffer.length < HEADER_LENGTH) {
    throw new IntegrityError(
      'IW_WIRE_TOO_SHORT',
      `expected at least ${HEADER_LENGTH} bytes, got ${buffer.length}`,
      {
        details: { length: buffer.length },
      },
    );
  }
  const magic = buffer.readUInt8(0);
  if (magic !== MAGIC_BYTE) {
    throw new IntegrityError('IW_WIRE_BAD_MAGIC', `expected magic byte ${MAGIC_BYTE}, got ${magic}`, {
      details: { magic },
    });
  }
  return { schemaId: buffer.readInt32BE(1), body: buffer.subarray(HEADER_LENGTH) };
}
