/**
 * Ranges of a topic for `replay` and `redrive`: `--from` / `--to` as `earliest`, `latest`, an ISO-8601
 * time (the first record at or after it, by broker timestamp), one offset for every partition, or
 * `partition:offset,...`. A range is resolved once, at the start, into half-open offsets per partition
 * ([start, end)), clamped to what the topic holds, so records arriving later are not part of it.
 */
import type { Admin } from 'kafkajs';
import { IntegrityError } from '../errors.js';

export type Position =
  | { readonly kind: 'earliest' | 'latest' }
  | { readonly kind: 'time'; readonly ms: number }
  | { readonly kind: 'offset'; readonly offset: bigint }
  | { readonly kind: 'offsets'; readonly byPartition: ReadonlyMap<number, bigint> };

export interface PartitionRange {
  readonly partition: number;
  /** First offset in the range. */
  readonly start: bigint;
  /** First offset after the range (exclusive); equal to start when the partition has nothing in it. */
  readonly end: bigint;
}

/** Parses a position argument. Throws IW_ARGUMENT_INVALID naming the argument. */
export function parsePosition(text: string, argument: string): Position {
  if (text === 'earliest' || text === 'latest') return { kind: text };
  if (/^[0-9]+$/.test(text)) return { kind: 'offset', offset: BigInt(text) };
  if (/^[0-9]+:[0-9]+(,[0-9]+:[0-9]+)*$/.test(text)) {
    const byPartition = new Map<number, bigint>();
    for (const part of text.split(',')) {
      const [partition, offset] = part.split(':');
      byPartition.set(Number(partition), BigInt(offset!));
    }
    return { kind: 'offsets', byPartition };
  }
  const ms = /^\d{4}-\d{2}-\d{2}T/.test(text) && /(Z|[+-]\d{2}:\d{2})$/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) {
    throw new IntegrityError(
      'IW_ARGUMENT_INVALID',
      `${argument} ${text}: want earliest, latest, an offset, partition:offset,... or an ISO time with its zone`,
      { details: { argument } },
    );
  }
  return { kind: 'time', ms };
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);
const min = (a: bigint, b: bigint) => (a < b ? a : b);

async function offsetsAt(
  admin: Admin,
  topic: string,
  position: Position,
  bounds: Map<number, { low: bigint; high: bigint }>,
  side: 'from' | 'to',
): Promise<Map<number, bigint>> {
  const result = new Map<number, bigint>();
  const byTime = position.kind === 'time' ? await admin.fetchTopicOffsetsByTimestamp(topic, position.ms) : [];
  for (const [partition, { low, high }] of bounds) {
    let offset: bigint;
    if (position.kind === 'earliest') offset = low;
    else if (position.kind === 'latest') offset = high;
    else if (position.kind === 'offset') offset = position.offset;
    else if (position.kind === 'offsets')
      offset = position.byPartition.get(partition) ?? (side === 'from' ? high : low);
    else offset = BigInt(byTime.find((entry) => entry.partition === partition)?.offset ?? String(high));
    result.set(partition, min(max(offset, low), high));
  }
  return result;
}

/** Resolves `from`..`to` on `topic` into per-partition half-open ranges. */
export async function resolveRange(
  admin: Admin,
  topic: string,
  from: Position,
  to: Position,
): Promise<PartitionRange[]> {
  const bounds = new Map(
    (await admin.fetchTopicOffsets(topic)).map((p) => [
      p.partition,
      { low: BigInt(p.low), high: BigInt(p.high) },
    ]),
  );
  const starts = await offsetsAt(admin, topic, from, bounds, 'from');
  const ends = await offsetsAt(admin, topic, to, bounds, 'to');
  return [...bounds.keys()]
    .sort((a, b) => a - b)
    .map((partition) => {
      const start = starts.get(partition)!;
      return { partition, start, end: max(start, ends.get(partition)!) };
    });
}

/** Records in all ranges together. */
export const rangeSize = (ranges: readonly PartitionRange[]): bigint =>
  ranges.reduce((sum, r) => sum + (r.end - r.start), 0n);

/** True when `offset` of `partition` lies inside its range. */
export function inRange(ranges: readonly PartitionRange[], partition: number, offset: string): boolean {
  const range = ranges.find((r) => r.partition === partition);
  if (!range) return false;
  const value = BigInt(offset);
  return value >= range.start && value < range.end;
}
