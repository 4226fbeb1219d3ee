/**
 * `replay`'s handler wrapper and its end condition, without Kafka (the end-to-end test runs the
 * command against the stack).
 */
import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { RangeHandler, replayDone } from '../../../src/cli/replay-command.js';
import type { InputMessage } from '../../../src/contracts/input-message.js';
import type { OutputMessage } from '../../../src/produce/output-message.js';

const message = (topic: string, partition: number, offset: number): InputMessage => ({
  topic,
  partition,
  offset: String(offset),
  key: null,
  value: Buffer.from('x'),
  headers: {},
  timestamp: 0,
});

const output = (topic: string): OutputMessage => ({ topic, key: null, value: Buffer.alloc(0), headers: {} });

describe('RangeHandler', () => {
  const ranges = [{ partition: 0, start: 2n, end: 4n }];
  const topics = {
    labels: 'out',
    rescans: 'out.rescan',
    deadLetters: 'out.dlq',
    embeddings: 'out.embeddings',
  };

  it('answers the range of the input topic and every record of its own rescan topic, and counts by topic', async () => {
    const answered: string[] = [];
    const handler = new RangeHandler(
      {
        handle: async (m) => {
          answered.push(`${m.topic}:${m.offset}`);
          if (m.topic === 'out.rescan') return [output('out'), output('out.embeddings')];
          return m.offset === '3' ? [output('out.dlq')] : [output('out'), output('out.rescan')];
        },
      },
      ranges,
      topics,
    );
    for (const offset of [1, 2, 3, 4]) await handler.handle(message('pins', 0, offset));
    // Offset 9 of the rescan topic is outside the input's range: it is a rescan of a record in it.
    await handler.handle(message('out.rescan', 0, 9));
    expect(answered).toEqual(['pins:2', 'pins:3', 'out.rescan:9']);
    expect({
      records: handler.records,
      labels: handler.labels,
      rescans: handler.rescans,
      deadLetters: handler.deadLetters,
      embeddings: handler.embeddings,
    }).toEqual({
      records: 2,
      labels: 2,
      rescans: 1,
      deadLetters: 1,
      embeddings: 1,
    });
  });
});

/** An admin answering committed offsets per topic and the rescan topic's bounds. */
function admin(committed: Record<string, Record<number, string>>, rescans: { low: string; high: string }[]) {
  return {
    fetchOffsets: async ({ topics }: { topics: string[] }) =>
      topics.map((topic) => ({
        topic,
        partitions: Object.entries(committed[topic] ?? {}).map(([partition, offset]) => ({
          partition: Number(partition),
          offset,
        })),
      })),
    fetchTopicOffsets: async () =>
      rescans.map((r, partition) => ({ partition, offset: r.high, high: r.high, low: r.low })),
  } as unknown as Admin;
}

describe('replayDone', () => {
  const config = { KAFKA_GROUP_ID: 'g', INPUT_TOPIC: 'pins', RESCAN_TOPIC: 'out.rescan' };
  const ranges = [
    { partition: 0, start: 2n, end: 9n },
    { partition: 1, start: 5n, end: 5n }, // empty: nothing to wait for
  ];

  it('waits for the end of every range', async () => {
    expect(await replayDone(admin({ pins: { 0: '8' } }, []), config, ranges)).toBe(false);
    expect(await replayDone(admin({ pins: { 0: '9' } }, []), config, ranges)).toBe(true);
  });

  it('then for every record of the rescan topic', async () => {
    const rescans = [
      { low: '0', high: '3' },
      { low: '0', high: '0' },
    ];
    expect(await replayDone(admin({ pins: { 0: '9' } }, rescans), config, ranges)).toBe(false);
    expect(
      await replayDone(admin({ pins: { 0: '9' }, 'out.rescan': { 0: '2' } }, rescans), config, ranges),
    ).toBe(false);
    expect(
      await replayDone(admin({ pins: { 0: '9' }, 'out.rescan': { 0: '3' } }, rescans), config, ranges),
    ).toBe(true);
  });
});
