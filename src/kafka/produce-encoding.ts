/**
 * Two pieces of kafkajs 2.2.4's produce path replaced, through Node's module cache and before kafkajs
 * loads them (like `read-committed-filter.ts`), because they were among the largest costs of a warm
 * pin in the worker's CPU profile (BENCHMARKS.md, *Warm path, item by item*):
 *
 * - `protocol/recordBatch/crc32C`: the CRC-32C of every record batch, a byte-at-a-time JavaScript
 *   table loop over the whole batch (a ContentEmbedding is ~5 KiB), ~3 % of the worker's CPU. Here
 *   `@node-rs/crc32` (napi-rs, SSE 4.2 / ARMv8 CRC instructions, prebuilt per platform): the same
 *   unsigned 32-bit checksum (`test/unit/kafka/produce-encoding.test.ts` compares both).
 * - `producer/groupMessagesPerPartition`: grouped a send's messages by partition with
 *   `[...current, message]` per message, quadratic in the messages per partition (a chunk's labels,
 *   embeddings and dead letters go in one send). Here the same grouping (partitioner called once per
 *   message, in order; arrays in message order) in linear time.
 *
 * It runs when imported; `./kafkajs.js` imports it before kafkajs.
 */
import { createRequire, Module } from 'node:module';
import { crc32c } from '@node-rs/crc32';

const PATCHED = Symbol.for('integrity-worker.produceEncoding');

/** kafkajs's `crc32C/index.js` contract: the unsigned CRC-32C of `buffer`. */
export function unsignedCrc32c(buffer: Uint8Array): number {
  return crc32c(buffer) >>> 0;
}

interface GroupArgs<M> {
  topic: string;
  partitionMetadata: readonly unknown[];
  messages: readonly M[];
  partitioner: (args: { topic: string; partitionMetadata: readonly unknown[]; message: M }) => number;
}

/** kafkajs's `groupMessagesPerPartition` contract, in linear time. */
export function groupMessagesPerPartition<M>({
  topic,
  partitionMetadata,
  messages,
  partitioner,
}: GroupArgs<M>): Record<number, M[]> {
  const result: Record<number, M[]> = {};
  if (partitionMetadata.length === 0) return result;
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    (result[partition] ??= []).push(message);
  }
  return result;
}

/**
 * Puts `exports` in the module cache for kafkajs's `path`, unless kafkajs loaded its own already (a
 * process that imported kafkajs directly first, e.g. a test): both give the same results, so the
 * original then stays, and only the speed differs.
 */
function replace(
  require: NodeJS.Require,
  path: string,
  exports: (...args: never[]) => unknown,
  loadedBy: string,
): void {
  const resolved = require.resolve(path);
  if (require.cache[resolved] || require.cache[require.resolve(loadedBy)]) return;
  const module = new Module(resolved);
  module.filename = resolved;
  module.loaded = true;
  module.exports = Object.assign(exports, { [PATCHED]: true });
  require.cache[resolved] = module;
}

/** Puts both in kafkajs's place (before kafkajs loads). */
export function installProduceEncoding(): void {
  const require = createRequire(import.meta.url);
  replace(
    require,
    'kafkajs/src/protocol/recordBatch/crc32C/index.js',
    (buffer: Uint8Array) => unsignedCrc32c(buffer),
    'kafkajs/src/protocol/recordBatch/v0/index.js',
  );
  replace(
    require,
    'kafkajs/src/producer/groupMessagesPerPartition.js',
    (args: GroupArgs<unknown>) => groupMessagesPerPartition(args),
    'kafkajs/src/producer/sendMessages.js',
  );
}

installProduceEncoding();
