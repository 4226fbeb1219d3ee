import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemorySignalCache } from '../../../src/cache/in-memory-signal-cache.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { contentOf } from '../../../src/content/content.js';
import { createInProcessSession } from '../../../src/infer/in-process-session.js';
import { loadServing, type Serving } from '../../../src/infer/serving.js';
import type { SessionFactory } from '../../../src/infer/session-runner.js';
import { parseSignalDeclaration, type SignalValue } from '../../../src/scores.js';
import { createSignals } from '../../../src/signals/catalog.js';
import { ScoreMemo } from '../../../src/signals/score-memo.js';
import { SignalRunner } from '../../../src/signals/signal-runner.js';
import type { StageRunner } from '../../../src/stage-runner.js';

const stages: StageRunner = { run: (_stage, work) => work({ attempt: 1, remainingMs: 10_000 }) };
const photo = readFileSync('test/fixtures/images/photo-chelsea.jpg');

describe('image.embedding with image.safety (image-safety@1, real model)', () => {
  let serving: Serving;
  let imageRuns = 0;

  beforeAll(async () => {
    // Counts the images the image model ran on (rows of every batch, the warm-up included): two
    // requests for one image would share a batch, so counting session calls would not tell.
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
      loadConfig({}),
      [parseSignalDeclaration('image.safety=image-safety@1').model],
      {},
      counting,
    );
  }, 60_000);
  afterAll(() => serving?.close());

  const runner = () =>
    new SignalRunner(
      createSignals(
        ['image.safety=image-safety@1', 'image.embedding=image-safety@1'].map(parseSignalDeclaration),
        {
          scorer: (model) => serving.scorer(model),
          decodedImages: { run: (_value, work) => work() },
        },
      ),
      new InMemorySignalCache(60_000),
      new ScoreMemo<SignalValue>(0),
      'test',
    );

  it('computes scores and a unit-norm 1280-d embedding in one inference, and caches both', async () => {
    const signals = runner();
    const before = imageRuns;
    const [safety, embedding] = await signals.run({ image: contentOf('image', photo) }, stages);
    expect(imageRuns - before).toBe(1);
    expect(safety).toMatchObject({ signal: 'image.safety', reasonCode: null, cached: false });
    expect(Object.keys(safety!.scores!)).toEqual(['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy']);
    expect(embedding).toMatchObject({
      signal: 'image.embedding',
      embeddingOutput: 'embedding',
      contentKey: safety!.contentKey,
      scores: {},
    });
    const vector = embedding!.vector!;
    expect(vector).toHaveLength(1280);
    expect(Math.hypot(...vector)).toBeCloseTo(1, 6);

    // Other bytes object, same content: both from the cache, no inference.
    const again = await signals.run({ image: contentOf('image', Buffer.from(photo)) }, stages);
    expect(imageRuns - before).toBe(1);
    expect(again.map((r) => r.cached)).toEqual([true, true]);
    expect(Array.from(again[1]!.vector!)).toEqual(Array.from(vector));
  }, 60_000);

  it('refuses image.embedding on a model without an embedding output', () => {
    const scorer = {
      model: { name: 'm', version: '1' },
      classes: ['a'],
      prepare: async () => 0,
      infer: async () => ({ a: 1 }),
    };
    expect(() =>
      createSignals([parseSignalDeclaration('image.embedding=m@1')], {
        scorer: () => scorer,
        decodedImages: { run: (_value, work) => work() },
      }),
    ).toThrow(expect.objectContaining({ code: 'IW_CONFIG_INVALID' }));
  });
});
