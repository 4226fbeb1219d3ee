/**
 * A contract binds a generated TypeScript type to the Avro schema it was generated from, parsed once.
 * The codec encodes with `type` and reads with it as the reader schema.
 */
import avro from 'avsc';

export interface Contract<T> {
  /** Full Avro name, e.g. `integrity.IntegrityLabel`. */
  readonly name: string;
  /** The schema's JSON text as sent to the registry. */
  readonly schemaText: string;
  readonly type: avro.Type;
  /** Phantom field that carries T; never set. */
  readonly __record?: T;
}

/** Parses `schema` (the generated constant) into a contract for records of type T. */
export function defineContract<T>(schema: {
  readonly name: string;
  readonly namespace?: string;
}): Contract<T> {
  const type = avro.Type.forSchema(schema as avro.Schema);
  const name = schema.namespace ? `${schema.namespace}.${schema.name}` : schema.name;
  return Object.freeze({ name, schemaText: JSON.stringify(schema), type });
}
