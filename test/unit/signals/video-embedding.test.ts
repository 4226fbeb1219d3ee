import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemorySignalCache } from '../../../src/cache/in-memory-signal-cache.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { contentOf } from '../../../src/content/content.js';
import { createInProcessSession } from '../../../src/infer/in-process-session.js';
import { loadServing, type Serving } from '../../../src/infer/serving.js';
import type { SessionFactory } from '../../../src/infer/session-runner.js';
import { cosineDistance } from '../../../src/neighbours/vector-math.js';
import { buildEmbeddings } from '../../../src/pipeline/embedding-builder.js';
import { buildLabel } from '../../../src/pipeline/label-builder.js';
import { PolicyEngine } from '../../../src/policy/policy-engine.js';
import { readPolicy } from '../../../src/policy/policy.js';
import { frameSamplerFromConfig } from '../../../src/preprocess/video-from-config.js';
import { parseSignalDeclaration, type SignalValue } from '../../../src/scores.js';
import { createSignals } from '../../../src/signals/catalog.js';
import { ScoreMemo } from '../../../src/signals/score-memo.js';
import type { FrameSampler } from '../../../src/signals/signal.js';
import { SignalRunner } from '../../../src/signals/signal-runner.js';
import type { StageRunner } from '../../../src/stage-runner.js';

const stages: StageRunner = { run: (_stage, work) => work({ attempt: 1, remainingMs: 30_000 }) };
const clip = readFileSync('test/fixtures/videos/clip-spliced.mp4');
const photoFrame = readFileSync('test/fixtures/videos/clip-spliced-photo-frame.png');

