/**
 * kafkajs, with its read_committed filter replaced first (see read-committed-filter.ts). Every runtime
 * import of kafkajs in this project comes from here; type-only imports may name kafkajs directly.
 */
import './read-committed-filter.js';
import kafkajs from 'kafkajs';

export { Kafka, logLevel, Partitioners } from 'kafkajs';
/** Not among the names Node detects in kafkajs's CommonJS exports: taken from the default export. */
export const ConfigResourceTypes = kafkajs.ConfigResourceTypes;
