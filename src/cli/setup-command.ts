/**
 * `integrity-worker setup [--partitions N] [--replication R]`: prepares a cluster for the worker, as
 * configured by the environment: creates INPUT_TOPIC, LABEL_TOPIC, DEADLETTER_TOPIC, RESCAN_TOPIC and
 * REVIEW_TOPIC and EMBEDDING_TOPIC when missing (the worker itself never creates topics) and registers each topic's
 * contract under `<topic>-value` with the compatibility rule of src/contracts/subjects.ts. Safe to run
 * again.
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '../config/load-config.js';
import { HttpSchemaRegistry, registryAuthFromConfig } from '../contracts/http-schema-registry.js';
import { registerSchema } from '../contracts/schema-check.js';
import { isIntegrityError } from '../errors.js';
import { explainConnectError, kafkaFromConfig } from '../kafka/kafka-from-config.js';
import { createLogger } from '../telemetry/logger.js';
import { SUBJECT_COMPATIBILITY, subjectForTopic, topicContracts } from '../contracts/subjects.js';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      partitions: { type: 'string', default: '3' },
      replication: { type: 'string', default: '1' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(
      'usage: integrity-worker setup [--partitions 3] [--replication 1]   (topics from the environment)',
    );
    return 0;
  }
  const config = loadConfig();
  // kafkajs's lines go to stderr: stdout is the command's own report.
  const logger = createLogger(config.LOG_LEVEL, { command: 'setup' }, pino.destination(2));
  const kafka = kafkaFromConfig(config, logger, '-setup');
  const admin = kafka.admin();
  await admin.connect().catch((error: unknown) => {
    throw explainConnectError(error);
  });
  try {
    const existing = new Set(await admin.listTopics());
    const topics = [
      config.INPUT_TOPIC,
      config.LABEL_TOPIC,
      config.DEADLETTER_TOPIC,
      config.RESCAN_TOPIC,
      config.SHADOW_LABEL_TOPIC,
      config.REVIEW_TOPIC,
      config.EMBEDDING_TOPIC,
    ];
    const missing = topics.filter((topic) => !existing.has(topic));
    await admin.createTopics({
      topics: missing.map((topic) => ({
        topic,
        numPartitions: Number(values.partitions),
        replicationFactor: Number(values.replication),
      })),
      waitForLeaders: true,
    });
    for (const topic of topics)
      console.log(`${missing.includes(topic) ? 'created ' : 'exists  '} topic ${topic}`);
  } finally {
    await admin.disconnect();
  }
  const registry = new HttpSchemaRegistry({
    baseUrl: config.SCHEMA_REGISTRY_URL,
    auth: registryAuthFromConfig(config),
  });
  const topics = {
    pins: config.INPUT_TOPIC,
    labels: config.LABEL_TOPIC,
    deadLetters: config.DEADLETTER_TOPIC,
    reviews: config.REVIEW_TOPIC,
    rescans: config.RESCAN_TOPIC,
    embeddings: config.EMBEDDING_TOPIC,
  };
  // The shadow label topic carries the same IntegrityLabel contract as the label topic.
  const labels = topicContracts(topics).find((c) => c.role === 'labels')!;
  const shadowLabels = {
    ...labels,
    topic: config.SHADOW_LABEL_TOPIC,
    subject: subjectForTopic(config.SHADOW_LABEL_TOPIC),
  };
  for (const { subject, contract } of [...topicContracts(topics), shadowLabels]) {
    const { check, id } = await untilAnswered(() =>
      registerSchema(registry, subject, contract.schemaText, SUBJECT_COMPATIBILITY),
    );
    console.log(`schema   ${subject}: id ${id} (${check.status}, ${SUBJECT_COMPATIBILITY})`);
  }
  return 0;
}

/**
 * A registry that just started (or a busy machine) can miss the client's 5 s timeout on its first
 * writes: setup retries retriable errors (IW_REGISTRY_UNREACHABLE) for up to a minute, then gives up.
 * Registering is idempotent, so a retry after a write that did land is harmless.
 */
async function untilAnswered<T>(attempt: () => Promise<T>, budgetMs = 60_000): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (let delayMs = 500; ; delayMs = Math.min(delayMs * 2, 8000)) {
    try {
      return await attempt();
    } catch (error) {
      if (!(isIntegrityError(error) && error.retriable) || Date.now() + delayMs > deadline) throw error;
      console.error(`setup: ${error.code}, retrying in ${delayMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
