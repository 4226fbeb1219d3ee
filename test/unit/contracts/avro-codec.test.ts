import { describe, expect, it } from 'vitest';
import type { Contract } from '../../../src/contracts/contract.js';
import { AvroCodec } from '../../../src/contracts/avro-codec.js';
import { defineContract } from '../../../src/contracts/contract.js';
import { integrityLabelSchema } from '../../../src/contracts/generated/integrity-label.js';
import { InMemorySchemaRegistry } from '../../../src/contracts/in-memory-schema-registry.js';
import {
  DEAD_LETTER,
  INTEGRITY_LABEL,
  PIN_CREATED,
  subjectForTopic,
} from '../../../src/contracts/subjects.js';
import { frame, unframe } from '../../../src/contracts/wire-format.js';
import { IntegrityError } from '../../../src/errors.js';
import * as records from '../../support/records.js';

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return error instanceof IntegrityError ? error.code : `foreign: ${String(error)}`;
  }
  return undefined;
}

function setup(options = { autoRegister: true }) {
  const registry = new InMemorySchemaRegistry();
  return { registry, codec: new AvroCodec(registry, options) };
}

const cases = [
  ['PinCreated minimal', PIN_CREATED, records.minimalPinCreated()],
  ['PinCreated full', PIN_CREATED, records.fullPinCreated()],
  ['IntegrityLabel minimal', INTEGRITY_LABEL, records.minimalIntegrityLabel()],
  ['IntegrityLabel full', INTEGRITY_LABEL, records.fullIntegrityLabel()],
  ['DeadLetter minimal', DEAD_LETTER, records.minimalDeadLetter()],
  ['DeadLetter full', DEAD_LETTER, records.fullDeadLetter()],
] as const;

describe('AvroCodec (in-memory registry)', () => {
  it.each(cases)('round-trips %s through decode and decodeAs', async (_name, contract, record) => {
    const { codec } = setup();
    const buffer = await codec.encode('t', contract as Contract<unknown>, record);
    expect(buffer[0]).toBe(0);
    expect((await codec.decode(buffer)).record).toEqual(record);
    expect((await codec.decodeAs(contract as Contract<unknown>, buffer)).record).toEqual(record);
  });

  it('asks the registry once per schema, not once per message', async () => {
    const { codec, registry } = setup();
    const buffers = await Promise.all(
      [1, 2, 3].map((n) =>
        codec.encode('t', INTEGRITY_LABEL, records.minimalIntegrityLabel({ pinId: `p${n}` })),
      ),
    );
    await Promise.all(buffers.map((b) => codec.decode(b)));
    await Promise.all(buffers.map((b) => codec.decodeAs(INTEGRITY_LABEL, b)));
    expect(registry.calls).toEqual({ lookupSchemaId: 1, register: 1, schemaById: 1 });
  });

  it('uses the subject <topic>-value', async () => {
    const { codec, registry } = setup();
    const buffer = await codec.encode(
      'integrity.labels.v1',
      INTEGRITY_LABEL,
      records.minimalIntegrityLabel(),
    );
    const { schemaId } = unframe(buffer);
    expect(subjectForTopic('integrity.labels.v1')).toBe('integrity.labels.v1-value');
    expect(await registry.lookupSchemaId('integrity.labels.v1-value', INTEGRITY_LABEL.schemaText)).toBe(
      schemaId,
    );
  });

  it('refuses an invalid record with IW_RECORD_INVALID naming the field paths', async () => {
    const { codec, registry } = setup();
    const label = records.fullIntegrityLabel();
    const bad = { ...label, labeledAt: 'now', signals: [{ ...label.signals[0]!, decision: 'MAYBE' }] };
    const error = await codec.encode('t', INTEGRITY_LABEL, bad as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as IntegrityError).code).toBe('IW_RECORD_INVALID');
    const paths = ((error as IntegrityError).details?.problems as { path: string }[]).map((p) => p.path);
    expect(paths).toEqual(['labeledAt', 'signals.0.decision']);
    expect(registry.calls.lookupSchemaId).toBe(0);
  });

  it('refuses to encode with a schema the registry lacks unless told to register', async () => {
    const { codec } = setup({ autoRegister: false });
    expect(await codeOf(codec.encode('t', PIN_CREATED, records.minimalPinCreated()))).toBe(
      'IW_SCHEMA_NOT_REGISTERED',
    );
  });

  it('maps an unknown schema id to IW_SCHEMA_UNKNOWN_ID', async () => {
    const { codec } = setup();
    expect(await codeOf(codec.decode(frame(4242, Buffer.from([0]))))).toBe('IW_SCHEMA_UNKNOWN_ID');
  });

  it('maps bodies that do not match their schema to IW_AVRO_BODY_MISMATCH', async () => {
    const { codec } = setup();
    const buffer = await codec.encode('t', PIN_CREATED, records.fullPinCreated());
    const truncated = buffer.subarray(0, buffer.length - 3);
    const trailing = Buffer.concat([buffer, Buffer.from([1, 2])]);
    // Union index 5 where PinCreated.title has two branches.
    const badUnion = Buffer.concat([buffer.subarray(0, 5), Buffer.from([0x48, 0x61]), Buffer.alloc(20)]);
    for (const broken of [truncated, trailing, badUnion]) {
      expect(await codeOf(codec.decode(broken))).toBe('IW_AVRO_BODY_MISMATCH');
      expect(await codeOf(codec.decodeAs(PIN_CREATED, broken))).toBe('IW_AVRO_BODY_MISMATCH');
    }
  });

  it('passes the wire-format errors through', async () => {
    const { codec } = setup();
    expect(await codeOf(codec.decode(Buffer.from([0, 0])))).toBe('IW_WIRE_TOO_SHORT');
    expect(await codeOf(codec.decode(Buffer.from('{"a":1}')))).toBe('IW_WIRE_BAD_MAGIC');
  });

  it('reads a newer writer through the contract: new fields dropped, unknown symbols -> default', async () => {
    const { codec } = setup();
    const newer = structuredClone(integrityLabelSchema) as unknown as { fields: Record<string, unknown>[] };
    const decision = newer.fields.find((f) => f.name === 'decision')!.type as { symbols: string[] };
    decision.symbols.push('QUARANTINE');
    newer.fields.push({ name: 'region', type: ['null', 'string'], default: null, doc: 'Region.' });
    const writer = defineContract<Record<string, unknown>>(newer as never);
    const sent = { ...records.minimalIntegrityLabel(), decision: 'QUARANTINE', region: 'eu' };
    const buffer = await codec.encode('t', writer, sent);
    const { record } = await codec.decodeAs(INTEGRITY_LABEL, buffer);
    expect(record).toEqual({
      ...records.minimalIntegrityLabel(),
      sourceEventId: sent.sourceEventId,
      decision: 'UNSCORED',
    });
  });

  it('refuses with IW_SCHEMA_INCOMPATIBLE a writer the contract cannot read', async () => {
    const { codec } = setup();
    const buffer = await codec.encode('t', PIN_CREATED, records.minimalPinCreated());
    expect(await codeOf(codec.decodeAs(DEAD_LETTER, buffer))).toBe('IW_SCHEMA_INCOMPATIBLE');
  });
});
