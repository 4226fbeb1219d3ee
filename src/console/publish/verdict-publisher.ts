/**
 * Publishes ReviewVerdict records on the review topic, keyed by pin id, with an idempotent producer
 * (acks=all): `publish` resolves once Kafka has the verdict, and rejects with IW_PUBLISH_FAILED
 * (retriable) otherwise, so the console only reports a verdict as saved when it is on the topic.
 */
import type { Kafka, Producer } from 'kafkajs';
import { Partitioners } from '../../kafka/kafkajs.js';
import type { AvroCodec } from '../../contracts/avro-codec.js';
import type { ReviewVerdict } from '../../contracts/generated/review-verdict.js';
import { REVIEW_VERDICT } from '../../contracts/subjects.js';
import { IntegrityError, isIntegrityError } from '../../errors.js';

export interface VerdictPublisher {
  publish(verdict: ReviewVerdict): Promise<void>;
  close(): Promise<void>;
}

export class KafkaVerdictPublisher implements VerdictPublisher {
  private readonly producer: Producer;

  constructor(
    kafka: Kafka,
    private readonly codec: AvroCodec,
    private readonly topic: string,
  ) {
    this.producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  async publish(verdict: ReviewVerdict): Promise<void> {
    const value = await this.codec.encode(this.topic, REVIEW_VERDICT, verdict);
    try {
      await this.producer.send({ topic: this.topic, acks: -1, messages: [{ key: verdict.pinId, value }] });
    } catch (cause) {
      if (isIntegrityError(cause)) throw cause;
      throw new IntegrityError('IW_PUBLISH_FAILED', `verdict not acknowledged on ${this.topic}`, { cause });
    }
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}
