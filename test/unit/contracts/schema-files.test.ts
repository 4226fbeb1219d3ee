import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

type Node = { [key: string]: unknown };
const files = readdirSync('schemas').filter((f) => f.endsWith('.avsc'));

/** Every named type, field and union in a schema, with a path for messages. */
function walk(schema: unknown, path: string, visit: (node: Node | unknown[], path: string) => void): void {
  if (Array.isArray(schema)) {
    visit(schema, path);
    schema.forEach((branch, i) => walk(branch, `${path}|${i}`, visit));
    return;
  }
  if (!schema || typeof schema !== 'object') return;
  const node = schema as Node;
  visit(node, path);
  if (node.type === 'record') {
    for (const field of node.fields as Node[]) {
      visit({ ...field, __field: true }, `${path}.${String(field.name)}`);
      walk(field.type, `${path}.${String(field.name)}`, visit);
    }
  } else if (node.type === 'array') walk(node.items, `${path}[]`, visit);
  else if (node.type === 'map') walk(node.values, `${path}{}`, visit);
  else if (typeof node.type === 'object') walk(node.type, path, visit);
}

describe.each(files)('schemas/%s', (file) => {
  const schema = JSON.parse(readFileSync(`schemas/${file}`, 'utf8')) as Node;
  const problems: string[] = [];
  walk(schema, String(schema.name), (node, path) => {
    if (Array.isArray(node)) {
      if (node.length !== 2 || node[0] !== 'null') problems.push(`${path}: union must be ["null", T]`);
      return;
    }
    const isNamed = node.type === 'record' || node.type === 'enum';
    if ((isNamed || node.__field) && typeof node.doc !== 'string') problems.push(`${path}: no doc`);
    if (node.type === 'enum' && !(node.symbols as string[]).includes(node.default as string)) {
      problems.push(`${path}: enum without a default symbol`);
    }
    if (node.__field && Array.isArray(node.type) && node.default !== null) {
      problems.push(`${path}: nullable field without default null`);
    }
    if (node.__field && !/^[a-z][a-zA-Z0-9]*$/.test(String(node.name)))
      problems.push(`${path}: not camelCase`);
  });

  it('documents every record, enum and field; enums have a default; nullables default to null', () => {
    expect(problems).toEqual([]);
  });
});

const generate = (...args: string[]) =>
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/schemas/generate-types.ts', ...args], {
    stdio: 'pipe',
  });

describe('generated contract types', () => {
  it('are fresh (npm run schemas:types -- --check)', () => {
    expect(() => generate('--check')).not.toThrow();
  }, 60_000);

  it('--check fails once a schema changes after generation', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iw-types-'));
    cpSync('schemas', join(dir, 'schemas'), { recursive: true });
    const dirs = ['--schema-dir', join(dir, 'schemas'), '--out-dir', join(dir, 'out')];
    generate(...dirs);
    expect(() => generate('--check', ...dirs)).not.toThrow();
    const file = join(dir, 'schemas/pin_created.avsc');
    const schema = JSON.parse(readFileSync(file, 'utf8')) as { fields: unknown[] };
    schema.fields.push({ name: 'boardId', type: ['null', 'string'], default: null, doc: 'Board.' });
    writeFileSync(file, JSON.stringify(schema));
    expect(() => generate('--check', ...dirs)).toThrow();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
