import type { OutputMessage, OutputSink, PublishResult } from '../produce/output-message.js';

/** A chunk of one input partition, handled: its outputs and the offset to read next. */
export interface HandledChunk {
  readonly topic: string;
  readonly partition: number;
  /** The input offset after the chunk's last record (what the group commits). */
  readonly nextOffset: string;
  readonly outputs: readonly OutputMessage[];
}

/** Commits an input offset through the consumer (the group's generation is checked by the broker). */
export type CommitOffset = (topic: string, partition: number, nextOffset: string) => Promise<void>;

/**
 * How a chunk's outputs and its input offset reach Kafka: at least once (publish, then commit) or
 * exactly once (both in one transaction). `deliver` resolves when both are done and throws when
 * neither may be assumed (the runner then pauses the partition and reads the chunk again).
 */
export interface ChunkDelivery {
  /**
   * Called before a partition's batch is handled. Answers the group's committed offset when records
   * below it must be skipped (a predecessor's transaction committed them after this member read its
   * start offsets), else undefined.
   */
  begin?(topic: string, partition: number): Promise<string | undefined>;
  deliver(chunk: HandledChunk, commit: CommitOffset): Promise<PublishResult>;
  /**
   * When present, the runner publishes each record's outputs as soon as the record is handled, not
   * after the slowest of its chunk, and `deliver` gets the chunk without outputs (it only commits,
   * after every early publish was acknowledged). At least once only: exactly once must put a chunk's
   * outputs in its transaction.
   */
  publishEarly?(outputs: readonly OutputMessage[]): Promise<PublishResult>;
  close(): Promise<void>;
}

/** Publish with acks=all, then commit: a crash in between replays the chunk (duplicates, never loss). */
export class AtLeastOnceDelivery implements ChunkDelivery {
  constructor(private readonly sink: OutputSink) {}

  async deliver(chunk: HandledChunk, commit: CommitOffset): Promise<PublishResult> {
    const result = chunk.outputs.length > 0 ? await this.sink.send(chunk.outputs) : { rejected: [] };
    await commit(chunk.topic, chunk.partition, chunk.nextOffset);
    return result;
  }

  /** A label goes out when its pin is handled; a crash before the chunk's commit replays it (a duplicate). */
  publishEarly(outputs: readonly OutputMessage[]): Promise<PublishResult> {
    return this.sink.send(outputs);
  }

  close(): Promise<void> {
    return this.sink.close();
  }
}
