import { describe, expect, it } from 'vitest';
import { InMemorySignalCache } from '../../../src/cache/in-memory-signal-cache.js';
import { contentOf } from '../../../src/content/content.js';
import type { Scorer } from '../../../src/infer/scorer.js';
import { buildLabel } from '../../../src/pipeline/label-builder.js';
import { PolicyEngine } from '../../../src/policy/policy-engine.js';
import { readPolicy } from '../../../src/policy/policy.js';
import { parseSignalDeclaration } from '../../../src/scores.js';
import { createSignals } from '../../../src/signals/catalog.js';
import { ScoreMemo } from '../../../src/signals/score-memo.js';
import type { FrameSampler } from '../../../src/signals/signal.js';
import { SignalRunner } from '../../../src/signals/signal-runner.js';
import { DIRECT_STAGES } from '../../../src/stage-runner.js';

const CLASSES = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'];
const neutral = { Drawing: 0.05, Hentai: 0.01, Neutral: 0.9, Porn: 0.02, Sexy: 0.02 };
const drawing = { Drawing: 0.97, Hentai: 0.01, Neutral: 0.01, Porn: 0.005, Sexy: 0.005 };
const sexy = { Drawing: 0.01, Hentai: 0.01, Neutral: 0.2, Porn: 0.03, Sexy: 0.75 };

/** Frames are PNG stand-ins whose bytes name the scores the fake model gives them. */
const SCORES: Record<string, Record<string, number>> = { neutral, drawing, sexy };

function fakes(frames: [number, string][]) {
  const sampled: Uint8Array[] = [];
  const sampler: FrameSampler = {
    sample: async (bytes) => {
      sampled.push(bytes);
      return { frames: frames.map(([timestampMs, name]) => ({ timestampMs, png: Buffer.from(name) })) };
    },
  };
  const batched: string[] = [];
  const scorer: Scorer = {
    model: { name: 'image-safety', version: '1' },
    classes: CLASSES,
    prepare: async (input) => (input as Buffer).toString(),
    infer: async (row) => {
      batched.push(row as string);
      return SCORES[row as string]!;
    },
  };
  const gate = { run: <T>(_v: Buffer, work: () => Promise<T>) => work() };
  const [signal] = createSignals([parseSignalDeclaration('video.safety=image-safety@1')], {
    scorer: () => scorer,
    decodedImages: gate,
    videoFrames: sampler,
    decodedVideos: gate,
  });
  return { signal: signal!, sampled, batched };
}

describe('video.safety', () => {
  it("takes the worst frame's scores (highest non-benign class) and says which frame decided", async () => {
    const { signal, batched } = fakes([
      [0, 'neutral'],
      [1250, 'drawing'],
      [2040, 'sexy'],
      [3750, 'neutral'],
    ]);
    const runner = new SignalRunner([signal], new InMemorySignalCache(60_000), new ScoreMemo(0), 't');
    const [result] = await runner.run({ video: contentOf('video', Buffer.from('clip')) }, DIRECT_STAGES);
    expect(result).toMatchObject({
      signal: 'video.safety',
      scores: sexy,
      frameTimestampMs: 2040,
      reasonCode: null,
    });
    // Every frame went through the model's scorer (its batcher), the drawing did not count as worse.
    expect(batched).toEqual(['neutral', 'drawing', 'sexy', 'neutral']);

    const policy = new PolicyEngine(await readPolicy('policy/policy-v2.json'));
    const label = buildLabel([result!], policy, {
      pinId: 'p',
      eventId: '00000000-0000-4000-8000-000000000000',
      source: { topic: 't', partition: 0, offset: 1 },
      traceId: null,
      workerVersion: 'test',
      labeledAt: 0,
    });
    expect(label.signals[0]).toMatchObject({
      signal: 'video.safety',
      decision: 'REVIEW',
      frameTimestampMs: 2040,
    });
    expect(Object.keys(label.signals[0]!.scores)).toEqual(CLASSES);
  });

  it('decodes a re-pinned video once: its frames scores and the deciding frame come from the cache', async () => {
    const { signal, sampled } = fakes([
      [0, 'neutral'],
      [500, 'sexy'],
    ]);
    const cache = new InMemorySignalCache(60_000);
    const first = new SignalRunner([signal], cache, new ScoreMemo(0), 't');
    const again = new SignalRunner([signal], cache, new ScoreMemo(0), 't');
    const bytes = Buffer.from('the same clip');
    const [a] = await first.run({ video: contentOf('video', bytes) }, DIRECT_STAGES);
    const [b] = await again.run({ video: contentOf('video', Buffer.from(bytes)) }, DIRECT_STAGES);
    expect(sampled).toHaveLength(1);
    expect(a).toMatchObject({ cached: false, frameTimestampMs: 500 });
    expect(b).toMatchObject({ cached: true, frameTimestampMs: 500, scores: sexy, contentKey: a!.contentKey });
  });

  it('a pin without a video is UNSCORED with IW_CONTENT_ABSENT and no frame', async () => {
    const { signal } = fakes([[0, 'neutral']]);
    const runner = new SignalRunner([signal], new InMemorySignalCache(60_000), new ScoreMemo(0), 't');
    const [result] = await runner.run({ text: contentOf('text', 'hello') }, DIRECT_STAGES);
    expect(result).toMatchObject({ reasonCode: 'IW_CONTENT_ABSENT', scores: null });
    expect(result).not.toHaveProperty('frameTimestampMs');
  });
});
