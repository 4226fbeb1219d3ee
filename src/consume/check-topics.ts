import type { Kafka } from 'kafkajs';
import { IntegrityError } from '../errors.js';

/** Refuses to start against topics that do not exist (the worker never creates them). */
export async function checkTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
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
