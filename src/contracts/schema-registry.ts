/**
 * What the contracts code needs from a Confluent-compatible schema registry. Schemas travel as their
 * JSON text, exactly as the registry stores them.
 *
 * Errors every method may throw: IW_REGISTRY_UNREACHABLE (retriable: no answer, a timeout, a 5xx,
 * 408 or 429) and IW_REGISTRY_REJECTED (any other unexpected 4xx).
 */
export interface SchemaSource {
  /** The schema stored under `id`. Throws IW_SCHEMA_UNKNOWN_ID when the registry has none. */
  schemaById(id: number): Promise<string>;
  /** The id of `schema` under `subject`, or undefined when it is not registered there. */
  lookupSchemaId(subject: string, schema: string): Promise<number | undefined>;
  /** Registers `schema` under `subject` (idempotent) and returns its id. Throws IW_SCHEMA_INCOMPATIBLE
   * when the subject's compatibility rule refuses it. */
  register(subject: string, schema: string): Promise<number>;
}

export type CompatibilityLevel =
  'NONE' | 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FORWARD_TRANSITIVE' | 'FULL' | 'FULL_TRANSITIVE';

export interface SubjectVersion {
  id: number;
  version: number;
  schema: string;
}

/** The administrative part, used by `integrity-worker schemas`. */
export interface SchemaRegistryAdmin extends SchemaSource {
  /** The latest version under `subject`, or undefined when the subject does not exist. */
  latestVersion(subject: string): Promise<SubjectVersion | undefined>;
  /** The registry's verdict on `schema` against the subject's latest version, by the subject's rule
   * (Apicurio applies BACKWARD when none is set). True when the subject does not exist. */
  isCompatible(subject: string, schema: string): Promise<boolean>;
  /** Sets the compatibility rule the registry enforces on register for `subject`. */
  setCompatibility(subject: string, level: CompatibilityLevel): Promise<void>;
}
