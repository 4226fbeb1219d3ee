/**
 * kafkajs 2.2.4 (its last release) can hand a read_committed consumer records of aborted transactions.
 * Its filter (`kafkajs/src/consumer/filterAbortedMessages.js`) takes a fetch's aborted-transaction list
 * in the broker's order, which is the order the transactions were aborted in, and starts at most one of
 * them per record. Exactly-once workers abort out of order all the time: a worker that dies leaves one
 * open transaction per input partition, interleaved on the label partitions, and its successor aborts
 * them one partition at a time. A kafkajs reader of the label topic then saw the dead worker's labels
 * (the exactly-once SIGKILL test caught 4 of them in about 1 run of 3), and so would the worker's own
 * readers of the transactional rescan and embeddings topics.
 *
 * This module replaces that filter, through Node's module cache and before kafkajs loads it, with the
 * rule of the Java client's fetcher: the aborted transactions are taken in the order of their first
 * offsets, and every one whose first offset a record has reached marks its producer aborted until
 * that producer's abort marker. It runs when imported; `./kafkajs.js` imports it before kafkajs, and
 * every runtime import of kafkajs goes through `./kafkajs.js` (lint enforces it).
 */
import { createRequire, Module } from 'node:module';
import { IntegrityError } from '../errors.js';

interface FetchedMessage {
  offset: string;
  key: Buffer | null;
  batchContext: { producerId: string; inTransaction: boolean };
}

interface AbortedTransaction {
  firstOffset: string;
  producerId: string;
}

const ABORT_MARKER_KEY = Buffer.from([0, 0, 0, 0]);
const PATCHED = Symbol.for('integrity-worker.readCommittedFilter');

/** The messages of one fetched partition that no aborted transaction wrote (control records kept). */
export function filterAbortedMessages<M extends FetchedMessage>({
  messages,
  abortedTransactions,
}: {
  messages: M[];
  abortedTransactions?: AbortedTransaction[] | null;
}): M[] {
  if (!abortedTransactions || abortedTransactions.length === 0) return messages;
  const pending = [...abortedTransactions].sort((a, b) => compareOffsets(a.firstOffset, b.firstOffset));
  const aborted = new Set<string>();
  return messages.filter((message) => {
    const offset = BigInt(message.offset);
    while (pending.length > 0 && offset >= BigInt(pending[0]!.firstOffset))
      aborted.add(String(pending.shift()!.producerId));
    const producerId = String(message.batchContext.producerId);
    if (message.key && Buffer.from(message.key).equals(ABORT_MARKER_KEY)) {
      aborted.delete(producerId);
      return true;
    }
    return !(message.batchContext.inTransaction && aborted.has(producerId));
  });
}

function compareOffsets(a: string, b: string): number {
  const difference = BigInt(a) - BigInt(b);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}

/** Puts `filterAbortedMessages` in kafkajs's place; throws when kafkajs already loaded its own. */
export function installReadCommittedFilter(): void {
  const require = createRequire(import.meta.url);
  const filterPath = require.resolve('kafkajs/src/consumer/filterAbortedMessages.js');
  const cached = require.cache[filterPath];
  if (cached && (cached.exports as Record<symbol, unknown>)[PATCHED]) return;
  if (require.cache[require.resolve('kafkajs/src/consumer/batch.js')])
    throw new IntegrityError(
      'IW_INTERNAL',
      'kafkajs was loaded before its read_committed filter was replaced: import kafkajs through src/kafka/kafkajs.ts',
    );
  const module = new Module(filterPath);
  module.filename = filterPath;
  module.loaded = true;
  module.exports = Object.assign(
    (args: Parameters<typeof filterAbortedMessages>[0]) => filterAbortedMessages(args),
    { [PATCHED]: true },
  );
  require.cache[filterPath] = module;
}

installReadCommittedFilter();
