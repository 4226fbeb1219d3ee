import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { filterAbortedMessages } from '../../../src/kafka/read-committed-filter.js';

// kafkajs's own Batch (what eachBatch hands over), built from a fetch response's partition data.
const Batch = createRequire(import.meta.url)('kafkajs/src/consumer/batch.js') as new (
  topic: string,
  fetchedOffset: string,
  partitionData: unknown,
) => { messages: { offset: string; value: Buffer | null }[] };

const ABORT = Buffer.from([0, 0, 0, 0]);
const COMMIT = Buffer.from([0, 0, 0, 1]);

function record(offset: number, producerId: string, inTransaction = true) {
  return {
    offset: String(offset),
    key: Buffer.from(`k${offset}`),
    value: Buffer.from(`v${offset}`),
    isControlRecord: false,
    batchContext: { producerId, inTransaction },
  };
}
function marker(offset: number, producerId: string, key: Buffer) {
  return { ...record(offset, producerId), key, value: null, isControlRecord: true };
}

/**
 * Two producers' transactions interleaved on one partition, aborted in the other order than they
 * began, as a dead exactly-once worker's are when its successor fences one partition at a time:
 * A writes 0 and 3, B writes 1 and 2, B is aborted (4), then A (5), then C commits 6 (marker 7).
 * The broker lists aborted transactions in the order they were aborted: B before A.
 */
const interleaved = () => ({
  partition: 0,
  highWatermark: '8',
  messages: [
    record(0, 'A'),
    record(1, 'B'),
    record(2, 'B'),
    record(3, 'A'),
    marker(4, 'B', ABORT),
    marker(5, 'A', ABORT),
    record(6, 'C'),
    marker(7, 'C', COMMIT),
  ],
  abortedTransactions: [
    { producerId: 'B', firstOffset: '1' },
    { producerId: 'A', firstOffset: '0' },
  ],
});

describe('read_committed filter (kafkajs patched at load)', () => {
  it('drops every aborted record of interleaved transactions aborted out of order', () => {
    const batch = new Batch('t', '0', interleaved());
    expect(batch.messages.map((m) => m.offset)).toEqual(['6']);
  });

  it('drops them too when the fetch starts after the first offsets of several aborted transactions', () => {
    // A, B and C began at 0, 1 and 2 and were aborted (5, 6, 7); the fetch starts at 3, so its first
    // record already lies inside all three: every one of them must count as begun, not one per record.
    const batch = new Batch('t', '3', {
      partition: 0,
      highWatermark: '10',
      messages: [
        record(3, 'A'),
        record(4, 'C'),
        marker(5, 'B', ABORT),
        marker(6, 'A', ABORT),
        marker(7, 'C', ABORT),
        record(8, 'D'),
        marker(9, 'D', COMMIT),
      ],
      abortedTransactions: [
        { producerId: 'A', firstOffset: '0' },
        { producerId: 'B', firstOffset: '1' },
        { producerId: 'C', firstOffset: '2' },
      ],
    });
    expect(batch.messages.map((m) => m.offset)).toEqual(['8']);
  });

  it('keeps committed and non-transactional records, and a producer’s records after its abort', () => {
    const kept = filterAbortedMessages({
      messages: [
        record(0, 'A'),
        marker(1, 'A', ABORT),
        record(2, 'A'), // A's next transaction, committed
        marker(3, 'A', COMMIT),
        record(4, 'N', false), // an idempotent, non-transactional producer
      ],
      abortedTransactions: [{ producerId: 'A', firstOffset: '0' }],
    });
    expect(kept.map((m) => m.offset)).toEqual(['1', '2', '3', '4']);
  });

  it('is what kafkajs uses (installed through the module cache before kafkajs loaded)', () => {
    const require = createRequire(import.meta.url);
    const installed = require('kafkajs/src/consumer/filterAbortedMessages.js') as unknown;
    expect((installed as Record<symbol, unknown>)[Symbol.for('integrity-worker.readCommittedFilter')]).toBe(
      true,
    );
  });
});
