import type { Kafka } from 'kafkajs';
import { IntegrityError } from '../errors.js';
import { explainConnectError } from '../kafka/kafka-from-config.js';

/**
 * Refuses to start against topics that do not exist (the worker never creates them), or with
 * credentials the brokers refuse (IW_KAFKA_AUTH_FAILED).
 */
export async function checkTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  // The first connection of the worker: refused credentials stop the start with IW_KAFKA_AUTH_FAILED.
  await admin.connect().catch((error: unknown) => {
    throw explainConnectError(error);
  });
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      throw new IntegrityError('IW_TOPIC_MISSING', `topics do not exist: ${missing.join(', ')}`, {
        details: { missing },
      });
    }
  } finally {
    await admin.disconnect();
  }
}
