/**
 * Generates `src/contracts/generated/<name>.ts` from every `schemas/*.avsc`: one TypeScript type per
 * named Avro type (records -> interfaces, enums -> a symbol list and a string union) plus the schema
 * itself as a constant, so that the codec encodes with exactly the schema the types describe.
 *
 *   npm run schemas:types              write the files
 *   npm run schemas:types -- --check   exit 1 when a file is missing, differs or is left over
 *   --schema-dir <dir> --out-dir <dir> other folders (tests run the check on a copy)
 *
 * Mapping: string/uuid -> string; int, long, float, double, timestamp-millis -> number (milliseconds);
 * boolean -> boolean; bytes -> Buffer; array -> T[]; map -> Record<string, T>; ["null", T] -> T | null.
 * Any other union is refused: avsc decodes only null-unions to plain values.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as prettier from 'prettier';

type AvroSchema = string | AvroSchema[] | { [key: string]: unknown };
type Node = { [key: string]: unknown };

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const { values: args } = parseArgs({
  options: {
    check: { type: 'boolean', default: false },
    'schema-dir': { type: 'string', default: join(root, 'schemas') },
    'out-dir': { type: 'string', default: join(root, 'src/contracts/generated') },
  },
});
const schemaDir = resolve(args['schema-dir']);
const outDir = resolve(args['out-dir']);

const PRIMITIVES: Record<string, string> = {
  null: 'null',
  boolean: 'boolean',
  int: 'number',
  long: 'number',
  float: 'number',
  double: 'number',
  bytes: 'Buffer',
  string: 'string',
};

const kebab = (file: string) => basename(file, '.avsc').replace(/_/g, '-');
const camel = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);
const constName = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

function docComment(lines: string[], indent = ''): string {
  const text = lines.filter(Boolean).join(' ');
  return text ? `${indent}/** ${text.replace(/\*\//g, '*\\/')} */\n` : '';
}

/** Walks one schema file and emits its named types in definition order. */
class Emitter {
  private readonly declarations: string[] = [];
  private readonly seen = new Set<string>();

  typeOf(schema: AvroSchema): string {
    if (typeof schema === 'string') return PRIMITIVES[schema] ?? schema.split('.').pop()!;
    if (Array.isArray(schema)) return this.union(schema);
    const type = schema.type as AvroSchema;
    if (typeof type !== 'string') return this.typeOf(type);
    switch (type) {
      case 'record':
        return this.record(schema);
      case 'enum':
        return this.enumeration(schema);
      case 'fixed':
        return 'Buffer';
      case 'array': {
        const item = this.typeOf(schema.items as AvroSchema);
        return item.includes('|') ? `(${item})[]` : `${item}[]`;
      }
      case 'map':
        return `Record<string, ${this.typeOf(schema.values as AvroSchema)}>`;
      default:
        return this.typeOf(type);
    }
  }

  output(): string {
    return this.declarations.join('\n');
  }

  private union(branches: AvroSchema[]): string {
    const nonNull = branches.filter((b) => b !== 'null');
    if (branches.length !== 2 || nonNull.length !== 1) {
      throw new Error(`only ["null", T] unions are supported, got ${JSON.stringify(branches)}`);
    }
    return `${this.typeOf(nonNull[0]!)} | null`;
  }

  private record(schema: Node): string {
    const name = String(schema.name);
    if (this.seen.has(name)) return name;
    this.seen.add(name);
    const fields = (schema.fields as Node[]).map((field) => {
      const fieldType = this.typeOf(field.type as AvroSchema);
      const logical = (field.type as Node)?.logicalType;
      const notes = [
        String(field.doc ?? ''),
        logical ? `(Avro ${String(logical)}.)` : '',
        'default' in field ? `Default: ${JSON.stringify(field.default)}.` : '',
      ];
      return `${docComment(notes, '  ')}  ${String(field.name)}: ${fieldType};\n`;
    });
    this.declarations.push(
      `${docComment([String(schema.doc ?? '')])}export interface ${name} {\n${fields.join('')}}\n`,
    );
    return name;
  }

  private enumeration(schema: Node): string {
    const name = String(schema.name);
    if (this.seen.has(name)) return name;
    this.seen.add(name);
    const symbols = schema.symbols as string[];
    const list = `${constName(name)}_SYMBOLS`;
    this.declarations.push(
      `${docComment([`Symbols of ${name}, in schema order.`])}export const ${list} = ${JSON.stringify(symbols)} as const;\n` +
        `${docComment([String(schema.doc ?? ''), `Default: ${JSON.stringify(schema.default)}.`])}` +
        `export type ${name} = (typeof ${list})[number];\n`,
    );
    return name;
  }
}

async function render(file: string): Promise<{ path: string; text: string }> {
  const schema = JSON.parse(await readFile(join(schemaDir, file), 'utf8')) as Node;
  const emitter = new Emitter();
  emitter.typeOf(schema);
  const source = [
    `// Generated from schemas/${file} by scripts/schemas/generate-types.ts. Do not edit: change the`,
    '// schema and run `npm run schemas:types`.',
    '',
    emitter.output(),
    `${docComment([`The Avro schema of ${String(schema.name)}, as in schemas/${file}.`])}export const ${camel(String(schema.name))}Schema = ${JSON.stringify(schema)} as const;`,
    '',
  ].join('\n');
  const path = join(outDir, `${kebab(file)}.ts`);
  const options = (await prettier.resolveConfig(path)) ?? {};
  return { path, text: await prettier.format(source, { ...options, filepath: path }) };
}

async function main(check: boolean): Promise<number> {
  const files = (await readdir(schemaDir)).filter((f) => f.endsWith('.avsc')).sort();
  const wanted = await Promise.all(files.map(render));
  const existing = (await readdir(outDir).catch(() => [] as string[])).map((f) => join(outDir, f));
  const leftovers = existing.filter((p) => !wanted.some((w) => w.path === p));
  const stale: string[] = [];
  for (const { path, text } of wanted) {
    const current = await readFile(path, 'utf8').catch(() => undefined);
    if (current === text) continue;
    stale.push(path);
    if (!check) await mkdir(outDir, { recursive: true }).then(() => writeFile(path, text));
  }
  if (check) {
    for (const path of [...stale, ...leftovers]) console.error(`stale: ${path}`);
    if (stale.length + leftovers.length > 0) {
      console.error('generated contract types are stale: run `npm run schemas:types`');
      return 1;
    }
    console.log(`${wanted.length} generated files are fresh`);
    return 0;
  }
  await Promise.all(leftovers.map((p) => rm(p)));
  console.log(`wrote ${stale.length} of ${wanted.length} files, removed ${leftovers.length}`);
  return 0;
}

process.exitCode = await main(args.check);
