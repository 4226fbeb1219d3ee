/**
 * What `integrity-worker schemas check` and `schemas register` do for one subject. A check compares a
 * local schema with the registry's latest version under the subject: the registry's own verdict plus
 * the local rules of schema-compatibility.ts. A subject that does not exist yet accepts any schema.
 */
import { IntegrityError } from '../errors.js';
import { compatibilityProblems } from './schema-compatibility.js';
import type { CompatibilityLevel, SchemaRegistryAdmin } from './schema-registry.js';

export type CheckStatus = 'new' | 'unchanged' | 'compatible' | 'incompatible';

export interface SchemaCheck {
  subject: string;
  status: CheckStatus;
  /** The registry's latest version, when the subject exists. */
  latestVersion?: number;
  problems: string[];
}

export async function checkSchema(
  registry: SchemaRegistryAdmin,
  subject: string,
  schema: string,
): Promise<SchemaCheck> {
  const latest = await registry.latestVersion(subject);
  if (!latest) return { subject, status: 'new', problems: [] };
  if (canonical(latest.schema) === canonical(schema)) {
    return { subject, status: 'unchanged', latestVersion: latest.version, problems: [] };
  }
  const problems = compatibilityProblems(latest.schema, schema);
  if (!(await registry.isCompatible(subject, schema))) {
    problems.unshift('REGISTRY: the registry finds the schema incompatible with its latest version');
  }
  const status = problems.length > 0 ? 'incompatible' : 'compatible';
  return { subject, status, latestVersion: latest.version, problems };
}

/**
 * Checks, then sets the subject's compatibility rule (so that the registry enforces it on every later
 * register, whoever registers) and registers the schema. Throws IW_SCHEMA_INCOMPATIBLE when the
 * check fails; nothing is changed in the registry then.
 */
export async function registerSchema(
  registry: SchemaRegistryAdmin,
  subject: string,
  schema: string,
  level: CompatibilityLevel,
): Promise<{ check: SchemaCheck; id: number }> {
  const check = await checkSchema(registry, subject, schema);
  if (check.status === 'incompatible') {
    throw new IntegrityError('IW_SCHEMA_INCOMPATIBLE', `${subject}: ${check.problems.join('; ')}`, {
      details: { subject, problems: check.problems },
    });
  }
  await registry.setCompatibility(subject, level);
  return { check, id: await registry.register(subject, schema) };
}

/** Apicurio stores schemas re-serialized (key order changes), so compare with sorted keys. */
function canonical(text: string): string {
  return JSON.stringify(JSON.parse(text), (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  );
}
