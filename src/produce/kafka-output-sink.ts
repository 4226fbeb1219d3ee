import type { Producer } from 'kafkajs';
import type { OutputMessage, OutputSink, PublishResult } from './output-message.js';
import { planRequests } from './output-requests.js';
import { classifyPublishError } from './publish-errors.js';

/**
 * {@link OutputSink} over an idempotent kafkajs producer (`idempotent: true`, acks=all, retries bounded
 * by the composition root). The outputs go in as few `sendBatch` requests as fit the topics'
 * max.message.bytes; an output that alone does not fit is returned as rejected, never sent.
 */
export class KafkaOutputSink implements OutputSink {
  constructor(
    private readonly producer: Producer,
    private readonly maxBytesOf: (topic: string) => number,
    /** Called when Kafka refused a record as too large anyway (its limit changed): re-read the limits. */
    private readonly onTooLarge: () => Promise<void> = async () => {},
  ) {}

  async send(messages: readonly OutputMessage[]): Promise<PublishResult> {
    const { requests, rejected } = planRequests(messages, this.maxBytesOf);
    for (const topicMessages of requests) {
      try {
        await this.producer.sendBatch({ acks: -1, topicMessages });
      } catch (cause) {
        const error = classifyPublishError(
          cause,
          topicMessages.reduce((n, t) => n + t.messages.length, 0),
          topicMessages.map((t) => t.topic),
        );
        if (error.code === 'IW_PUBLISH_TOO_LARGE') await this.onTooLarge().catch(() => undefined);
        throw error;
      }
    }
    return { rejected };
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}
