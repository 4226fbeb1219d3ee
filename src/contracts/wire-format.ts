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
