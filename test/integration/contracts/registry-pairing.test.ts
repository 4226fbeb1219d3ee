/**
 * Proves the pairing this project depends on: our registry client and Apicurio's Confluent API
 * (register, compatibility rules, lookups, wire format), and that @kafkajs/confluent-schema-registry,
 * the library other services use, reads what we write and the reverse.
 */
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { describe, expect, it } from 'vitest';
import { AvroCodec } from '../../../src/contracts/avro-codec.js';
import { defineContract } from '../../../src/contracts/contract.js';
import { HttpSchemaRegistry } from '../../../src/contracts/http-schema-registry.js';
import { INTEGRITY_LABEL, subjectForTopic } from '../../../src/contracts/subjects.js';
import { IntegrityError } from '../../../src/errors.js';
import { fullIntegrityLabel } from '../../support/records.js';
import { stackEnv, uniqueName } from '../../support/stack-env.js';

const registry = new HttpSchemaRegistry({ baseUrl: stackEnv.schemaRegistryUrl });
const v1 = { type: 'record', name: 'Probe', namespace: 'test', fields: [{ name: 'a', type: 'string' }] };
const withField = (field: object) => JSON.stringify({ ...v1, fields: [...v1.fields, field] });

describe('our registry client with Apicurio', () => {
  it('registers v1, refuses a FULL-incompatible v2, accepts an optional field', async () => {
    const subject = `${uniqueName('pairing')}-value`;
    expect(await registry.latestVersion(subject)).toBeUndefined();
    expect(await registry.isCompatible(subject, JSON.stringify(v1))).toBe(true);
    await registry.setCompatibility(subject, 'FULL');
    const id = await registry.register(subject, JSON.stringify(v1));
    expect(await registry.register(subject, JSON.stringify(v1))).toBe(id);
    expect(await registry.lookupSchemaId(subject, JSON.stringify(v1))).toBe(id);

    const required = withField({ name: 'b', type: 'int' });
    expect(await registry.isCompatible(subject, required)).toBe(false);
    const refused = await registry.register(subject, required).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(IntegrityError);
    expect((refused as IntegrityError).code).toBe('IW_SCHEMA_INCOMPATIBLE');
    expect(await registry.lookupSchemaId(subject, required)).toBeUndefined();

    const optional = withField({ name: 'b', type: ['null', 'int'], default: null });
    expect(await registry.isCompatible(subject, optional)).toBe(true);
    const id2 = await registry.register(subject, optional);
    expect(await registry.latestVersion(subject)).toMatchObject({ id: id2, version: 2 });
    expect(JSON.parse(await registry.schemaById(id))).toEqual(v1);
  });

  it('encodes and decodes in the wire format with ids from the registry', async () => {
    const topic = uniqueName('pairing.labels');
    const id = await registry.register(subjectForTopic(topic), INTEGRITY_LABEL.schemaText);
    const codec = new AvroCodec(registry);
    const label = fullIntegrityLabel();
    const buffer = await codec.encode(topic, INTEGRITY_LABEL, label);
    expect(buffer.readUInt8(0)).toBe(0);
    expect(buffer.readInt32BE(1)).toBe(id);
    expect(await codec.decodeAs(INTEGRITY_LABEL, buffer)).toEqual({ schemaId: id, record: label });
  });
});

describe('@kafkajs/confluent-schema-registry against the same registry', () => {
  it('decodes what we encode, and we decode what it encodes', async () => {
    const topic = uniqueName('pairing.library');
    const id = await registry.register(subjectForTopic(topic), INTEGRITY_LABEL.schemaText);
    const library = new SchemaRegistry({ host: stackEnv.schemaRegistryUrl });
    const ours = new AvroCodec(registry);
    const label = fullIntegrityLabel();

    expect(await library.decode(await ours.encode(topic, INTEGRITY_LABEL, label))).toEqual(label);
    const fromLibrary = await library.encode(await library.getLatestSchemaId(subjectForTopic(topic)), label);
    expect(await ours.decodeAs(INTEGRITY_LABEL, fromLibrary)).toEqual({ schemaId: id, record: label });
  });

  it('is unaffected by key order: Apicurio re-serializes stored schemas, lookups still match', async () => {
    const topic = uniqueName('pairing.order');
    const subject = subjectForTopic(topic);
    const id = await registry.register(subject, INTEGRITY_LABEL.schemaText);
    expect((await registry.latestVersion(subject))?.schema).not.toBe(INTEGRITY_LABEL.schemaText);
    expect(await registry.lookupSchemaId(subject, INTEGRITY_LABEL.schemaText)).toBe(id);
    const reordered = defineContract(JSON.parse((await registry.latestVersion(subject))!.schema));
    expect(reordered.type.equals(INTEGRITY_LABEL.type)).toBe(true);
  });
});
