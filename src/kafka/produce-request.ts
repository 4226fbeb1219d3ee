/**
 * kafkajs 2.2.4's Produce request (v3, which v4-v7 reuse) and its request framing, encoded into one
 * exactly-sized buffer instead of kafkajs's chain of `Encoder`s. kafkajs builds every header, record,
 * record batch, partition, topic and the request itself in its own power-of-two `Buffer.alloc`, and
 * copies each into the next level (nine copies of every value byte, a `Buffer.from([...])` per varint),
 * which was the largest kafkajs cost of a warm pin in the worker's CPU profile (BENCHMARKS.md, *Warm
 * path, item by item*). Here the sizes are computed first, then everything is written once, and the
 * record batch's CRC-32C is taken over the written bytes.
 *
 * The bytes are kafkajs's own (`test/unit/kafka/produce-request.test.ts` compares them with kafkajs's
 * encoder on varied records: headers, null and string keys, several partitions and topics,
 * transactional). Compression other than none goes to kafkajs's own encoder unchanged.
 *
 * Installed by `./produce-encoding.ts` in kafkajs's module cache, like the other replaced pieces.
 */
import { createRequire } from 'node:module';
import { crc32c } from '@node-rs/crc32';

const require = createRequire(import.meta.url);

interface KafkaLong {
  getHighBits(): number;
  getLowBits(): number;
}
interface LongStatics {
  fromValue(value: unknown): KafkaLong;
  fromInt(value: number): KafkaLong;
}
/** kafkajs's `Encoder`: what its request framing and connection read (`buf`, `offset`, `size()`). */
interface KafkaEncoder {
  buf: Buffer;
  offset: number;
}
type EncoderClass = { prototype: KafkaEncoder; sizeOfVarLong(value: unknown): number } & (new (
  size?: number,
) => KafkaEncoder & { writeVarLong(value: unknown): KafkaEncoder & { buffer: Buffer } });

const Long = require('kafkajs/src/utils/long.js') as LongStatics;
const Encoder = require('kafkajs/src/protocol/encoder.js') as EncoderClass;

export interface ProduceMessage {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
  timestamp?: string | number;
}
export interface ProducePartitionData {
  partition: number;
  firstSequence?: number;
  messages: readonly ProduceMessage[];
}
export interface ProduceTopicData {
  topic: string;
  partitions: readonly ProducePartitionData[];
}
export interface ProduceRequestArgs {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  producerId?: unknown;
  producerEpoch?: number;
  compression?: number;
  topicData: readonly ProduceTopicData[];
}

const TRANSACTIONAL_MASK = 16;
const MAGIC_BYTE = 2;
/** Bytes of a record batch before its records: base offset .. first sequence, and the count. */
const BATCH_HEADER = 8 + 4 + 4 + 1 + 4 + 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4;

/** kafkajs's 32-bit zigzag (`Encoder.encodeZigZag`). */
const zigzag = (value: number): number => (value << 1) ^ (value >> 31);

function sizeOfUVarInt(value: number): number {
  let bytes = 1;
  while ((value & 0xffffff80) !== 0) {
    bytes += 1;
    value >>>= 7;
  }
  return bytes;
}
const sizeOfVarInt = (value: number): number => sizeOfUVarInt(zigzag(value));

/** Integers this small have the same 64-bit zigzag varint as the 32-bit one. */
const smallInteger = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= -0x40000000 && value < 0x40000000;

const sizeOfVarLong = (value: unknown): number =>
  smallInteger(value) ? sizeOfVarInt(value) : Encoder.sizeOfVarLong(value);

/** kafkajs's `Buffer.byteLength(value)` of a key, value or header value (`null`: none). */
function byteLength(value: Buffer | string | null | undefined): number {
  if (value == null) return -1;
  return Buffer.isBuffer(value) ? value.length : Buffer.byteLength(value);
}
const sizeOfVarIntBytes = (length: number): number =>
  length < 0 ? sizeOfVarInt(-1) : sizeOfVarInt(length) + length;

interface Header {
  key: string;
  value: Buffer | string;
  keyLength: number;
  valueLength: number;
}
interface PlannedRecord {
  message: ProduceMessage;
  timestampDelta: number;
  keyLength: number;
  valueLength: number;
  headers: Header[];
  bodySize: number;
}
interface PlannedBatch {
  partition: number;
  firstSequence: number;
  firstTimestamp: unknown;
  maxTimestamp: unknown;
  records: PlannedRecord[];
  recordsSize: number;
}

/** kafkajs's record/v0 header list: one entry per value, arrays expanded, in key order. */
function headersOf(message: ProduceMessage): Header[] {
  const headers = message.headers ?? {};
  const list: Header[] = [];
  for (const key of Object.keys(headers)) {
    const value = headers[key];
    const values = Array.isArray(value) ? value : [value];
    for (const one of values) {
      const header = one as Buffer | string;
      // kafkajs calls Buffer.byteLength on every header value (throwing on null and undefined)
      const valueLength = Buffer.isBuffer(header) ? header.length : Buffer.byteLength(header);
      list.push({ key, value: header, keyLength: Buffer.byteLength(key), valueLength });
    }
  }
  return list;
}

