import type { Admin } from 'kafkajs';
import { ConfigResourceTypes } from '../kafka/kafkajs.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './output-requests.js';

/**
 * The `max.message.bytes` of the output topics, read from Kafka at start and again on `refresh()`
 * (after Kafka refused a record as too large: the limit may have changed at run time).
 */
export class TopicLimits {
  private readonly limits = new Map<string, number>();

  constructor(
    private readonly admin: Admin,
    private readonly topics: readonly string[],
  ) {}

  async refresh(): Promise<void> {
    const { resources } = await this.admin.describeConfigs({
      includeSynonyms: false,
      resources: this.topics.map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configNames: ['max.message.bytes'],
      })),
    });
    for (const resource of resources) {
      const entry = resource.configEntries.find((e) => e.configName === 'max.message.bytes');
      const value = Number(entry?.configValue);
      if (Number.isInteger(value) && value > 0) this.limits.set(resource.resourceName, value);
    }
  }

  maxBytes(topic: string): number {
    return this.limits.get(topic) ?? DEFAULT_MAX_MESSAGE_BYTES;
  }
}
