import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InMemorySignalCache } from '../../../src/cache/in-memory-signal-cache.js';
import { PinContentExtractor } from '../../../src/content/content.js';
import { ImageContentSource } from '../../../src/content/image-content.js';
import { AvroCodec } from '../../../src/contracts/avro-codec.js';
import type { IntegrityLabel } from '../../../src/contracts/generated/integrity-label.js';
import { InMemorySchemaRegistry } from '../../../src/contracts/in-memory-schema-registry.js';
import { INTEGRITY_LABEL, PIN_CREATED } from '../../../src/contracts/subjects.js';
import { IntegrityError } from '../../../src/errors.js';
import { PinMessageHandler } from '../../../src/pipeline/pin-message-handler.js';
import { fixedServedSet } from '../../../src/pipeline/served-set.js';
import { ShadowLabeler, type ShadowComparison } from '../../../src/pipeline/shadow-labeler.js';
import type { OutputMessage } from '../../../src/produce/output-message.js';
import { PolicyEngine } from '../../../src/policy/policy-engine.js';
import { parsePolicy } from '../../../src/policy/policy.js';
import { RolloutSignals } from '../../../src/signals/rollout-signals.js';
import { ScoreMemo } from '../../../src/signals/score-memo.js';
import { modelSignal, type Signal } from '../../../src/signals/signal.js';
import { SignalRunner } from '../../../src/signals/signal-runner.js';
import { minimalPinCreated } from '../../support/records.js';

const PRIMARY = { name: 'text-spam', version: '1' };
const SHADOW = { name: 'text-spam', version: '2' };
const spamIf$ = async (t: unknown) => ({ ham: 0, spam: String(t).includes('$$$') ? 1 : 0 });

function setup(shadowInfer: (t: unknown) => Promise<Record<string, number>>, maxPending = 10) {
  const registry = new InMemorySchemaRegistry();
  const codec = new AvroCodec(registry, { autoRegister: true });
  const text = (model: typeof PRIMARY, role: Signal['role'], infer: typeof shadowInfer) =>
    modelSignal({ name: 'text.spam', model, role }, 'text', {
      model,
      classes: ['ham', 'spam'],
      prepare: async (t: unknown) => t,
      infer,
    });
  const signals = [text(PRIMARY, 'primary', spamIf$), text(SHADOW, 'shadow', shadowInfer)];
  const runner = new SignalRunner(signals, new InMemorySignalCache(60_000), new ScoreMemo(10), 'test');
  const policy = new PolicyEngine(
    parsePolicy(JSON.parse(readFileSync('policy/policy-v1.json', 'utf8')), 'policy-v1.json'),
  );
  const published: OutputMessage[] = [];
  const comparisons: ShadowComparison[] = [];
  let shed = 0;
  const failures: string[] = [];
  const shadow = new ShadowLabeler(
    codec,
    { publish: async (o) => void published.push(o) },
    {
      topic: 'shadow.test',
      workerVersion: 'test',
      maxPending,
      retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0, budgetMs: 1000 },
      observer: {
        compared: (c) => comparisons.push(c),
        shed: () => void shed++,
        failed: (e) => void failures.push(e.code),
      },
    },
  );
  const contents = new PinContentExtractor(
    new ImageContentSource({ fetch: () => Promise.reject(new Error('no images')), close: async () => {} }),
  );
  const handler = new PinMessageHandler(
    codec,
    contents,
    fixedServedSet(runner, new RolloutSignals(signals, 0), policy),
    {
      labelTopic: 'labels.test',
      deadLetterTopic: 'dlq.test',
      workerVersion: 'test',
      retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0, budgetMs: 1000 },
      shadow,
    },
  );
  const handle = async (pinId: string, title: string) => {
    const value = await codec.encode(
      'pins.test',
      PIN_CREATED,
      minimalPinCreated({ pinId, title, image: null }),
    );
    const [out] = await handler.handle({
      topic: 'pins.test',
      partition: 0,
      offset: '1',
      key: Buffer.from(pinId),
      value,
      headers: {},
      timestamp: 0,
    });
    return (await codec.decodeAs(INTEGRITY_LABEL, out!.value)).record as IntegrityLabel;
  };
  return { handle, shadow, published, comparisons, failures, shed: () => shed, codec };
}

const view = (l: IntegrityLabel) => l.signals.map((s) => [s.model.version, s.decision, s.scores]);

describe('shadow labels', () => {
  it('a shadow that disagrees labels the shadow topic and leaves the primary label as it was', async () => {
    const t = setup(async () => ({ ham: 1, spam: 0 }));
    const label = await t.handle('pin-1', '$$$ cash $$$');
    await t.shadow.drain();
    expect(view(label)).toEqual([['1', 'BLOCK', { ham: 0, spam: 1 }]]);
    expect(t.published).toHaveLength(1);
    const shadowLabel = (await t.codec.decodeAs(INTEGRITY_LABEL, t.published[0]!.value))
      .record as IntegrityLabel;
    expect(view(shadowLabel)).toEqual([['2', 'ALLOW', { ham: 1, spam: 0 }]]);
    expect(t.published[0]!.headers).toEqual({ 'iw-rollout-role': 'shadow' });
    expect(t.comparisons).toEqual([
      expect.objectContaining({
        primaryDecision: 'BLOCK',
        shadowDecision: 'ALLOW',
        scoreDelta: { ham: 1, spam: -1 },
      }),
    ]);
  });

  it('a crashing shadow model leaves the primary label untouched (its shadow label: the unscored rule)', async () => {
    const t = setup(async () => {
      throw new IntegrityError('IW_INFERENCE_FAILED', 'session crashed');
    });
    const label = await t.handle('pin-1', '$$$ cash $$$');
    await t.shadow.drain();
    expect(view(label)).toEqual([['1', 'BLOCK', { ham: 0, spam: 1 }]]);
    const shadowLabel = (await t.codec.decodeAs(INTEGRITY_LABEL, t.published[0]!.value))
      .record as IntegrityLabel;
    // A shadow label is never rescanned: the policy's permanent rule for the code decides it.
    expect(shadowLabel.signals[0]).toMatchObject({
      decision: 'REVIEW',
      reasonCode: 'IW_INFERENCE_FAILED',
      rule: 'unscored.default',
    });
  });

  it('a hanging shadow never delays the primary label; past maxPending its work is shed and counted', async () => {
    const never = new Promise<Record<string, number>>(() => {});
    const t = setup(() => never, 2);
    for (let i = 0; i < 5; i++)
      expect(view(await t.handle(`pin-${i}`, 'vase'))).toEqual([['1', 'ALLOW', { ham: 0, spam: 0 }]]);
    expect(t.shadow.inFlight).toBe(2);
    expect(t.shed()).toBe(3);
    expect(t.published).toHaveLength(0);
  });
});
