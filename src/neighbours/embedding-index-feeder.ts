/**
 * Feeds a {@link NearDuplicateIndex} from the embeddings topic, so that every worker of a group builds
 * the same index from the same log: each feeder reads every partition (its own consumer group, no
 * committed offsets), from the position of its last snapshot, and keeps the embeddings of its model
 * whose decision is REVIEW or BLOCK. Records it cannot decode, or whose vector is malformed, are
 * skipped and counted: the index is derived data, and the record stays in the topic for others.
 */
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { AvroCodec } from '../contracts/avro-codec.js';
import { defineContract } from '../contracts/contract.js';
import { embeddingFromBytes } from '../contracts/embedding-vector.js';
import { contentEmbeddingSchema, type ContentEmbedding } from '../contracts/generated/content-embedding.js';
import { CONTENT_EMBEDDING } from '../contracts/subjects.js';
import type { NearDuplicateIndex } from './near-duplicate-index.js';

export interface EmbeddingIndexFeederOptions {
  topic: string;
  /** A group id of this process alone (every feeder reads everything). */
  groupId: string;
  /** Where snapshots go; none when undefined. */
  snapshotDir?: string;
  /** Snapshot after this many records read since the last one. @defaultValue 10000 */
  snapshotEveryRecords?: number;
  /** Model `name@version` and output whose vectors the index holds. */
  model: string;
  output: string;
}

export interface FeederCounts {
  read: number;
  indexed: number;
  skipped: number;
}

const FILTER_FIELDS: ReadonlySet<string> = new Set(['model', 'output', 'decision']);

/**
 * ContentEmbedding read as only the fields the index filters on: Avro schema resolution skips the
 * writer's other fields, the ~5 KiB vector among them, without copying them. Almost every record is
 * ALLOW content, which the index drops; decoding each in full copied its vector out for nothing.
 */
const filterSchema = {
  ...contentEmbeddingSchema,
  fields: contentEmbeddingSchema.fields.filter((field) => FILTER_FIELDS.has(field.name)),
};
const EMBEDDING_FILTER =
  defineContract<Pick<ContentEmbedding, 'model' | 'output' | 'decision'>>(filterSchema);

/**
 * The record when it is an embedding the index keeps (`model`'s `output`, decided REVIEW or BLOCK),
 * decoded in full; null for any other. Throws the codec's errors for a record it cannot read.
 */
export async function flaggedEmbedding(
  codec: AvroCodec,
  value: Buffer,
  model: string,
  output: string,
): Promise<(ContentEmbedding & { decision: 'REVIEW' | 'BLOCK' }) | null> {
  const { record: head } = await codec.decodeAs(EMBEDDING_FILTER, value);
  if (`${head.model.name}@${head.model.version}` !== model || head.output !== output) return null;
  if (head.decision !== 'REVIEW' && head.decision !== 'BLOCK') return null;
  return { ...(await codec.decodeAs(CONTENT_EMBEDDING, value)).record, decision: head.decision };
}

export class EmbeddingIndexFeeder {
  readonly counts: FeederCounts = { read: 0, indexed: 0, skipped: 0 };
  #consumer: Consumer | undefined;
  #sinceSnapshot = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly codec: AvroCodec,
    private readonly index: NearDuplicateIndex,
    private readonly options: EmbeddingIndexFeederOptions,
  ) {}

  /** Starts reading from the index's position (the beginning for partitions it has not seen). */
  async start(): Promise<void> {
    const consumer = this.kafka.consumer({ groupId: this.options.groupId, allowAutoTopicCreation: false });
    this.#consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic: this.options.topic, fromBeginning: true });
    // Batches of control records only (the commit markers of transactional producers) never reach
    // eachBatch, yet move the end offset: their end event moves the position past them.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.topic === this.options.topic)
        this.#advance(payload.partition, BigInt(payload.lastOffset) + 1n);
    });
    await consumer.run({ autoCommit: false, eachBatch: (payload) => this.#batch(payload) });
    for (const [partition, offset] of Object.entries(this.index.position)) {
      consumer.seek({ topic: this.options.topic, partition: Number(partition), offset });
    }
  }

  /** Resolves once every partition has been read up to its end offset as of this call. */
  async caughtUp(timeoutMs = 30_000): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(this.options.topic).finally(() => admin.disconnect());
    const deadline = Date.now() + timeoutMs;
    const behind = () =>
      ends.filter((e) => BigInt(this.index.position[e.partition] ?? '0') < BigInt(e.offset));
    while (behind().length > 0) {
      if (Date.now() > deadline)
        throw new Error(
          `index feeder behind on partitions ${behind()
            .map((e) => e.partition)
            .join(',')}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Stops reading and writes a last snapshot. */
  async stop(): Promise<void> {
    await this.#consumer?.disconnect();
    this.#consumer = undefined;
    if (this.options.snapshotDir) await this.index.snapshot(this.options.snapshotDir);
  }

  #advance(partition: number, next: bigint): void {
    const known = this.index.position[partition];
    if (known !== undefined && BigInt(known) >= next) return;
    this.index.position = { ...this.index.position, [partition]: next.toString() };
  }

  async #batch({ batch, heartbeat }: EachBatchPayload): Promise<void> {
    for (const message of batch.messages) {
      this.counts.read++;
      await this.#add(message.value);
      this.#advance(batch.partition, BigInt(message.offset) + 1n);
    }
    this.#sinceSnapshot += batch.messages.length;
    if (this.options.snapshotDir && this.#sinceSnapshot >= (this.options.snapshotEveryRecords ?? 10_000)) {
      this.#sinceSnapshot = 0;
      await this.index.snapshot(this.options.snapshotDir);
    }
    await heartbeat();
  }

  async #add(value: Buffer | null): Promise<void> {
    if (!value) return;
    try {
      const record = await flaggedEmbedding(this.codec, value, this.options.model, this.options.output);
      if (!record) return;
      const vector = embeddingFromBytes(record.vector, record.dimension);
      this.index.upsert(
        {
          contentKey: record.contentKey,
          pinId: record.pinId,
          decision: record.decision,
          // A video's frame (one record per sampled frame): indexed under its own key.
          ...(record.frame && {
            frame: { index: record.frame.index, timestampMs: record.frame.timestampMs },
          }),
        },
        vector,
      );
      this.counts.indexed++;
    } catch {
      this.counts.skipped++;
    }
  }
}
