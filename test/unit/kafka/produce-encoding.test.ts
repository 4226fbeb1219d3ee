import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { groupMessagesPerPartition, murmur2, unsignedCrc32c } from '../../../src/kafka/produce-encoding.js';
import '../../../src/kafka/kafkajs.js';
import { kafkajsOriginal } from '../../support/kafkajs-original.js';

const require = createRequire(import.meta.url);

describe('kafkajs produce encoding (replaced pieces)', () => {
  it('computes the same CRC-32C as kafkajs, with the standard check value', () => {
    const kafkajsCrc = kafkajsOriginal<(b: Buffer) => number>(
      'kafkajs/src/protocol/recordBatch/crc32C/crc32C.js',
    );
    const unsigned = (v: number) => Uint32Array.from([v])[0]!;
    expect(unsignedCrc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(unsignedCrc32c(Buffer.alloc(0))).toBe(unsigned(kafkajsCrc(Buffer.alloc(0))));
    for (let i = 0; i < 200; i++) {
      const buffer = randomBytes(i * 37);
      expect(unsignedCrc32c(buffer)).toBe(unsigned(kafkajsCrc(buffer)));
    }
  });

  it('hashes keys exactly as the murmur2 of kafkajs (its default partitioner), strings and bytes', () => {
    const kafkajsMurmur2 = kafkajsOriginal<(key: Buffer | string) => number>(
      'kafkajs/src/producer/partitioners/default/murmur2.js',
    );
    for (let length = 0; length < 80; length++)
      for (let i = 0; i < 5; i++) {
        const bytes = randomBytes(length);
        expect(murmur2(bytes)).toBe(kafkajsMurmur2(bytes));
        const text = `pin-${bytes.toString('hex').slice(0, length)}`;
        expect(murmur2(text)).toBe(kafkajsMurmur2(text));
      }
    expect(murmur2('kafka')).toBe(kafkajsMurmur2('kafka'));
  });

  it('is what kafkajs loads for its record batches and per-partition grouping', () => {
    const patched = Symbol.for('integrity-worker.produceEncoding');
    const crc = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as Record<symbol, unknown>;
    const group = require('kafkajs/src/producer/groupMessagesPerPartition.js') as Record<symbol, unknown>;
    const hash = require('kafkajs/src/producer/partitioners/default/murmur2.js') as Record<symbol, unknown>;
    expect(hash[patched]).toBe(true);
    expect(crc[patched]).toBe(true);
    expect(group[patched]).toBe(true);
  });

  it('groups messages per partition exactly as kafkajs does, in message order', () => {
    const kafkajsGroup = kafkajsOriginal<typeof groupMessagesPerPartition>(
      'kafkajs/src/producer/groupMessagesPerPartition.js',
    );
    const messages = Array.from({ length: 500 }, (_, i) => ({ key: `k${(i * 7919) % 13}`, value: i }));
    const calls: number[] = [];
    const partitioner = ({ message }: { message: { key: string; value: number } }) => {
      calls.push(message.value);
      return Number(message.key.slice(1)) % 4;
    };
    const args = { topic: 't', partitionMetadata: [{}, {}, {}, {}], messages, partitioner };
    const ours = groupMessagesPerPartition(args);
    const theirCalls = calls.splice(0);
    expect(ours).toEqual(kafkajsGroup(args));
    expect(calls).toEqual(theirCalls);
    expect(groupMessagesPerPartition({ ...args, partitionMetadata: [] })).toEqual({});
  });
});
