import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { compatibilityProblems } from '../../../src/contracts/schema-compatibility.js';
import { videoFrameEmbedding } from '../../support/records.js';

type Node = { [key: string]: unknown };
const label = (): Node => JSON.parse(readFileSync('schemas/integrity_label.avsc', 'utf8')) as Node;
const fields = (schema: Node) => schema.fields as Node[];
const text = (schema: Node) => JSON.stringify(schema);

describe('local evolution rules', () => {
  it('finds nothing wrong with an unchanged schema', () => {
    expect(compatibilityProblems(text(label()), text(label()))).toEqual([]);
  });

  it('accepts adding an optional field', () => {
    const next = label();
    fields(next).push({ name: 'note', type: ['null', 'string'], default: null, doc: 'A note.' });
    expect(compatibilityProblems(text(label()), text(next))).toEqual([]);
  });

  it('refuses removing a field without default (old readers need it)', () => {
    const next = label();
    next.fields = fields(next).filter((f) => f.name !== 'workerVersion');
    const problems = compatibilityProblems(text(label()), text(next));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^FORWARD:/);
  });

  it('refuses adding a field without default (new readers cannot read old data)', () => {
    const next = label();
    fields(next).push({ name: 'region', type: 'string', doc: 'Region.' });
    expect(compatibilityProblems(text(label()), text(next))[0]).toMatch(/^BACKWARD:/);
  });

  it('refuses renaming an enum symbol even though the enum default would hide it', () => {
    const next = label();
    const decision = fields(next).find((f) => f.name === 'decision')!.type as Node;
    decision.symbols = ['ALLOW', 'HOLD', 'BLOCK', 'UNSCORED'];
    expect(compatibilityProblems(text(label()), text(next))).toEqual([
      expect.stringMatching(/^ENUM: integrity\.Decision lost symbols REVIEW/),
    ]);
  });

  it('accepts appending an enum symbol', () => {
    const next = label();
    const decision = fields(next).find((f) => f.name === 'decision')!.type as Node;
    decision.symbols = ['ALLOW', 'REVIEW', 'BLOCK', 'UNSCORED', 'QUARANTINE'];
    expect(compatibilityProblems(text(label()), text(next))).toEqual([]);
  });

  it('lets a reader of the ContentEmbedding before VIDEO_FRAME read a frame record as UNKNOWN', () => {
    const current = JSON.parse(readFileSync('schemas/content_embedding.avsc', 'utf8')) as Node;
    const before = JSON.parse(JSON.stringify(current)) as Node;
    const kind = fields(before).find((f) => f.name === 'kind')!.type as Node;
    kind.symbols = (kind.symbols as string[]).filter((s) => s !== 'VIDEO_FRAME');
    expect(compatibilityProblems(text(before), text(current))).toEqual([]);
    const writer = avro.Type.forSchema(current as avro.Schema);
    const reader = avro.Type.forSchema(before as avro.Schema);
    const frame = writer.fromBuffer(writer.toBuffer(videoFrameEmbedding())) as { kind: string };
    expect(frame.kind).toBe('VIDEO_FRAME');
    const old = reader.fromBuffer(writer.toBuffer(videoFrameEmbedding()), reader.createResolver(writer)) as {
      kind: string;
    };
    expect(old.kind).toBe('UNKNOWN');
  });
});
