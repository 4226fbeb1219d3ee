/**
 * Keeps the label store up to date with the topics: the pins topic (texts, links, image URLs), every
 * configured label topic (primary, shadow...) and the review topic. Offsets live in the store, written
 * in the same transaction as the rows, and are never committed to Kafka: on start the consumer seeks
 * every partition to the store's next offset, or to the beginning when the store has none, so a
 * deleted store is rebuilt from the topics. A record that cannot be decoded is skipped with a
 * warning (no row, so it is skipped again after a restart): the worker's dead letters keep bad input.
 */
import type { Consumer, Kafka } from 'kafkajs';
import type { AvroCodec } from '../../contracts/avro-codec.js';
import { INTEGRITY_LABEL, PIN_CREATED, REVIEW_VERDICT } from '../../contracts/subjects.js';
import { isIntegrityError } from '../../errors.js';
import type { Logger } from '../../telemetry/logger.js';
import type { LabelStore } from '../store/label-store.js';
import type { KafkaPos, LabelRole } from '../store/store-types.js';

export interface IngestTopics {
  pins: string;
  labels: readonly { topic: string; role: LabelRole }[];
  reviews: string;
}

export class StoreIngest {
  private consumer: Consumer | undefined;
  private applied = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly groupId: string,
    private readonly codec: AvroCodec,
    private readonly store: LabelStore,
    private readonly topics: IngestTopics,
    private readonly logger: Logger,
  ) {}

  /** Records applied since start (tests and the demo wait on it). */
  get appliedCount(): number {
    return this.applied;
  }

  async start(): Promise<void> {
    const consumer = this.kafka.consumer({ groupId: this.groupId, allowAutoTopicCreation: false });
    this.consumer = consumer;
    await consumer.connect();
    const all = [this.topics.pins, this.topics.reviews, ...this.topics.labels.map((l) => l.topic)];
    await consumer.subscribe({ topics: all, fromBeginning: true });
    const stored = await this.store.nextOffsets();
    const roles = new Map(this.topics.labels.map((l) => [l.topic, l.role]));
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        const pos: KafkaPos = { topic, partition, offset: Number(message.offset) };
        await this.apply(pos, message.value, roles);
        this.applied += 1;
      },
    });
    // After run(): seek each partition the store already holds; others start at the beginning
    // (nothing is ever committed for this group, so fromBeginning applies).
    for (const { topic, partition, offset } of stored) {
      if (all.includes(topic)) consumer.seek({ topic, partition, offset: String(offset) });
    }
    this.logger.info({ topics: all, resumed: stored.length }, 'console store ingest started');
  }

  private async apply(pos: KafkaPos, value: Buffer | null, roles: Map<string, LabelRole>): Promise<void> {
    if (!value) return;
    try {
      if (pos.topic === this.topics.pins) {
        await this.store.applyPin((await this.codec.decodeAs(PIN_CREATED, value)).record, pos);
      } else if (pos.topic === this.topics.reviews) {
        await this.store.applyVerdict((await this.codec.decodeAs(REVIEW_VERDICT, value)).record, pos);
      } else {
        const role = roles.get(pos.topic) ?? 'shadow';
        await this.store.applyLabel((await this.codec.decodeAs(INTEGRITY_LABEL, value)).record, role, pos);
      }
    } catch (error) {
      // Transient failures (registry, database) throw: kafkajs retries the record.
      if (!isIntegrityError(error) || error.retriable) throw error;
      this.logger.warn(
        { err: error, topic: pos.topic, partition: pos.partition, offset: pos.offset },
        'record skipped',
      );
    }
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = undefined;
  }
}