describe('video.embedding with video.safety (image-safety@1, real model, ffmpeg)', () => {
  let serving: Serving;
  let imageRuns = 0;
  let samplings = 0;
  const config = loadConfig({});
  const ffmpeg = frameSamplerFromConfig(config);
  const sampler: FrameSampler = {
    sample: (bytes) => {
      samplings++;
      return ffmpeg.sample(bytes);
    },
  };

  beforeAll(async () => {
    // Counts the rows the image model ran on (see image-embedding.test.ts).
    const counting: SessionFactory = async (path, options) => {
      const session = await createInProcessSession(path, options);
      return {
        inputs: session.inputs,
        outputs: session.outputs,
        run: (feeds) => {
          if (path.includes('image-safety')) imageRuns += Object.values(feeds)[0]!.dims[0]!;
          return session.run(feeds);
        },
        close: () => session.close(),
      };
    };
    serving = await loadServing(
      config,
      [parseSignalDeclaration('image.safety=image-safety@1').model],
      {},
      counting,
    );
  }, 60_000);
  afterAll(() => serving?.close());

  const runner = (names: string[]) =>
    new SignalRunner(
      createSignals(names.map(parseSignalDeclaration), {
        scorer: (model) => serving.scorer(model),
        decodedImages: { run: (_value, work) => work() },
        videoFrames: sampler,
        decodedVideos: { run: (_value, work) => work() },
      }),
      new InMemorySignalCache(60_000),
      new ScoreMemo<SignalValue>(0),
      'test',
    );

  it('embeds every sampled frame with one sampling and one inference per frame, and caches them', async () => {
    const signals = runner(['video.safety=image-safety@1', 'video.embedding=image-safety@1']);
    const [rowsBefore, samplingsBefore] = [imageRuns, samplings];
    const [safety, embedding] = await signals.run({ video: contentOf('video', clip) }, stages);
    expect(samplings - samplingsBefore).toBe(1);
    const frames = (await ffmpeg.sample(clip)).frames;
    expect(imageRuns - rowsBefore).toBe(frames.length);
    expect(safety).toMatchObject({ signal: 'video.safety', reasonCode: null, cached: false });
    expect(embedding).toMatchObject({
      signal: 'video.embedding',
      embeddingOutput: 'embedding',
      contentKey: safety!.contentKey,
      scores: {},
      cached: false,
    });
    expect(embedding).not.toHaveProperty('frameTimestampMs');
    const vector = embedding!.vector!;
    expect(vector).toHaveLength(1280);
    expect(Math.hypot(...vector)).toBeCloseTo(1, 6);

    // The vector is the deciding frame's: that frame as an image pin embeds to (almost) the same.
    const decidingMs = safety!.scores === null ? undefined : safety!.frameTimestampMs;
    expect(decidingMs).toBeTypeOf('number');
    const decidingPng = frames.find((f) => f.timestampMs === decidingMs)!.png;
    const [, image] = await runner(['image.safety=image-safety@1', 'image.embedding=image-safety@1']).run(
      { image: contentOf('image', decidingPng) },
      stages,
    );
    expect(cosineDistance(vector, image!.vector!)).toBeLessThan(1e-4);
    // ... and the photo frame the fixture script extracted (another PNG encoder) is a near duplicate.
    const [, photo] = await runner(['image.safety=image-safety@1', 'image.embedding=image-safety@1']).run(
      { image: contentOf('image', photoFrame) },
      stages,
    );
    expect(cosineDistance(vector, photo!.vector!)).toBeLessThan(0.1426);
    // Every sampled frame has its vector (the same rows: no inference beyond one per frame, above),
    // the deciding one among them, and each is that frame's own embedding.
    const frameVectors = embedding!.scores === null ? [] : embedding!.frames!;
    expect(frameVectors.map((f) => [f.index, f.timestampMs])).toEqual(
      frames.map((f, i) => [i, f.timestampMs]),
    );
    expect(frameVectors.find((f) => f.timestampMs === decidingMs)!.vector).toEqual(vector);
    const [, first] = await runner(['image.safety=image-safety@1', 'image.embedding=image-safety@1']).run(
      { image: contentOf('image', frames[0]!.png) },
      stages,
    );
    expect(cosineDistance(frameVectors[0]!.vector, first!.vector!)).toBeLessThan(1e-4);
    expect(cosineDistance(frameVectors[0]!.vector, vector)).toBeGreaterThan(0.1426);

    // The same video again (another bytes object): both from the cache, no sampling, no inference.
    const [rowsCached, samplingsCached] = [imageRuns, samplings];
    const again = await signals.run({ video: contentOf('video', Buffer.from(clip)) }, stages);
    expect(again.map((r) => r.cached)).toEqual([true, true]);
    expect(Array.from(again[1]!.vector!)).toEqual(Array.from(vector));
    expect(again[1]!.frames?.map((f) => f.timestampMs)).toEqual(frames.map((f) => f.timestampMs));
    expect([imageRuns - rowsCached, samplings - samplingsCached]).toEqual([0, 0]);

    // Published as a ContentEmbedding of the video's key, with video.safety's decision.
    const policy = new PolicyEngine(await readPolicy('policy/policy-v2.json'));
    const context = {
      pinId: 'p',
      eventId: '00000000-0000-4000-8000-000000000000',
      source: { topic: 't', partition: 0, offset: 1 },
      traceId: null,
      workerVersion: 'test',
    };
    // As the pin handler: embedding results are not in the label.
    const label = buildLabel([safety!], policy, { ...context, labeledAt: 0 });
    expect(label.signals.map((s) => s.signal)).toEqual(['video.safety']);
    const records = buildEmbeddings([safety!, embedding!], label, signals.signals, {
      ...context,
      embeddedAt: 0,
    });
    // One record per sampled frame, all under the video's key, each naming its frame.
    expect(records.map((r) => r.frame)).toEqual(
      frames.map((f, index) => ({ index, timestampMs: f.timestampMs })),
    );
    for (const record of records) {
      expect(record).toMatchObject({
        signal: 'video.embedding',
        contentKey: safety!.contentKey,
        output: 'embedding',
        dimension: 1280,
        decision: label.signals[0]!.decision,
      });
    }
  }, 60_000);

  it('a pin without a video has no vector (IW_CONTENT_ABSENT)', async () => {
    const [, embedding] = await runner(['video.safety=image-safety@1', 'video.embedding=image-safety@1']).run(
      { text: contentOf('text', 'hello') },
      stages,
    );
    expect(embedding).toMatchObject({
      signal: 'video.embedding',
      scores: null,
      reasonCode: 'IW_CONTENT_ABSENT',
    });
  });

  it('is refused without a frame sampler (IW_CONFIG_INVALID)', () => {
    expect(() =>
      createSignals([parseSignalDeclaration('video.embedding=image-safety@1')], {
        scorer: (model) => serving.scorer(model),
        decodedImages: { run: (_value, work) => work() },
      }),
    ).toThrow(expect.objectContaining({ code: 'IW_CONFIG_INVALID' }));
  });
});
