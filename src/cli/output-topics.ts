/**
 * For commands that write to topics of their own (`replay`): creates the label, dead-letter, rescan and
 * embeddings topics when missing (as many partitions and replicas as the input topic) and registers their
 * contracts under `<topic>-value`, as `setup` does for the live ones.
 */
import type { Admin } from 'kafkajs';
import type { Config } from '../config/load-config.js';
import { HttpSchemaRegistry, registryAuthFromConfig } from '../contracts/http-schema-registry.js';
import { registerSchema } from '../contracts/schema-check.js';
import { SUBJECT_COMPATIBILITY, topicContracts } from '../contracts/subjects.js';

export async function ensureOutputTopics(admin: Admin, config: Config): Promise<void> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [config.INPUT_TOPIC] });
  const input = topics[0]!.partitions;
  const partitions = input.length;
  const replicationFactor = Math.max(1, input[0]?.replicas.length ?? 1);
  const wanted = [config.LABEL_TOPIC, config.DEADLETTER_TOPIC, config.RESCAN_TOPIC, config.EMBEDDING_TOPIC];
  const existing = new Set(await admin.listTopics());
  const missing = wanted.filter((topic) => !existing.has(topic));
  if (missing.length > 0) {
    await admin.createTopics({
      topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor })),
      waitForLeaders: true,
    });
  }
  const registry = new HttpSchemaRegistry({
    baseUrl: config.SCHEMA_REGISTRY_URL,
    auth: registryAuthFromConfig(config),
  });
  const contracts = topicContracts({
    labels: config.LABEL_TOPIC,
    deadLetters: config.DEADLETTER_TOPIC,
    rescans: config.RESCAN_TOPIC,
    embeddings: config.EMBEDDING_TOPIC,
  });
  for (const { role, subject, contract } of contracts) {
    // The input's and the console's subjects are not the replay's to touch.
    if (role !== 'pins' && role !== 'reviews')
      await registerSchema(registry, subject, contract.schemaText, SUBJECT_COMPATIBILITY);
  }
}
