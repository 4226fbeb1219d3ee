import { randomUUID } from 'node:crypto';

/** Addresses of the local stack; the defaults match scripts/stack.sh. */
export const stackEnv = Object.freeze({
  kafkaBrokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(','),
  schemaRegistryUrl: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:18081/apis/ccompat/v7',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:16379',
  postgresUrl:
    process.env.CONSOLE_POSTGRES_URL ??
    `postgres://integrity@127.0.0.1:${process.env.IW_POSTGRES_PORT ?? '15432'}/integrity`,
  /** The broker's SASL listener (scripts/stack.sh: the plain port + 2) and its one local user. */
  kafkaSaslBrokers: (process.env.KAFKA_SASL_BROKERS ?? saslDefault()).split(','),
  kafkaSaslUser: process.env.IW_KAFKA_SASL_USER ?? 'iw-local',
  kafkaSaslPassword: process.env.IW_KAFKA_SASL_PASSWORD ?? 'iw-local-secret',
});

function saslDefault(): string {
  const [host, port] = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',')[0]!.split(':');
  return `${host}:${Number(process.env.IW_KAFKA_SASL_PORT ?? Number(port) + 2)}`;
}

/** A name no other test (or earlier run) uses: integration tests never share topics, groups or keys. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
