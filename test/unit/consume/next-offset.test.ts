/**
 * The offset the runner commits after a chunk: past the batch's filtered tail (a transaction's commit
 * marker, aborted records) after the batch's last chunk, else after the chunk's last record.
 */
import { describe, expect, it } from 'vitest';
import { nextOffset } from '../../../src/consume/kafka-batch-runner.js';

const batch = (lastOffset: string) => ({ lastOffset: () => lastOffset });

describe('nextOffset', () => {
  it("passes a transaction's commit marker at the end of the batch", () => {
    // Records 0..2, commit marker at 3: the group must commit 4 (the partition's end), not 3.
    expect(nextOffset(batch('3'), '2', true)).toBe('4');
  });

  it('stops after the chunk inside a batch, and after the last record when nothing follows it', () => {
    expect(nextOffset(batch('3'), '1', false)).toBe('2');
    expect(nextOffset(batch('2'), '2', true)).toBe('3');
  });
});