function planBatch(data: ProducePartitionData, now: number): PlannedBatch {
  const { messages } = data;
  // kafkajs: the messages' timestamps, default sort (as strings), first and last
  const timestamps = messages
    .map((m) => m.timestamp)
    .filter((timestamp) => timestamp != null)
    .sort();
  const firstTimestamp: unknown = timestamps.length === 0 ? now : timestamps[0];
  const maxTimestamp: unknown = timestamps.length === 0 ? now : timestamps[timestamps.length - 1];
  const records: PlannedRecord[] = [];
  let recordsSize = 0;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!;
    const timestampDelta = ((message.timestamp || now) as number) - (firstTimestamp as number);
    const keyLength = byteLength(message.key);
    const valueLength = byteLength(message.value);
    const headers = headersOf(message);
    let headersSize = sizeOfVarInt(headers.length);
    for (const header of headers)
      headersSize +=
        sizeOfVarInt(header.keyLength) +
        header.keyLength +
        sizeOfVarInt(header.valueLength) +
        header.valueLength;
    const bodySize =
      1 +
      sizeOfVarLong(timestampDelta) +
      sizeOfVarInt(i) +
      sizeOfVarIntBytes(keyLength) +
      sizeOfVarIntBytes(valueLength) +
      headersSize;
    records.push({ message, timestampDelta, keyLength, valueLength, headers, bodySize });
    recordsSize += sizeOfVarInt(bodySize) + bodySize;
  }
  return {
    partition: data.partition,
    firstSequence: data.firstSequence ?? 0,
    firstTimestamp,
    maxTimestamp,
    records,
    recordsSize,
  };
}

/** A writer over one exactly-sized buffer, with kafkajs's encodings. */
class Writer {
  offset = 0;
  constructor(readonly buffer: Buffer) {}

