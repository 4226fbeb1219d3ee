/**
 * `integrity-worker setup [--partitions N] [--replication R]`: prepares a cluster for the worker, as
 * configured by the environment: creates INPUT_TOPIC, LABEL_TOPIC, DEADLETTER_TOPIC and EMBEDDING_TOPIC when missing
 * (the worker itself never creates topics) and registers each topic's contract under `<topic>-value`
 * with the compatibility rule of src/contracts/subjects.ts. Safe to run again.
 */
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '../config/load-config.js';
import { HttpSchemaRegistry } from '../contracts/http-schema-registry.js';
import { registerSchema } from '../contracts/schema-check.js';
import { SUBJECT_COMPATIBILITY, topicContracts } from '../contracts/subjects.js';

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
  const kafka = new Kafka({
    clientId: `${config.KAFKA_CLIENT_ID}-setup`,
    brokers: [...config.KAFKA_BROKERS],
    logLevel: logLevel.WARN,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const topics = [config.INPUT_TOPIC, config.LABEL_TOPIC, config.DEADLETTER_TOPIC, config.EMBEDDING_TOPIC];
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
  const registry = new HttpSchemaRegistry({ baseUrl: config.SCHEMA_REGISTRY_URL });
  const topics = {
    pins: config.INPUT_TOPIC,
    labels: config.LABEL_TOPIC,
    deadLetters: config.DEADLETTER_TOPIC,
    embeddings: config.EMBEDDING_TOPIC,
  };
  for (const { subject, contract } of topicContracts(topics)) {
    const { check, id } = await registerSchema(registry, subject, contract.schemaText, SUBJECT_COMPATIBILITY);
    console.log(`schema   ${subject}: id ${id} (${check.status}, ${SUBJECT_COMPATIBILITY})`);
  }
  return 0;
}
