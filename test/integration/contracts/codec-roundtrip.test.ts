import { createServer, type Socket } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { AvroCodec } from '../../../src/contracts/avro-codec.js';
import { HttpSchemaRegistry } from '../../../src/contracts/http-schema-registry.js';
import { DEAD_LETTER, INTEGRITY_LABEL, PIN_CREATED } from '../../../src/contracts/subjects.js';
import { frame } from '../../../src/contracts/wire-format.js';
import { IntegrityError } from '../../../src/errors.js';
import * as records from '../../support/records.js';
import { stackEnv, uniqueName } from '../../support/stack-env.js';
import { recordCases, registerContracts } from '../../support/contract-cases.js';

const registry = new HttpSchemaRegistry({ baseUrl: stackEnv.schemaRegistryUrl });
const suffix = `.${uniqueName('roundtrip')}`;
const topics = {
  pins: `pins${suffix}`,
  labels: `labels${suffix}`,
  deadLetters: `dlq${suffix}`,
  reviews: `reviews${suffix}`,
  rescans: `rescan${suffix}`,
  embeddings: `embeddings${suffix}`,
};

async function errorOf(promise: Promise<unknown>): Promise<IntegrityError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof IntegrityError)) throw new Error(`expected an IntegrityError, got ${String(error)}`);
  return error;
}

/** A loopback port on which nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(() => registerContracts(registry, topics));

describe('AvroCodec against the real registry', () => {
  const cases = recordCases(topics);

  it.each(cases)('round-trips %s', async (_name, topic, contract, record) => {
    const writer = new AvroCodec(registry);
    const buffer = await writer.encode(topic, contract, record);
    // A fresh codec: the reader knows nothing but the bytes and the registry.
    const reader = new AvroCodec(registry);
    expect((await reader.decodeAs(contract, buffer)).record).toEqual(record);
    expect((await reader.decode(buffer)).record).toEqual(record);
  });

  it('IW_SCHEMA_UNKNOWN_ID for an id the registry never gave', async () => {
    const error = await errorOf(new AvroCodec(registry).decode(frame(2_000_000_000, Buffer.from([0]))));
    expect(error.code).toBe('IW_SCHEMA_UNKNOWN_ID');
    expect(error.retriable).toBe(false);
  });

  it('IW_AVRO_BODY_MISMATCH for a body cut short', async () => {
    const codec = new AvroCodec(registry);
    const buffer = await codec.encode(topics.labels, INTEGRITY_LABEL, records.fullIntegrityLabel());
    const error = await errorOf(codec.decode(buffer.subarray(0, buffer.length - 4)));
    expect(error.code).toBe('IW_AVRO_BODY_MISMATCH');
  });

  it('IW_WIRE_TOO_SHORT and IW_WIRE_BAD_MAGIC before the registry is asked', async () => {
    const codec = new AvroCodec(registry);
    expect((await errorOf(codec.decode(Buffer.from([0, 0, 0])))).code).toBe('IW_WIRE_TOO_SHORT');
    expect((await errorOf(codec.decode(Buffer.from('{"pinId":"p"}')))).code).toBe('IW_WIRE_BAD_MAGIC');
  });

  it('IW_RECORD_INVALID before encoding, IW_SCHEMA_NOT_REGISTERED for an unregistered subject', async () => {
    const codec = new AvroCodec(registry);
    const bad = { ...records.minimalDeadLetter(), attempts: 1.5 };
    expect((await errorOf(codec.encode(topics.deadLetters, DEAD_LETTER, bad))).code).toBe(
      'IW_RECORD_INVALID',
    );
    const error = await errorOf(
      codec.encode(uniqueName('nowhere'), DEAD_LETTER, records.minimalDeadLetter()),
    );
    expect(error.code).toBe('IW_SCHEMA_NOT_REGISTERED');
  });

  it('IW_REGISTRY_UNREACHABLE, retriable, when nothing answers; recovers when asked again', async () => {
    const down = new HttpSchemaRegistry({
      baseUrl: `http://127.0.0.1:${await closedPort()}/apis/ccompat/v7`,
    });
    const codec = new AvroCodec(down);
    const good = await new AvroCodec(registry).encode(topics.pins, PIN_CREATED, records.minimalPinCreated());
    for (const attempt of [
      codec.decode(good),
      codec.encode(topics.pins, PIN_CREATED, records.minimalPinCreated()),
    ]) {
      const error = await errorOf(attempt);
      expect(error.code).toBe('IW_REGISTRY_UNREACHABLE');
      expect(error.retriable).toBe(true);
    }
  });

  it('IW_REGISTRY_UNREACHABLE when the registry does not answer in time', async () => {
    const sockets: Socket[] = [];
    const server = createServer((socket) => void sockets.push(socket)); // accepts, never answers
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const slow = new HttpSchemaRegistry({ baseUrl: `http://127.0.0.1:${port}`, requestTimeoutMs: 200 });
      const error = await errorOf(slow.schemaById(1));
      expect(error.code).toBe('IW_REGISTRY_UNREACHABLE');
      expect(error.retriable).toBe(true);
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  });
});
