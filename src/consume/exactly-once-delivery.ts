import type { Producer } from 'kafkajs';
import { IntegrityError, isIntegrityError } from '../errors.js';
import type { PublishResult } from '../produce/output-message.js';
import { planRequests } from '../produce/output-requests.js';
import { classifyPublishError, kafkaErrorType } from '../produce/publish-errors.js';
import type { ChunkDelivery, HandledChunk } from './chunk-delivery.js';

export interface ExactlyOnceOptions {
  groupId: string;
  /** Builds a transactional producer (`transactionalId`, idempotent, maxInFlightRequests 1). */
  createProducer: (transactionalId: string) => Producer;
  maxBytesOf: (topic: string) => number;
  /** The group's committed offset of a partition ('-1' when none). */
  committedOffset: (topic: string, partition: number) => Promise<string>;
  /** Attempts of `sendOffsets` answered CONCURRENT_TRANSACTIONS (kafkajs does not retry it). */
  concurrentTransactionAttempts?: number;
}

/**
 * Exactly once with Kafka transactions: a chunk's outputs and its input offset are committed in one
 * transaction, so a read_committed reader sees a chunk's labels exactly when its offset is committed.
 * kafkajs sends offsets without group metadata (no KIP-447 fencing), so every input partition has its
 * own transactional producer, `<group>.<topic>.<partition>`: a worker that takes the partition over
 * initialises the same id, which fences its predecessor and aborts the predecessor's open transaction
 * (or waits for its commit to complete). After that it reads the committed offset again and skips what
 * the predecessor committed.
 */
export class ExactlyOnceDelivery implements ChunkDelivery {
  private readonly producers = new Map<string, Promise<Producer>>();
  private readonly fresh = new Set<string>();

  constructor(private readonly options: ExactlyOnceOptions) {}

  static transactionalId(groupId: string, topic: string, partition: number): string {
    return `${groupId}.${topic}.${partition}`;
  }

  async begin(topic: string, partition: number): Promise<string | undefined> {
    const id = ExactlyOnceDelivery.transactionalId(this.options.groupId, topic, partition);
    await this.producer(id);
    if (!this.fresh.delete(id)) return undefined;
    return this.options.committedOffset(topic, partition);
  }

  async deliver(chunk: HandledChunk): Promise<PublishResult> {
    const { topic, partition } = chunk;
    const id = ExactlyOnceDelivery.transactionalId(this.options.groupId, topic, partition);
    const producer = await this.producer(id);
    const { requests, rejected } = planRequests(chunk.outputs, this.options.maxBytesOf);
    const transaction = await producer.transaction();
    try {
      for (const topicMessages of requests) await transaction.sendBatch({ acks: -1, topicMessages });
      await this.withConcurrentRetry(() =>
        transaction.sendOffsets({
          consumerGroupId: this.options.groupId,
          topics: [{ topic, partitions: [{ partition, offset: chunk.nextOffset }] }],
        }),
      );
      await transaction.commit();
      return { rejected };
    } catch (cause) {
      await transaction.abort().catch(() => undefined);
      // Fenced, timed out or in an error state: a new producer (a new epoch, after the committed
      // offset is read again) is the only safe way on.
      await this.drop(id);
      const error = isIntegrityError(cause)
        ? cause
        : classifyPublishError(cause, chunk.outputs.length, [...new Set(chunk.outputs.map((o) => o.topic))]);
      if (error.code !== 'IW_PUBLISH_FAILED') throw error;
      throw new IntegrityError('IW_TRANSACTION_FAILED', `transaction ${id} aborted`, {
        cause,
        details: { transactionalId: id, kafkaError: kafkaErrorType(cause) },
      });
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.producers.keys()].map((id) => this.drop(id)));
  }

  private producer(id: string): Promise<Producer> {
    let producer = this.producers.get(id);
    if (!producer) {
      const created = this.options.createProducer(id);
      // The fencing step is InitProducerId for the transactional id, which also waits until the
      // predecessor's last transaction is complete (committed or aborted). kafkajs runs it at the first
      // transaction(), not at connect(); begin() reads the committed offset right after this promise,
      // so it is forced here (an empty transaction, aborted without EndTxn). Otherwise the offset read
      // could predate a commit still being completed, and that chunk would be labeled twice.
      producer = created.connect().then(async () => {
        await (await created.transaction()).abort();
        return created;
      });
      this.producers.set(id, producer);
      this.fresh.add(id);
      producer.catch(() => {
        this.producers.delete(id);
        this.fresh.delete(id);
      });
    }
    return producer;
  }

  private async drop(id: string): Promise<void> {
    const producer = this.producers.get(id);
    this.producers.delete(id);
    this.fresh.delete(id);
    await producer?.then((p) => p.disconnect()).catch(() => undefined);
  }

  private async withConcurrentRetry(call: () => Promise<void>): Promise<void> {
    const attempts = this.options.concurrentTransactionAttempts ?? 10;
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (kafkaErrorType(error) !== 'CONCURRENT_TRANSACTIONS' || attempt >= attempts) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** attempt)));
      }
    }
  }
}
