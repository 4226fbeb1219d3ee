import { randomUUID } from 'node:crypto';

/** Addresses of the local stack; the defaults match scripts/stack.sh. */
export const stackEnv = Object.freeze({
  kafkaBrokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(','),
  schemaRegistryUrl: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:18081/apis/ccompat/v7',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:16379',
  postgresUrl:
    process.env.CONSOLE_POSTGRES_URL ??
    `postgres://integrity@127.0.0.1:${process.env.IW_POSTGRES_PORT ?? '15432'}/integrity`,
});

/** A name no other test (or earlier run) uses: integration tests never share topics, groups or keys. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
