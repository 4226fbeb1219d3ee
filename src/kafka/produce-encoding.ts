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
 * - `producer/partitioners/default/murmur2`: the key hash of the default (Java-compatible)
 *   partitioner, in 64-bit BigInt arithmetic (`utils/long.js`) per 4 key bytes, ~2.5 %. Here the same
 *   32-bit result with `Math.imul`.
 *
 * - `protocol/requests/produce/v3/request.js` (Produce v3-v7) and `protocol/request.js` (every
 *   request's framing): the request written once into an exactly-sized buffer, the same bytes
 *   (`./produce-request.ts`); compression other than none keeps kafkajs's encoder.
 *
 * It runs when imported; `./kafkajs.js` imports it before kafkajs.
 */
import { createRequire, Module } from 'node:module';
import { crc32c } from '@node-rs/crc32';
import { asEncoder, encodeProduceV3, encodeRequest, type ProduceRequestArgs } from './produce-request.js';

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

const M = 0x5bd1e995;

/**
 * kafkajs's `partitioners/default/murmur2` (the Java client's murmur2, seed 0x9747b28c): its 64-bit
 * BigInt arithmetic keeps only the low 32 bits, which `Math.imul` computes directly.
 */
export function murmur2(key: Buffer | string): number {
  const data = Buffer.isBuffer(key) ? key : Buffer.from(String(key));
  const length = data.length;
  let h = (0x9747b28c ^ length) | 0;
  const words = length >>> 2;
  for (let i = 0; i < words; i++) {
    const i4 = i * 4;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & ~3;
  const rest = length & 3;
  if (rest === 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) h = Math.imul(h ^ data[tail]!, M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
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

type ProduceV3 = (args: ProduceRequestArgs) => { encode(): Promise<unknown> };

/**
 * kafkajs's Produce v3 request with our `encode()` when uncompressed; kafkajs's own (loaded here,
 * before its cache entry is replaced) for compressed batches.
 */
function replaceProduceV3(require: NodeJS.Require): void {
  const path = 'kafkajs/src/protocol/requests/produce/v3/request.js';
  const resolved = require.resolve(path);
  if (require.cache[resolved]) return;
  const kafkajsProduceV3 = require(path) as ProduceV3;
  delete require.cache[resolved];
  replace(
    require,
    path,
    (args: ProduceRequestArgs) => {
      const request = kafkajsProduceV3(args);
      if ((args.compression ?? 0) !== 0) return request;
      return { ...request, encode: () => Promise.resolve(asEncoder(encodeProduceV3(args))) };
    },
    path,
  );
}

/** Puts the five in kafkajs's place (before kafkajs loads). */
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
    'kafkajs/src/producer/partitioners/default/murmur2.js',
    (key: Buffer | string) => murmur2(key),
    'kafkajs/src/producer/partitioners/default/index.js',
  );
  replace(
    require,
    'kafkajs/src/producer/groupMessagesPerPartition.js',
    (args: GroupArgs<unknown>) => groupMessagesPerPartition(args),
    'kafkajs/src/producer/sendMessages.js',
  );
  replaceProduceV3(require);
  replace(require, 'kafkajs/src/protocol/request.js', encodeRequest, 'kafkajs/src/network/connection.js');
}

installProduceEncoding();
