/**
 * The one builder of kafkajs clients: the worker, `setup` and every other command that talks to Kafka
 * get the same brokers, client id and logging from the configuration.
 */
import { Kafka, logLevel } from 'kafkajs';
import type { Config } from '../config/load-config.js';
import type { Logger } from '../telemetry/logger.js';
import { kafkaLogCreator } from './kafka-log.js';

/** @param clientIdSuffix appended to KAFKA_CLIENT_ID (`-setup`), so brokers can tell the tools apart. */
export function kafkaFromConfig(config: Config, logger: Logger, clientIdSuffix = ''): Kafka {
  return new Kafka({
    clientId: `${config.KAFKA_CLIENT_ID}${clientIdSuffix}`,
    brokers: [...config.KAFKA_BROKERS],
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(logger),
  });
}
