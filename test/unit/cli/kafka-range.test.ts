import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { inRange, parsePosition, rangeSize, resolveRange } from '../../../src/cli/kafka-range.js';

describe('parsePosition', () => {
  it('reads every form', () => {
    expect(parsePosition('earliest', '--from')).toEqual({ kind: 'earliest' });
    expect(parsePosition('latest', '--to')).toEqual({ kind: 'latest' });
    expect(parsePosition('42', '--from')).toEqual({ kind: 'offset', offset: 42n });
    expect(parsePosition('0:5,2:7', '--from')).toEqual({
      kind: 'offsets',
      byPartition: new Map([
        [0, 5n],
        [2, 7n],
      ]),
    });
    expect(parsePosition('2026-11-25T12:00:00Z', '--from')).toEqual({
      kind: 'time',
      ms: Date.UTC(2026, 10, 25, 12),
    });
    expect(parsePosition('2026-11-25T13:00:00+01:00', '--to')).toEqual({
      kind: 'time',
      ms: Date.UTC(2026, 10, 25, 12),
    });
  });

  it.each(['yesterday', '2026-11-25T12:00:00', '2026-11-25', '-1', '0:', '1:2;3:4', ''])(
    'refuses %j with IW_ARGUMENT_INVALID',
    (text) => {
      expect(() => parsePosition(text, '--from')).toThrow(
        expect.objectContaining({ code: 'IW_ARGUMENT_INVALID' }),
      );
    },
  );
});

/** An admin that answers offsets for a 3-partition topic (low 10, high 100; partition 2 empty at 50). */
const admin = {
  fetchTopicOffsets: async () => [
    { partition: 0, low: '10', high: '100', offset: '100' },
    { partition: 1, low: '10', high: '100', offset: '100' },
    { partition: 2, low: '50', high: '50', offset: '50' },
  ],
  fetchTopicOffsetsByTimestamp: async (_topic: string, ms?: number) => [
    { partition: 0, offset: ms === 1 ? '20' : '100' },
    { partition: 1, offset: ms === 1 ? '30' : '100' },
    { partition: 2, offset: '50' },
  ],
} as unknown as Admin;

describe('resolveRange', () => {
  it('clamps to what the topic holds and never makes a negative range', async () => {
    const ranges = await resolveRange(admin, 't', parsePosition('0', '--from'), parsePosition('500', '--to'));
    expect(ranges).toEqual([
      { partition: 0, start: 10n, end: 100n },
      { partition: 1, start: 10n, end: 100n },
      { partition: 2, start: 50n, end: 50n },
    ]);
    expect(rangeSize(ranges)).toBe(180n);
    const inverted = await resolveRange(
      admin,
      't',
      parsePosition('90', '--from'),
      parsePosition('20', '--to'),
    );
    expect(inverted.map((r) => r.end - r.start)).toEqual([0n, 0n, 0n]);
  });

  it('resolves times per partition and leaves unnamed partitions empty', async () => {
    const byTime = await resolveRange(admin, 't', { kind: 'time', ms: 1 }, parsePosition('latest', '--to'));
    expect(byTime.map((r) => [r.start, r.end])).toEqual([
      [20n, 100n],
      [30n, 100n],
      [50n, 50n],
    ]);
    const named = await resolveRange(
      admin,
      't',
      parsePosition('0:15', '--from'),
      parsePosition('0:18', '--to'),
    );
    expect(rangeSize(named)).toBe(3n);
    expect(inRange(named, 0, '15')).toBe(true);
    expect(inRange(named, 0, '18')).toBe(false);
    expect(inRange(named, 1, '50')).toBe(false);
  });
});
