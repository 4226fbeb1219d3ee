import { describe, expect, it } from 'vitest';
import { InMemorySignalCache } from '../../../src/cache/in-memory-signal-cache.js';
import { PinContentExtractor } from '../../../src/content/content.js';
import { ImageContentSource } from '../../../src/content/image-content.js';
import { IntegrityError } from '../../../src/errors.js';
import { checkDerivedSources } from '../../../src/pipeline/served-set-loader.js';
import { canaryPosition, RolloutSignals } from '../../../src/signals/rollout-signals.js';
import { ScoreMemo } from '../../../src/signals/score-memo.js';
import type { AnySignal } from '../../../src/signals/signal.js';
import { SignalRunner } from '../../../src/signals/signal-runner.js';
import type { SignalRole, SignalValue } from '../../../src/scores.js';
import type { StageRunner } from '../../../src/stage-runner.js';

const stages: StageRunner = { run: (_stage, work) => work({ attempt: 1, remainingMs: 1000 }) };
const model = (version: string) => ({ name: 'text-spam', version });

/** An embedding signal whose vector is [version]: which model's vector a derived signal read shows. */
const embedding = (version: string, role: SignalRole): AnySignal => ({
  name: 'text.embedding',
  content: 'text',
  model: model(version),
  role,
  classes: [],
  embeddingOutput: 'embedding',
  prepare: async (text) => text,
  infer: async () => ({ scores: {}, vector: new Float32Array([Number(version)]) }),
});

const nearDuplicate = (version: string, role: SignalRole, seen: number[]): AnySignal => ({
  name: 'text.near_duplicate',
  content: 'text',
  model: model(version),
  role,
  classes: ['BLOCK'],
  derivedFrom: 'text.embedding',
  derive: async (vector) => (seen.push(vector[0]!), { scores: { BLOCK: 0 }, match: null }),
});

/** A pin id on each side of the canary slice at `fraction`. */
function pinIds(fraction: number): { canary: string; primary: string } {
  const ids = Array.from({ length: 200 }, (_, i) => `pin-${i}`);
  return {
    canary: ids.find((id) => canaryPosition(id) < fraction)!,
    primary: ids.find((id) => canaryPosition(id) >= fraction)!,
  };
}

describe('derived signals under a rollout', () => {
  it("the deciding set's derived signal reads that set's embedding: the canary's on canary pins", async () => {
    const seen: number[] = [];
    const signals = [
      embedding('1', 'primary'),
      nearDuplicate('1', 'primary', seen),
      embedding('2', 'canary'),
      nearDuplicate('2', 'canary', seen),
    ];
    const rollout = new RolloutSignals(signals, 0.5);
    checkDerivedSources(rollout);
    const runner = new SignalRunner(
      rollout.all,
      new InMemorySignalCache(60_000),
      new ScoreMemo<SignalValue>(0),
      't',
    );
    const extractor = new PinContentExtractor(
      new ImageContentSource({
        fetch: () => Promise.reject(new IntegrityError('IW_FETCH_HTTP_STATUS', 'no images here')),
        close: async () => {},
      }),
    );
    const ids = pinIds(0.5);
    for (const [pinId, version] of [
      [ids.canary, '2'],
      [ids.primary, '1'],
    ] as const) {
      const deciding = rollout.deciding(pinId);
      const contents = extractor.extract({
        pinId,
        title: 'Vase',
        description: 'Blue',
        link: null,
        image: null,
      });
      const results = await runner.run(contents, stages, deciding.signals);
      expect(results.map((r) => [r.signal, r.model.version])).toEqual([
        ['text.embedding', version],
        ['text.near_duplicate', version],
      ]);
      expect(results[1]).toMatchObject({ scores: { BLOCK: 0 }, reasonCode: null });
      expect(seen.at(-1)).toBe(Number(version));
    }
  });

  it("refuses a set where a deciding set's derived signal has no embedding of its model in that set", () => {
    // The canary replaces the embedding but not the near-duplicate search over its vector.
    const rollout = new RolloutSignals(
      [embedding('1', 'primary'), nearDuplicate('1', 'primary', []), embedding('2', 'canary')],
      0.1,
    );
    expect(() => checkDerivedSources(rollout)).toThrow(
      expect.objectContaining({ code: 'IW_CONFIG_INVALID' }),
    );
    const shadowOnly = new RolloutSignals(
      [embedding('1', 'primary'), nearDuplicate('1', 'primary', []), nearDuplicate('2', 'shadow', [])],
      0,
    );
    expect(() => checkDerivedSources(shadowOnly)).toThrow(
      expect.objectContaining({ code: 'IW_CONFIG_INVALID' }),
    );
  });
});