  int8(value: number): void {
    this.buffer.writeInt8(value, this.offset);
    this.offset += 1;
  }
  int16(value: number): void {
    this.buffer.writeInt16BE(value, this.offset);
    this.offset += 2;
  }
  int32(value: number): void {
    this.buffer.writeInt32BE(value, this.offset);
    this.offset += 4;
  }
  int64(value: unknown): void {
    const long = Long.fromValue(value);
    this.buffer.writeInt32BE(long.getHighBits(), this.offset);
    this.buffer.writeInt32BE(long.getLowBits(), this.offset + 4);
    this.offset += 8;
  }
  /** int16 length + UTF-8, null as -1 (`writeString`). */
  string(value: string | null | undefined): void {
    if (value == null) return this.int16(-1);
    const length = Buffer.byteLength(value, 'utf8');
    this.int16(length);
    this.offset += this.buffer.write(value, this.offset, length, 'utf8');
  }
  uvarint(value: number): void {
    const buffer = this.buffer;
    while ((value & 0xffffff80) !== 0) {
      buffer[this.offset++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    buffer[this.offset++] = value & 0x7f;
  }
  varint(value: number): void {
    this.uvarint(zigzag(value));
  }
  varlong(value: unknown): void {
    if (smallInteger(value)) return this.varint(value);
    const bytes = new Encoder().writeVarLong(value).buffer;
    bytes.copy(this.buffer, this.offset);
    this.offset += bytes.length;
  }
  /** A varint length and the bytes (`writeVarIntBytes`; `length` from `byteLength`). */
  varintBytes(value: Buffer | string | null | undefined, length: number): void {
    if (value == null) return this.varint(-1);
    this.varint(length);
    if (Buffer.isBuffer(value)) this.offset += value.copy(this.buffer, this.offset);
    else this.offset += this.buffer.write(String(value), this.offset, length, 'utf8');
  }
}

const batchSize = (batch: PlannedBatch): number => BATCH_HEADER + batch.recordsSize;

function writeBatch(
  writer: Writer,
  batch: PlannedBatch,
  attributes: number,
  producerId: unknown,
  producerEpoch: number,
): void {
  const size = batchSize(batch);
  writer.int32(batch.partition);
  writer.int32(size);
  writer.int64(0); // base offset
  writer.int32(size - 12); // the batch's length (kafkajs: writeBytes of the batch)
  writer.int32(0); // partition leader epoch
  writer.int8(MAGIC_BYTE);
  const crcAt = writer.offset;
  writer.offset += 4;
  writer.int16(attributes);
  writer.int32(batch.records.length - 1);
  writer.int64(batch.firstTimestamp);
  writer.int64(batch.maxTimestamp);
  writer.int64(producerId);
  writer.int16(producerEpoch);
  writer.int32(batch.firstSequence);
  writer.int32(batch.records.length);
  for (let i = 0; i < batch.records.length; i++) {
    const record = batch.records[i]!;
    writer.varint(record.bodySize);
    writer.int8(0);
    writer.varlong(record.timestampDelta);
    writer.varint(i);
    writer.varintBytes(record.message.key, record.keyLength);
    writer.varintBytes(record.message.value, record.valueLength);
    writer.varint(record.headers.length);
    for (const header of record.headers) {
      writer.varint(header.keyLength);
      writer.offset += writer.buffer.write(header.key, writer.offset, header.keyLength, 'utf8');
      writer.varintBytes(header.value, header.valueLength);
    }
  }
  const crc = crc32c(writer.buffer.subarray(crcAt + 4, writer.offset)) >>> 0;
  writer.buffer.writeUInt32BE(crc, crcAt);
}

/**
 * Bytes left free in front of every Produce body for its request framing (size, api key and version,
 * correlation id, client id: 14 bytes and the client id's), so that `encodeRequest` writes the
 * framing there instead of copying the whole body behind it (that copy was ~2 % of a warm pin's
 * main-thread time, BENCHMARKS.md *Where a warm pin's time goes now*). A longer client id still works,
 * through the copy.
 */
const FRAMING_ROOM = 128;
/** Bodies written by `encodeProduceV3`, which own the `FRAMING_ROOM` bytes in front of them. */
const bodiesWithRoom = new WeakSet<Buffer>();

/**
 * The Produce v3 request body as kafkajs's `requests/produce/v3/request.js` `encode()` writes it
 * (compression none): transactional id, acks, timeout, then per topic its name and per partition its
 * record batch. `now` is kafkajs's `Date.now()` for messages without a timestamp.
 */
export function encodeProduceV3(args: ProduceRequestArgs, now = Date.now()): Buffer {
  const { transactionalId = null, acks, timeout, topicData } = args;
  const producerId = args.producerId ?? Long.fromInt(-1);
  const producerEpoch = args.producerEpoch ?? 0;
  const attributes = transactionalId ? TRANSACTIONAL_MASK : 0;
  const plans = topicData.map((data) => data.partitions.map((partition) => planBatch(partition, now)));
  let size = (transactionalId == null ? 2 : 2 + Buffer.byteLength(transactionalId, 'utf8')) + 2 + 4 + 4;
  topicData.forEach((data, t) => {
    size += 2 + Buffer.byteLength(data.topic, 'utf8') + 4;
    for (const batch of plans[t]!) size += 8 + batchSize(batch);
  });
  const writer = new Writer(Buffer.allocUnsafe(FRAMING_ROOM + size));
  writer.offset = FRAMING_ROOM;
  writer.string(transactionalId);
  writer.int16(acks);
  writer.int32(timeout);
  writer.int32(topicData.length);
  topicData.forEach((data, t) => {
    writer.string(data.topic);
    writer.int32(plans[t]!.length);
    for (const batch of plans[t]!) writeBatch(writer, batch, attributes, producerId, producerEpoch);
  });
  const written = writer.offset - FRAMING_ROOM;
  if (written !== size) throw new Error(`produce request: wrote ${written} of ${size} bytes`);
  const body = writer.buffer.subarray(FRAMING_ROOM);
  bodiesWithRoom.add(body);
  return body;
}

/**
 * `bytes` as a kafkajs `Encoder` holding them (what `protocol/request.js` and the connection read).
 * Its `buffer` is `bytes` itself, not the prototype's fresh `slice`, so that `encodeRequest` knows a
 * body from `encodeProduceV3` again.
 */
export function asEncoder(bytes: Buffer): KafkaEncoder {
  const encoder = Object.create(Encoder.prototype) as KafkaEncoder;
  encoder.buf = bytes;
  encoder.offset = bytes.length;
  Object.defineProperty(encoder, 'buffer', { value: bytes });
  return encoder;
}

interface KafkaRequest {
  apiKey: number;
  apiVersion: number;
  encode(): Promise<{ buffer: Buffer }>;
}

/**
 * kafkajs's `protocol/request.js`: size, api key, api version, correlation id, client id, then the
 * request body. A Produce body from `encodeProduceV3` gets the framing written into the room in front
 * of it, with no copy; any other body is copied once behind it (kafkajs copies it twice).
 */
export async function encodeRequest({
  correlationId,
  clientId,
  request,
}: {
  correlationId: number;
  clientId: string | null;
  request: KafkaRequest;
}): Promise<KafkaEncoder> {
  const payload = await request.encode();
  const body = payload.buffer;
  const clientIdSize = clientId == null ? 2 : 2 + Buffer.byteLength(clientId, 'utf8');
  const framingSize = 4 + 2 + 2 + 4 + clientIdSize;
  const inPlace = framingSize <= FRAMING_ROOM && bodiesWithRoom.has(body);
  const writer = new Writer(
    inPlace
      ? Buffer.from(body.buffer, body.byteOffset - framingSize, framingSize + body.length)
      : Buffer.allocUnsafe(framingSize + body.length),
  );
  writer.int32(framingSize - 4 + body.length);
  writer.int16(request.apiKey);
  writer.int16(request.apiVersion);
  writer.int32(correlationId);
  writer.string(clientId);
  if (!inPlace) body.copy(writer.buffer, writer.offset);
  return asEncoder(writer.buffer);
}
