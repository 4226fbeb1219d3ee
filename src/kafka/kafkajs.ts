/**
 * kafkajs, with its read_committed filter (see read-committed-filter.ts), the produce-path pieces
 * (produce-encoding.ts: CRC-32C, grouping per partition, murmur2, the Produce request encoding) and
 * the request queue's idle timer (request-queue-timer.ts) replaced first. Every runtime
 * import of kafkajs in this project comes from here; type-only imports may name kafkajs directly.
 */
import './read-committed-filter.js';
import './produce-encoding.js';
import './request-queue-timer.js';
import kafkajs from 'kafkajs';

export { Kafka, logLevel, Partitioners } from 'kafkajs';
/** Not among the names Node detects in kafkajs's CommonJS exports: taken from the default export. */
export const ConfigResourceTypes = kafkajs.ConfigResourceTypes;
