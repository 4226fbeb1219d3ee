import { describe, expect, it } from 'vitest';
import { InMemorySignalCache } from '../../../src/cache/in-memory-signal-cache.js';
import { contentOf } from '../../../src/content/content.js';
import type { Scorer } from '../../../src/infer/scorer.js';
import { NearDuplicateIndex } from '../../../src/neighbours/near-duplicate-index.js';
import { l2Normalize } from '../../../src/neighbours/vector-math.js';
import { buildEmbeddings } from '../../../src/pipeline/embedding-builder.js';
import { buildLabel } from '../../../src/pipeline/label-builder.js';
import { PolicyEngine } from '../../../src/policy/policy-engine.js';
import { readPolicy } from '../../../src/policy/policy.js';
import { parseSignalDeclaration, type FrameVector, type SignalValue } from '../../../src/scores.js';
import { createSignals, defaultRules } from '../../../src/signals/catalog.js';
import { ScoreMemo } from '../../../src/signals/score-memo.js';
import type { DerivedSignal, Signal, SignalDeps } from '../../../src/signals/signal.js';
import { SignalRunner } from '../../../src/signals/signal-runner.js';
import { videoNearDuplicate } from '../../../src/signals/video-near-duplicate.js';
import type { StageRunner } from '../../../src/stage-runner.js';
import { seededRandom } from '../../support/random.js';

const DIM = 32;
const MAX_DISTANCE = 0.1426;
const random = seededRandom(7);
const vector = () => l2Normalize(Float32Array.from({ length: DIM }, () => random() - 0.5));
/** `v` moved by about `noise` (cosine distance well under 0.02 for noise 0.02). */
const near = (v: Float32Array, noise: number) => l2Normalize(v.map((x) => x + noise * (random() - 0.5)));
const stages: StageRunner = { run: (_stage, work) => work({ attempt: 1, remainingMs: 1000 }) };
const declaration = parseSignalDeclaration('video.near_duplicate=image-safety@1');
const frameAt = (index: number, timestampMs: number, v: Float32Array): FrameVector => ({
  index,
  timestampMs,
  vector: v,
});

function deps(index: NearDuplicateIndex | undefined): SignalDeps {
  const scorer = { classes: [], embedding: { output: 'embedding', dimension: DIM, normalized: true } };
  return {
    scorer: () => scorer as unknown as Scorer,
    decodedImages: { run: (_value, work) => work() },
    nearDuplicates: (_model, output) =>
      index && output === 'embedding' ? { index, maxDistance: MAX_DISTANCE } : undefined,
  };
}

const create = (index: NearDuplicateIndex) =>
  videoNearDuplicate.create(declaration, deps(index)) as DerivedSignal;

