import { describe, expect, it } from 'vitest';
import avro from 'avsc';
import { encodeFramed, frame, unframe } from '../../../src/contracts/wire-format.js';
import { IntegrityError } from '../../../src/errors.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof IntegrityError ? error.code : 'not an IntegrityError';
  }
  return undefined;
}

describe('Confluent wire format', () => {
  it('writes magic byte 0 and the id big-endian before the body', () => {
    const framed = frame(0x01020304, Buffer.from([9, 8]));
    expect([...framed]).toEqual([0, 1, 2, 3, 4, 9, 8]);
    expect(unframe(framed)).toEqual({ schemaId: 0x01020304, body: Buffer.from([9, 8]) });
  });

  it('accepts an empty body after a full header', () => {
    expect(unframe(Buffer.from([0, 0, 0, 0, 1])).body.length).toBe(0);
  });

  it.each([0, 1, 4])('refuses %i bytes as IW_WIRE_TOO_SHORT', (length) => {
    expect(codeOf(() => unframe(Buffer.alloc(length)))).toBe('IW_WIRE_TOO_SHORT');
  });

  it('refuses a first byte other than 0 as IW_WIRE_BAD_MAGIC', () => {
    expect(codeOf(() => unframe(Buffer.from('{"pinId":"x"}')))).toBe('IW_WIRE_BAD_MAGIC');
    expect(codeOf(() => unframe(Buffer.from([1, 0, 0, 0, 1, 2])))).toBe('IW_WIRE_BAD_MAGIC');
  });

  it('encodes framed bodies byte for byte as frame(id, toBuffer), whatever their size, in any order', () => {
    const type = avro.Type.forSchema({
      type: 'record',
      name: 'R',
      fields: [
        { name: 'id', type: 'string' },
        { name: 'data', type: 'bytes' },
      ],
    });
    // Small, larger than the 64 KiB scratch buffer, larger than the 1 MiB it may grow to, small again.
    for (const size of [0, 10, 5_000, 70_000, 5_000, 1_100_000, 12, 300_000, 3]) {
      const record = { id: `r${size}`, data: Buffer.alloc(size, size % 251) };
      const framed = encodeFramed(42, type, record);
      expect(framed.equals(frame(42, type.toBuffer(record)))).toBe(true);
      const decoded = type.fromBuffer(unframe(framed).body) as typeof record;
      expect(decoded.id).toBe(record.id);
      expect(decoded.data.equals(record.data)).toBe(true);
    }
  });
});
