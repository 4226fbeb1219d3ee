import { describe, expect, it } from 'vitest';
import { embeddingFromBytes } from '../../../src/contracts/embedding-vector.js';
import type { IntegrityLabel } from '../../../src/contracts/generated/integrity-label.js';
import { buildEmbeddings } from '../../../src/pipeline/embedding-builder.js';
import type { AnySignal, SignalResult } from '../../../src/signals/signal.js';

const MODEL = { name: 'image-safety', version: '1' };
const base = { model: MODEL, role: 'primary' as const, classes: [] };
const SIGNALS = [
  { ...base, name: 'image.safety', content: 'image' },
  { ...base, name: 'text.spam', content: 'text' },
  { ...base, name: 'image.embedding', content: 'image', embeddingOutput: 'embedding' },
  { ...base, name: 'image.near_duplicate', content: 'image', derivedFrom: 'image.embedding' },
] as unknown as AnySignal[];

const labelSignal = (signal: string, contentKey: string | null, decision: IntegrityLabel['decision']) =>
  ({ signal, contentKey, decision }) as IntegrityLabel['signals'][number];

const context = {
  pinId: 'p1',
  eventId: '00000000-0000-4000-8000-000000000000',
  source: { topic: 'pins', partition: 1, offset: '7' },
  traceId: null,
  workerVersion: 'test',
  embeddedAt: 5,
};

describe('buildEmbeddings', () => {
  const vector = new Float32Array([0.6, 0.8]);
  const embedding: SignalResult = {
    signal: 'image.embedding',
    model: MODEL,
    role: 'primary',
    contentKey: 'sha256:img',
    embeddingOutput: 'embedding',
    scores: {},
    cached: false,
    reasonCode: null,
    vector,
  };

  it("gives the content's own decision: its signals', not the text's nor an inherited near-duplicate's", () => {
    const label = {
      signals: [
        labelSignal('image.safety', 'sha256:img', 'ALLOW'),
        labelSignal('text.spam', 'sha256:text', 'BLOCK'),
        labelSignal('image.near_duplicate', 'sha256:img', 'REVIEW'),
      ],
    } as IntegrityLabel;
    const [record, ...rest] = buildEmbeddings([embedding], label, SIGNALS, context);
    expect(rest).toEqual([]);
    expect(record).toMatchObject({
      pinId: 'p1',
      contentKey: 'sha256:img',
      kind: 'IMAGE',
      signal: 'image.embedding',
      output: 'embedding',
      dimension: 2,
      normalized: true,
      decision: 'ALLOW',
      source: { topic: 'pins', partition: 1, offset: 7 },
    });
    expect(Array.from(embeddingFromBytes(record!.vector, 2))).toEqual(Array.from(vector));

    const flagged = { signals: [labelSignal('image.safety', 'sha256:img', 'BLOCK')] } as IntegrityLabel;
    expect(buildEmbeddings([embedding], flagged, SIGNALS, context)[0]!.decision).toBe('BLOCK');
    expect(
      buildEmbeddings([embedding], { signals: [] } as unknown as IntegrityLabel, SIGNALS, context)[0]!
        .decision,
    ).toBeNull();
  });

  it('publishes nothing for an unscored embedding signal or a scoring signal', () => {
    const unscored: SignalResult = {
      signal: 'image.embedding',
      model: MODEL,
      role: 'primary',
      contentKey: null,
      embeddingOutput: 'embedding',
      scores: null,
      cached: false,
      reasonCode: 'IW_FETCH_TIMEOUT',
    };
    const scoring: SignalResult = {
      signal: 'image.safety',
      model: MODEL,
      role: 'primary',
      contentKey: 'sha256:img',
      scores: { Neutral: 1 },
      cached: false,
      reasonCode: null,
    };
    expect(
      buildEmbeddings([unscored, scoring], { signals: [] } as unknown as IntegrityLabel, SIGNALS, context),
    ).toEqual([]);
  });

  it("marks each sampled frame of a video VIDEO_FRAME, under the video's content key", () => {
    const video = [
      ...SIGNALS,
      { ...base, name: 'video.safety', content: 'video' },
      { ...base, name: 'video.embedding', content: 'video', embeddingOutput: 'embedding' },
    ] as unknown as AnySignal[];
    const frames: SignalResult = {
      ...embedding,
      signal: 'video.embedding',
      contentKey: 'sha256:clip',
      frames: [
        { index: 0, timestampMs: 0, vector: new Float32Array([1, 0]) },
        { index: 1, timestampMs: 500, vector: new Float32Array([0, 1]) },
      ],
    } as SignalResult;
    const label = { signals: [labelSignal('video.safety', 'sha256:clip', 'BLOCK')] } as IntegrityLabel;
    const records = buildEmbeddings([frames], label, video, context);
    expect(records.map((r) => [r.kind, r.contentKey, r.frame?.index, r.decision])).toEqual([
      ['VIDEO_FRAME', 'sha256:clip', 0, 'BLOCK'],
      ['VIDEO_FRAME', 'sha256:clip', 1, 'BLOCK'],
    ]);
  });
});
