import type { Producer } from 'kafkajs';
import { IntegrityError } from '../errors.js';
import type { OutputMessage, OutputSink } from './output-message.js';

/**
 * {@link OutputSink} over an idempotent kafkajs producer (`idempotent: true`, which implies acks=all
 * and no duplicates from the producer's own retries). One `sendBatch` per call, grouped by topic.
 */
export class KafkaOutputSink implements OutputSink {
  constructor(private readonly producer: Producer) {}

  async send(messages: readonly OutputMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const byTopic = new Map<
      string,
      { key: Buffer | string | null; value: Buffer; headers: Record<string, string | Buffer> }[]
    >();
    for (const { topic, key, value, headers } of messages) {
      const list = byTopic.get(topic) ?? [];
      list.push({ key, value, headers: { ...headers } });
      byTopic.set(topic, list);
    }
    try {
      await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list })),
      });
    } catch (cause) {
      throw new IntegrityError('IW_PUBLISH_FAILED', `Kafka did not acknowledge ${messages.length} outputs`, {
        cause,
        details: { topics: [...byTopic.keys()] },
      });
    }
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}
