/**
 * Encodes and decodes records in the Confluent wire format through a schema registry. Schema ids,
 * parsed writer schemas and resolvers are cached in memory for the codec's lifetime (a registered
 * schema never changes under its id), so the registry is asked once per schema, not per message.
 */
import avro from 'avsc';
import { IntegrityError } from '../errors.js';
import type { Contract } from './contract.js';
import { PromiseMemo } from './memo.js';
import type { SchemaSource } from './schema-registry.js';
import { subjectForTopic } from './subjects.js';
import { validateRecord } from './validate-record.js';
import { encodeFramed, unframe } from './wire-format.js';

export interface AvroCodecOptions {
  /** Register a schema on first encode when the registry lacks it. Off by default: production
   * schemas are registered by `integrity-worker schemas register`, never by the worker. */
  autoRegister?: boolean;
}

export interface Decoded<T> {
  schemaId: number;
  record: T;
}

export class AvroCodec {
  // Keyed by the contract's schema text (the same string every call: its hash is computed once), then
  // by topic or writer schema id; a key built per record (`subject + "\n" + schema text`) cost a
  // string of the whole schema and its hash per message.
  private readonly ids = new Map<string, PromiseMemo<string, number>>();
  private readonly writers = new PromiseMemo<number, avro.Type>();
  private readonly resolvers = new Map<string, Map<number, avro.Resolver>>();

  constructor(
    private readonly registry: SchemaSource,
    private readonly options: AvroCodecOptions = {},
  ) {}

  /**
   * Validates `record` against the contract, then encodes it with the id the contract's schema has
   * under `<topic>-value`. Throws IW_RECORD_INVALID (naming the bad fields), IW_SCHEMA_NOT_REGISTERED,
   * or the registry's errors (IW_REGISTRY_UNREACHABLE is retriable).
   */
  async encode<T>(topic: string, contract: Contract<T>, record: T): Promise<Buffer> {
    validateRecord(contract, record);
    const schemaId = await this.schemaIdFor(topic, contract);
    return encodeFramed(schemaId, contract.type, record);
  }

  /**
   * Decodes with the writer's schema as found in the registry: the record has the writer's shape.
   * Throws IW_WIRE_TOO_SHORT, IW_WIRE_BAD_MAGIC, IW_SCHEMA_UNKNOWN_ID, IW_AVRO_BODY_MISMATCH or the
   * registry's errors.
   */
  async decode(buffer: Buffer): Promise<Decoded<unknown>> {
    const { schemaId, body } = unframe(buffer);
    const writer = await this.writerType(schemaId);
    return { schemaId, record: readBody(schemaId, () => writer.fromBuffer(body)) };
  }

  /**
   * Decodes into the contract's shape, resolving the writer's schema into the contract's schema as
   * Avro schema evolution prescribes (new optional fields get their defaults, unknown enum symbols
   * the enum default). Throws what `decode` throws, and IW_SCHEMA_INCOMPATIBLE when the writer's
   * schema cannot be read as the contract.
   */
  async decodeAs<T>(contract: Contract<T>, buffer: Buffer): Promise<Decoded<T>> {
    const { schemaId, body } = unframe(buffer);
    const writer = await this.writerType(schemaId);
    const resolver = this.resolver(schemaId, writer, contract);
    const record = readBody(schemaId, () => contract.type.fromBuffer(body, resolver, false)) as T;
    return { schemaId, record };
  }

  private schemaIdFor(topic: string, contract: Contract<unknown>): Promise<number> {
    let byTopic = this.ids.get(contract.schemaText);
    if (!byTopic) this.ids.set(contract.schemaText, (byTopic = new PromiseMemo()));
    return byTopic.get(topic, async () => {
      const subject = subjectForTopic(topic);
      const found = await this.registry.lookupSchemaId(subject, contract.schemaText);
      if (found !== undefined) return found;
      if (this.options.autoRegister) return this.registry.register(subject, contract.schemaText);
      throw new IntegrityError(
        'IW_SCHEMA_NOT_REGISTERED',
        `${contract.name} is not registered under ${subject}: run integrity-worker schemas register`,
        { details: { subject, contract: contract.name } },
      );
    });
  }

  private writerType(schemaId: number): Promise<avro.Type> {
    return this.writers.get(schemaId, async () => {
      const text = await this.registry.schemaById(schemaId);
      try {
        return avro.Type.forSchema(JSON.parse(text) as avro.Schema);
      } catch (cause) {
        throw new IntegrityError(
          'IW_SCHEMA_UNKNOWN_ID',
          `schema ${schemaId} is not an Avro schema we can read`,
          {
            cause,
            details: { schemaId },
          },
        );
      }
    });
  }

  private resolver(schemaId: number, writer: avro.Type, contract: Contract<unknown>): avro.Resolver {
    let byWriter = this.resolvers.get(contract.schemaText);
    if (!byWriter) this.resolvers.set(contract.schemaText, (byWriter = new Map()));
    let resolver = byWriter.get(schemaId);
    if (!resolver) {
      try {
        resolver = contract.type.createResolver(writer);
      } catch (cause) {
        throw new IntegrityError(
          'IW_SCHEMA_INCOMPATIBLE',
          `schema ${schemaId} cannot be read as ${contract.name}`,
          { cause, details: { schemaId, contract: contract.name } },
        );
      }
      byWriter.set(schemaId, resolver);
    }
    return resolver;
  }
}

/** avsc throws on truncated bodies, trailing bytes and bad union or enum indexes. */
function readBody(schemaId: number, read: () => unknown): unknown {
  try {
    return read();
  } catch (cause) {
    throw new IntegrityError('IW_AVRO_BODY_MISMATCH', `the body does not match schema ${schemaId}`, {
      cause,
      details: { schemaId },
    });
  }
}
