/**
 * `integrity-worker schemas check|register [--dir schemas] [--topic-suffix S]`
 *
 * check     compares every local schema with the latest version of its subject in the registry and
 *           exits 1 when any change is incompatible (see src/contracts/schema-check.ts).
 * register  checks, sets the subject's compatibility rule, registers; exits 1 when a check fails.
 *
 * --dir           folder holding the .avsc files (default: the package's schemas/)
 * --topic-suffix  appended to every default topic name, so tests work on subjects of their own
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isIntegrityError } from '../errors.js';
import { HttpSchemaRegistry, registryAuthFromConfig } from '../contracts/http-schema-registry.js';
import { checkSchema, registerSchema } from '../contracts/schema-check.js';
import type { SchemaRegistryAdmin } from '../contracts/schema-registry.js';
import { DEFAULT_TOPICS, SUBJECT_COMPATIBILITY, topicContracts } from '../contracts/subjects.js';

const DEFAULT_REGISTRY_URL = 'http://127.0.0.1:18081/apis/ccompat/v7';
const USAGE = 'usage: integrity-worker schemas check|register [--dir <folder>] [--topic-suffix <suffix>]';

/** The registry address; the one place to swap for the config module. */
export function registryUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.SCHEMA_REGISTRY_URL ?? DEFAULT_REGISTRY_URL;
}

interface Options {
  dir: string;
  topicSuffix: string;
  registry: SchemaRegistryAdmin;
}

export async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { dir: { type: 'string' }, 'topic-suffix': { type: 'string' }, help: { type: 'boolean' } },
  });
  const action = positionals[0];
  if (values.help || (action !== 'check' && action !== 'register') || positionals.length > 1) {
    console.error(USAGE);
    return values.help ? 0 : 1;
  }
  const options: Options = {
    dir: values.dir ?? fileURLToPath(new URL('../../schemas', import.meta.url)),
    topicSuffix: values['topic-suffix'] ?? '',
    registry: new HttpSchemaRegistry({
      baseUrl: registryUrlFromEnv(),
      auth: registryAuthFromConfig(process.env),
    }),
  };
  return action === 'check' ? check(options) : register(options);
}

async function localSchemas({ dir, topicSuffix }: Options) {
  const suffixed = Object.fromEntries(
    Object.entries(DEFAULT_TOPICS).map(([r, t]) => [r, `${t}${topicSuffix}`]),
  );
  return Promise.all(
    topicContracts(suffixed).map(async (entry) => {
      const text = await readFile(join(dir, entry.file), 'utf8');
      return { ...entry, schema: JSON.stringify(JSON.parse(text)) };
    }),
  );
}

async function check(options: Options): Promise<number> {
  let failed = 0;
  for (const entry of await localSchemas(options)) {
    const result = await checkSchema(options.registry, entry.subject, entry.schema);
    const version = result.latestVersion === undefined ? '' : ` (registry version ${result.latestVersion})`;
    console.log(`${result.status.padEnd(12)} ${entry.subject} <- ${entry.file}${version}`);
    for (const problem of result.problems) console.log(`  ${problem}`);
    if (result.status === 'incompatible') failed += 1;
  }
  return failed > 0 ? 1 : 0;
}

async function register(options: Options): Promise<number> {
  let failed = 0;
  for (const entry of await localSchemas(options)) {
    try {
      const { check, id } = await registerSchema(
        options.registry,
        entry.subject,
        entry.schema,
        SUBJECT_COMPATIBILITY,
      );
      console.log(
        `registered   ${entry.subject} <- ${entry.file}: id ${id} (${check.status}, ${SUBJECT_COMPATIBILITY})`,
      );
    } catch (error) {
      if (!isIntegrityError(error, 'IW_SCHEMA_INCOMPATIBLE')) throw error;
      failed += 1;
      console.log(`refused      ${entry.subject} <- ${entry.file}`);
      for (const problem of (error.details?.problems as string[] | undefined) ?? [])
        console.log(`  ${problem}`);
    }
  }
  return failed > 0 ? 1 : 0;
}
