/**
 * `integrity-worker schemas check|register` against the real registry, each test on subjects of its
 * own (--topic-suffix) and, where a change is tried, on a copy of schemas/ with that change.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../../src/cli/schemas-command.js';
import { HttpSchemaRegistry } from '../../../src/contracts/http-schema-registry.js';
import { topicContracts } from '../../../src/contracts/subjects.js';
import { uniqueName, stackEnv } from '../../support/stack-env.js';

type Node = { [key: string]: unknown };
const registry = new HttpSchemaRegistry({ baseUrl: stackEnv.schemaRegistryUrl });
let output: string[] = [];

beforeEach(() => {
  output = [];
  vi.spyOn(console, 'log').mockImplementation((line: string) => void output.push(line));
  vi.spyOn(console, 'error').mockImplementation((line: string) => void output.push(line));
});
afterEach(() => vi.restoreAllMocks());

/** A copy of schemas/ with integrity_label.avsc (or another contract's file) changed by `edit`. */
function changedLabelSchema(edit: (schema: Node) => void, name = 'integrity_label.avsc'): string {
  const dir = mkdtempSync(join(tmpdir(), 'iw-schemas-'));
  cpSync('schemas', dir, { recursive: true });
  const file = join(dir, name);
  const schema = JSON.parse(readFileSync(file, 'utf8')) as Node;
  edit(schema);
  writeFileSync(file, JSON.stringify(schema, null, 2));
  return dir;
}
const fields = (schema: Node) => schema.fields as Node[];
const labelSubject = (suffix: string) => `integrity.labels.v1${suffix}-value`;

async function registered(): Promise<string> {
  const suffix = `.${uniqueName('cli')}`;
  expect(await run(['register', '--topic-suffix', suffix])).toBe(0);
  return suffix;
}

describe('integrity-worker schemas', () => {
  it('check accepts subjects that do not exist yet', async () => {
    expect(await run(['check', '--topic-suffix', `.${uniqueName('cli')}`])).toBe(0);
    // pins, labels, dead letters, reviews (ReviewVerdict), rescans (PinCreated on pins.retry.v1), embeddings
    expect(output.filter((line) => line.startsWith('new'))).toHaveLength(topicContracts().length);
  });

  it('register registers every contract with the FULL rule; a second check finds them unchanged', async () => {
    const suffix = await registered();
    expect(await registry.latestVersion(labelSubject(suffix))).toMatchObject({ version: 1 });
    const config = await fetch(`${stackEnv.schemaRegistryUrl}/config/${labelSubject(suffix)}`);
    expect(await config.json()).toMatchObject({ compatibilityLevel: 'FULL' });
    expect(await run(['check', '--topic-suffix', suffix])).toBe(0);
    expect(output.filter((line) => line.startsWith('unchanged'))).toHaveLength(topicContracts().length);
  });

  it('refuses removing a field without default (check and register exit 1, registry unchanged)', async () => {
    const suffix = await registered();
    const dir = changedLabelSchema((s) => (s.fields = fields(s).filter((f) => f.name !== 'workerVersion')));
    expect(await run(['check', '--dir', dir, '--topic-suffix', suffix])).toBe(1);
    // Both the registry (FULL rule) and the local FORWARD rule see it.
    expect(output.join('\n')).toMatch(/REGISTRY:[^]*FORWARD:/);
    expect(await run(['register', '--dir', dir, '--topic-suffix', suffix])).toBe(1);
    expect(await registry.latestVersion(labelSubject(suffix))).toMatchObject({ version: 1 });
  });

  it('refuses renaming an enum symbol', async () => {
    const suffix = await registered();
    const dir = changedLabelSchema((s) => {
      const decision = fields(s).find((f) => f.name === 'decision')!.type as Node;
      decision.symbols = ['ALLOW', 'HOLD', 'BLOCK', 'UNSCORED'];
    });
    expect(await run(['check', '--dir', dir, '--topic-suffix', suffix])).toBe(1);
    expect(output.join('\n')).toMatch(/ENUM: integrity\.Decision lost symbols REVIEW/);
    expect(await run(['register', '--dir', dir, '--topic-suffix', suffix])).toBe(1);
    expect(await registry.latestVersion(labelSubject(suffix))).toMatchObject({ version: 1 });
  });

  it('accepts adding an optional field, and register makes it version 2', async () => {
    const suffix = await registered();
    const dir = changedLabelSchema((s) =>
      fields(s).push({ name: 'region', type: ['null', 'string'], default: null, doc: 'Serving region.' }),
    );
    expect(await run(['check', '--dir', dir, '--topic-suffix', suffix])).toBe(0);
    expect(await run(['register', '--dir', dir, '--topic-suffix', suffix])).toBe(0);
    expect(await registry.latestVersion(labelSubject(suffix))).toMatchObject({ version: 2 });
  });

  it('accepts the appended ContentKind VIDEO_FRAME over the contract that lacked it (FULL rule)', async () => {
    const suffix = `.${uniqueName('cli')}`;
    const before = changedLabelSchema((s) => {
      const kind = fields(s).find((f) => f.name === 'kind')!.type as Node;
      kind.symbols = (kind.symbols as string[]).filter((symbol) => symbol !== 'VIDEO_FRAME');
    }, 'content_embedding.avsc');
    expect(await run(['register', '--dir', before, '--topic-suffix', suffix])).toBe(0);
    expect(await run(['check', '--topic-suffix', suffix])).toBe(0);
    expect(await run(['register', '--topic-suffix', suffix])).toBe(0);
    expect(await registry.latestVersion(`content.embeddings.v1${suffix}-value`)).toMatchObject({
      version: 2,
    });
  });

  it('answers a usage error with exit code 1', async () => {
    expect(await run(['promote'])).toBe(1);
    expect(await run([])).toBe(1);
  });
});
