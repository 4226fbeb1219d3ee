import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemorySignalCache } from '../../../src/cache/in-memory-signal-cache.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { contentOf } from '../../../src/content/content.js';
import { modelText } from '../../../src/content/text-content.js';
import type { IntegrityLabel } from '../../../src/contracts/generated/integrity-label.js';
import { createInProcessSession } from '../../../src/infer/in-process-session.js';
import { loadServing, type Serving } from '../../../src/infer/serving.js';
import type { SessionFactory } from '../../../src/infer/session-runner.js';
import { buildEmbeddings } from '../../../src/pipeline/embedding-builder.js';
import { parseSignalDeclaration, type SignalValue } from '../../../src/scores.js';
import { createSignals, decidingSignals, servedModels } from '../../../src/signals/catalog.js';
import { ScoreMemo } from '../../../src/signals/score-memo.js';
import { SignalRunner } from '../../../src/signals/signal-runner.js';
import type { StageRunner } from '../../../src/stage-runner.js';

const stages: StageRunner = { run: (_stage, work) => work({ attempt: 1, remainingMs: 10_000 }) };
const DECLARED = ['text.spam=text-spam@2', 'text.embedding=text-embedding@1'].map(parseSignalDeclaration);
const text = modelText({
  title: 'Easy weeknight chicken curry',
  description: 'ready in 30 minutes',
  link: '',
})!;

describe('text.embedding (text-embedding@1, real model) beside text.spam', () => {
  let serving: Serving;
  const runs: Record<string, number> = {};

  beforeAll(async () => {
    const counting: SessionFactory = async (path, options) => {
      const session = await createInProcessSession(path, options);
      const name = path.includes('text-embedding') ? 'embedding' : 'spam';
      return {
        inputs: session.inputs,
        outputs: session.outputs,
        run: (feeds) => {
          runs[name] = (runs[name] ?? 0) + Object.values(feeds)[0]!.dims[0]!;
          return session.run(feeds);
        },
        close: () => session.close(),
      };
    };
    serving = await loadServing(loadConfig({}), servedModels(DECLARED), {}, counting);
  }, 120_000);
  afterAll(() => serving?.close());

  const runner = () =>
    new SignalRunner(
      createSignals(DECLARED, {
        scorer: (model) => serving.scorer(model),
        decodedImages: { run: (_value, work) => work() },
      }),
      new InMemorySignalCache(60_000),
      new ScoreMemo<SignalValue>(0),
      'test',
    );

  it('embeds the model text once, unit norm, 384-d, cached by content key and model', async () => {
    const signals = runner();
    const before = runs['embedding'] ?? 0;
    const [spam, embedding] = await signals.run({ text: contentOf('text', text) }, stages);
    expect(spam).toMatchObject({ signal: 'text.spam', reasonCode: null });
    expect(embedding).toMatchObject({
      signal: 'text.embedding',
      embeddingOutput: 'embedding',
      model: { name: 'text-embedding', version: '1' },
      contentKey: spam!.contentKey,
      scores: {},
      cached: false,
    });
    const vector = embedding!.vector!;
    expect(vector).toHaveLength(384);
    expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
    expect(runs['embedding']! - before).toBe(1);

    const again = await signals.run({ text: contentOf('text', `${text}`) }, stages);
    expect(runs['embedding']! - before).toBe(1);
    expect(again.map((r) => r.cached)).toEqual([true, true]);
    expect(Array.from(again[1]!.vector!)).toEqual(Array.from(vector));
  }, 60_000);

  it('is a TEXT ContentEmbedding that the policy never sees', async () => {
    const all = createSignals(DECLARED, {
      scorer: (model) => serving.scorer(model),
      decodedImages: { run: (_value, work) => work() },
    });
    expect(decidingSignals(all).map((s) => s.name)).toEqual(['text.spam']);
    const results = await runner().run({ text: contentOf('text', text) }, stages);
    const label = {
      signals: [{ signal: 'text.spam', contentKey: results[0]!.contentKey, decision: 'ALLOW' }],
    } as unknown as IntegrityLabel;
    const [record, ...rest] = buildEmbeddings(results, label, all, {
      pinId: 'p1',
      eventId: 'e1',
      source: { topic: 't', partition: 0, offset: '1' },
      traceId: null,
      workerVersion: 'test',
      embeddedAt: 0,
    });
    expect(rest).toEqual([]);
    expect(record).toMatchObject({
      kind: 'TEXT',
      signal: 'text.embedding',
      model: { name: 'text-embedding', version: '1' },
      output: 'embedding',
      dimension: 384,
      decision: 'ALLOW',
    });
  }, 60_000);

  it('refuses text.embedding on a text model without an embedding output', () => {
    expect(() =>
      createSignals([parseSignalDeclaration('text.embedding=text-spam@2')], {
        scorer: (model) => serving.scorer(model),
        decodedImages: { run: (_value, work) => work() },
      }),
    ).toThrow(expect.objectContaining({ code: 'IW_CONFIG_INVALID' }));
  });
});