describe('video.near_duplicate', () => {
  it('flags a video whose NON-first, non-deciding frame is near an indexed image, naming that frame', async () => {
    const index = new NearDuplicateIndex('image-safety@1', DIM);
    const blocked = vector();
    index.upsert({ contentKey: 'sha256:img', pinId: 'image-pin', decision: 'BLOCK' }, blocked);
    for (let i = 0; i < 50; i++)
      index.upsert({ contentKey: `sha256:other${i}`, pinId: `p${i}`, decision: 'REVIEW' }, vector());
    const frames = [
      frameAt(0, 0, vector()),
      frameAt(1, 1000, vector()),
      frameAt(2, 3040, near(blocked, 0.02)),
    ];
    // The deciding frame (the value's `vector`) is frame 1: the match is found on frame 2 all the same.
    const { scores, match, frameTimestampMs } = await create(index).derive(frames[1]!.vector, frames);
    expect(match).toMatchObject({ contentKey: 'sha256:img', pinId: 'image-pin', decision: 'BLOCK' });
    expect(match!.distance).toBeLessThan(MAX_DISTANCE);
    expect(match!.frame).toBeUndefined();
    expect(frameTimestampMs).toBe(3040);
    expect(scores).toMatchObject({ BLOCK: 1, REVIEW: 0 });
    expect(scores.similarity).toBeCloseTo(1 - match!.distance, 6);
  });

  it('takes the nearest match over all frames, and names the matched frame of another video', async () => {
    const index = new NearDuplicateIndex('image-safety@1', DIM);
    const reviewed = vector();
    const blockedFrame = vector();
    index.upsert({ contentKey: 'sha256:img', pinId: 'image-pin', decision: 'REVIEW' }, reviewed);
    index.upsert(
      {
        contentKey: 'sha256:vid',
        pinId: 'video-pin',
        decision: 'BLOCK',
        frame: { index: 5, timestampMs: 2500 },
      },
      blockedFrame,
    );
    const frames = [frameAt(0, 0, near(reviewed, 0.08)), frameAt(1, 800, near(blockedFrame, 0.005))];
    const { match, frameTimestampMs, scores } = await create(index).derive(frames[0]!.vector, frames);
    expect(match).toMatchObject({
      contentKey: 'sha256:vid',
      pinId: 'video-pin',
      decision: 'BLOCK',
      frame: { index: 5, timestampMs: 2500 },
    });
    expect(frameTimestampMs).toBe(800);
    expect(scores).toMatchObject({ BLOCK: 1, REVIEW: 0 });
  });

  it('names nothing when no frame is within the distance, or the index is empty', async () => {
    const index = new NearDuplicateIndex('image-safety@1', DIM);
    const frames = [frameAt(0, 0, vector()), frameAt(1, 500, vector())];
    expect(await create(index).derive(frames[0]!.vector, frames)).toEqual({
      scores: { BLOCK: 0, REVIEW: 0, similarity: 0 },
      match: null,
    });
    index.upsert({ contentKey: 'sha256:img', pinId: 'p', decision: 'BLOCK' }, vector());
    const far = await create(index).derive(frames[0]!.vector, frames);
    expect(far).toMatchObject({ scores: { BLOCK: 0, REVIEW: 0 }, match: null });
    expect(far).not.toHaveProperty('frameTimestampMs');
    expect(far.scores.similarity).toBeGreaterThan(0);
    expect(far.scores.similarity).toBeLessThan(1 - MAX_DISTANCE);
  });

  it("searches the deciding frame's vector alone for a value cached without frames", async () => {
    const index = new NearDuplicateIndex('image-safety@1', DIM);
    const blocked = vector();
    index.upsert({ contentKey: 'sha256:img', pinId: 'p', decision: 'BLOCK' }, blocked);
    const value = await create(index).derive(near(blocked, 0.01));
    expect(value.match).toMatchObject({ contentKey: 'sha256:img' });
    expect(value).not.toHaveProperty('frameTimestampMs');
  });

  it('refuses a model without a near-duplicate index (IW_CONFIG_INVALID); inherits REVIEW/BLOCK as REVIEW by default', () => {
    expect(() => videoNearDuplicate.create(declaration, deps(undefined))).toThrow(
      expect.objectContaining({ code: 'IW_CONFIG_INVALID' }),
    );
    expect(defaultRules([declaration])).toEqual({
      'video.near_duplicate': { model: 'image-safety@1', review: { BLOCK: 1, REVIEW: 1 }, block: {} },
    });
  });

  it('through the runner: reads every frame of video.embedding, labels the matched frames, publishes one embedding per frame', async () => {
    const index = new NearDuplicateIndex('image-safety@1', DIM);
    const blocked = vector();
    index.upsert(
      {
        contentKey: 'sha256:vid',
        pinId: 'old-video',
        decision: 'BLOCK',
        frame: { index: 3, timestampMs: 1200 },
      },
      blocked,
    );
    const frames = [
      frameAt(0, 0, vector()),
      frameAt(1, 2000, near(blocked, 0.01)),
      frameAt(2, 4000, vector()),
    ];
    // A video.embedding stand-in (the real one runs ffmpeg and the model: video-embedding.test.ts).
    const embedding: Signal = {
      name: 'video.embedding',
      content: 'video',
      model: declaration.model,
      role: 'primary',
      classes: [],
      embeddingOutput: 'embedding',
      prepare: async () => null,
      infer: async (): Promise<SignalValue> => ({ scores: {}, vector: frames[0]!.vector, frames }),
    };
    const [nearDuplicate] = createSignals([declaration], deps(index));
    const signals = [embedding, nearDuplicate!];
    const runner = new SignalRunner(
      signals,
      new InMemorySignalCache(60_000),
      new ScoreMemo<SignalValue>(0),
      't',
    );
    const video = Buffer.from('video bytes');
    const results = await runner.run({ video: contentOf('video', video) }, stages);
    expect(results[1]).toMatchObject({
      signal: 'video.near_duplicate',
      frameTimestampMs: 2000,
      reasonCode: null,
    });
    // From the cache the frames come back too.
    const again = await runner.run({ video: contentOf('video', Buffer.from(video)) }, stages);
    expect(again[0]!.cached).toBe(true);
    expect(again[1]).toMatchObject({ frameTimestampMs: 2000, match: { pinId: 'old-video' } });

    // A policy file without a video.near_duplicate rule: the plug-in's default decides.
    const policy = await readPolicy('policy/policy-v2.json');
    const context = {
      pinId: 'new-video',
      eventId: '00000000-0000-4000-8000-000000000000',
      source: { topic: 't', partition: 0, offset: 1 },
      traceId: null,
      workerVersion: 'test',
    };
    const label = buildLabel([results[1]!], new PolicyEngine(policy, defaultRules([declaration])), {
      ...context,
      labeledAt: 0,
    });
    expect(label.signals[0]).toMatchObject({
      signal: 'video.near_duplicate',
      decision: 'REVIEW',
      frameTimestampMs: 2000,
      nearDuplicate: {
        contentKey: 'sha256:vid',
        pinId: 'old-video',
        decision: 'BLOCK',
        frameTimestampMs: 1200,
      },
    });
    const records = buildEmbeddings(results, label, signals, { ...context, embeddedAt: 0 });
    expect(records.map((r) => r.frame)).toEqual(
      frames.map((f) => ({ index: f.index, timestampMs: f.timestampMs })),
    );
    expect(records.map((r) => r.contentKey)).toEqual(frames.map(() => results[0]!.contentKey));
    // A near-duplicate's inherited REVIEW never makes the copy flagged content of its own.
    expect(records.map((r) => r.decision)).toEqual([null, null, null]);
  });
});
