import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { checkTopics } from '../../../src/consume/check-topics.js';
import { kafkaFromConfig } from '../../../src/kafka/kafka-from-config.js';
import { createLogger } from '../../../src/telemetry/logger.js';
import { stackEnv, uniqueName } from '../../support/stack-env.js';

// The worker's own Kafka builder against the stack broker's SASL_PLAINTEXT listener (users created by
// scripts/stack.sh with StorageTool --add-scram): what a production broker with SCRAM asks for.
const logger = createLogger('silent');
const saslConfig = (mechanism: string, password = stackEnv.kafkaSaslPassword) =>
  loadConfig({
    KAFKA_BROKERS: stackEnv.kafkaSaslBrokers.join(','),
    KAFKA_SASL_MECHANISM: mechanism,
    KAFKA_SASL_USERNAME: stackEnv.kafkaSaslUser,
    KAFKA_SASL_PASSWORD: password,
  });

describe('Kafka SASL from the environment', () => {
  for (const mechanism of ['scram-sha-256', 'scram-sha-512', 'plain']) {
    it(`creates a topic, produces and consumes with ${mechanism}`, async () => {
      const kafka = kafkaFromConfig(saslConfig(mechanism), logger);
      const topic = uniqueName('sasl.topic');
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
        await checkTopics(kafka, [topic]);
        const producer = kafka.producer({ idempotent: true });
        await producer.connect();
        await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: mechanism }] });
        await producer.disconnect();

        const consumer = kafka.consumer({ groupId: uniqueName('sasl.group') });
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        const value = await new Promise<string>((resolve, reject) => {
          consumer
            .run({ eachMessage: async ({ message }) => resolve(message.value!.toString()) })
            .catch(reject);
        });
        await consumer.disconnect();
        expect(value).toBe(mechanism);
      } finally {
        await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
        await admin.disconnect();
      }
    });
  }

  it('refuses a wrong password with IW_KAFKA_AUTH_FAILED when the worker starts', async () => {
    const kafka = kafkaFromConfig(saslConfig('scram-sha-256', 'not-the-password'), logger);
    await expect(checkTopics(kafka, ['any'])).rejects.toMatchObject({
      code: 'IW_KAFKA_AUTH_FAILED',
      retriable: false,
    });
  });
});
