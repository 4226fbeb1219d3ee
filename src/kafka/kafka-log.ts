/**
 * kafkajs logs through our pino logger. kafkajs logs a broker's answer "retry later" at ERROR although
 * it retries it itself, and these answers are normal while a broker or a group starts (every start
 * printed "The coordinator is loading"), while leaders move and while a group rebalances: they become
 * debug (the Connection's response line) or info (the consumer's note that it re-joins). A real
 * failure (a crash, a refused authentication, retries given up) keeps its level.
 */
import type { LogEntry, logCreator } from 'kafkajs';
import { logLevel } from './kafkajs.js';
import type { Logger } from '../telemetry/logger.js';

/** Messages of kafkajs's retriable protocol errors that a starting or rebalancing cluster answers with. */
export const EXPECTED_RETRY_ERRORS: ReadonlySet<string> = new Set([
  "The coordinator is loading and hence can't process requests for this group", // COORDINATOR_LOAD_IN_PROGRESS
  'The group coordinator is not available', // GROUP_COORDINATOR_NOT_AVAILABLE
  'This is not the correct coordinator for this group', // NOT_COORDINATOR_FOR_GROUP
  'There is no leader for this topic-partition as we are in the middle of a leadership election', // LEADER_NOT_AVAILABLE
  'This server is not the leader for that topic-partition', // NOT_LEADER_FOR_PARTITION
  'The group is rebalancing, so a rejoin is needed', // REBALANCE_IN_PROGRESS
  // CONCURRENT_TRANSACTIONS: a successor's InitProducerId while its predecessor's transaction completes
  // (kafkajs retries it; our sendOffsets retry covers the other case).
  'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing',
]);

/**
 * kafkajs's own lines about an expected step, logged at WARN or ERROR. The second is printed for every
 * producer we create: its retries are bounded on purpose (kafkajs's idempotent default retries forever,
 * outside any heartbeat). What the warning guards against does not happen here: at least once, a chunk
 * whose publish gave up is published again (duplicates are allowed); exactly once, the transaction
 * is aborted and its producer dropped, and the successor's new epoch fences anything still in flight.
 */
const EXPECTED_STEPS: ReadonlySet<string> = new Set([
  'The group is rebalancing, re-joining',
  'Limiting retries for the idempotent producer may invalidate EoS guarantees',
]);

type PinoLevel = 'error' | 'warn' | 'info' | 'debug';

export function levelFor(entry: Pick<LogEntry, 'level' | 'log'>): PinoLevel {
  const error = (entry.log as { error?: unknown }).error;
  if (typeof error === 'string' && EXPECTED_RETRY_ERRORS.has(error)) return 'debug';
  if (EXPECTED_STEPS.has(entry.log.message)) return 'info';
  switch (entry.level) {
    case logLevel.ERROR:
    case logLevel.NOTHING:
      return 'error';
    case logLevel.WARN:
      return 'warn';
    case logLevel.INFO:
      return 'info';
    default:
      return 'debug';
  }
}

/** A kafkajs `logCreator` writing to `logger` with the field `kafkajs` = the kafkajs namespace. */
export function kafkaLogCreator(logger: Logger): logCreator {
  return () => (entry) => {
    // kafkajs's own timestamp and logger name are noise next to pino's.
    const { message, timestamp: _timestamp, logger: _name, ...fields } = entry.log;
    logger[levelFor(entry)]({ kafkajs: entry.namespace, ...fields }, message);
  };
}
