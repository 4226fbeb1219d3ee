import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { describe, expect, it } from 'vitest';
import { stackEnv, uniqueName } from '../../support/stack-env.js';

const registry = new SchemaRegistry({ host: stackEnv.schemaRegistryUrl });

const v1 = {
  type: 'record',
  name: 'Smoke',
  namespace: 'test.smoke',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'count', type: 'int' },
  ],
};

describe('@kafkajs/confluent-schema-registry against Apicurio (ccompat v7)', () => {
  it('registers v1, refuses a BACKWARD-incompatible v2, and round-trips the wire format', async () => {
    const subject = `${uniqueName('smoke')}-value`;
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(v1) },
      { subject },
    );

    const compat = await fetch(`${stackEnv.schemaRegistryUrl}/config/${subject}`).then((r) => r.json());
    expect(compat).toMatchObject({ compatibilityLevel: 'BACKWARD' });

    // A new required field without a default cannot read old records: BACKWARD-incompatible.
    const v2 = { ...v1, fields: [...v1.fields, { name: 'added', type: 'string' }] };
    await expect(
      registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(v2) }, { subject }),
    ).rejects.toThrow();

    // Adding an optional field is compatible and gets a new id.
    const v3 = { ...v1, fields: [...v1.fields, { name: 'note', type: ['null', 'string'], default: null }] };
    const { id: id3 } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(v3) },
      { subject },
    );
    expect(id3).not.toBe(id);

    const encoded = await registry.encode(id, { id: 'a', count: 7 });
    expect(encoded[0]).toBe(0);
    expect(encoded.readInt32BE(1)).toBe(id);
    await expect(registry.decode(encoded)).resolves.toEqual({ id: 'a', count: 7 });
  });
});
