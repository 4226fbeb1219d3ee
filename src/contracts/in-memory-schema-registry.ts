/**
 * A schema registry held in memory, for unit tests and tools that run without a registry. Like a real
 * registry, the same schema text gets the same id in every subject, and ids never change. It enforces
 * no compatibility rule.
 */
import { IntegrityError } from '../errors.js';
import type { SchemaSource } from './schema-registry.js';

export class InMemorySchemaRegistry implements SchemaSource {
  private readonly byId = new Map<number, string>();
  private readonly idByText = new Map<string, number>();
  private readonly subjects = new Map<string, number[]>();
  /** How many times each method was called: lets tests prove caching. */
  readonly calls = { schemaById: 0, lookupSchemaId: 0, register: 0 };

  async schemaById(id: number): Promise<string> {
    this.calls.schemaById += 1;
    const schema = this.byId.get(id);
    if (schema === undefined) {
      throw new IntegrityError('IW_SCHEMA_UNKNOWN_ID', `the registry has no schema ${id}`, {
        details: { id },
      });
    }
    return schema;
  }

  async lookupSchemaId(subject: string, schema: string): Promise<number | undefined> {
    this.calls.lookupSchemaId += 1;
    const id = this.idByText.get(schema);
    return id !== undefined && this.subjects.get(subject)?.includes(id) ? id : undefined;
  }

  async register(subject: string, schema: string): Promise<number> {
    this.calls.register += 1;
    let id = this.idByText.get(schema);
    if (id === undefined) {
      id = this.byId.size + 1;
      this.byId.set(id, schema);
      this.idByText.set(schema, id);
    }
    const versions = this.subjects.get(subject) ?? [];
    if (!versions.includes(id)) versions.push(id);
    this.subjects.set(subject, versions);
    return id;
  }
}
