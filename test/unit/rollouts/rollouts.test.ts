import { describe, expect, it } from 'vitest';
import { ServedSetHolder, type ServedSet } from '../../../src/pipeline/served-set.js';
import { ServedSetReloader } from '../../../src/pipeline/served-set-reloader.js';
import { IntegrityError } from '../../../src/errors.js';
import { canaryPosition, RolloutSignals } from '../../../src/signals/rollout-signals.js';
import type { Signal } from '../../../src/signals/signal.js';
import { DriftMonitor, psi } from '../../../src/telemetry/drift-monitor.js';
import { declaredSignals } from '../../../src/signals/catalog.js';
import { parseSignalDeclaration, parseModelRef } from '../../../src/scores.js';
import { promoted } from '../../../src/cli/models-command.js';
import { policyFor } from '../../../src/pipeline/served-set-loader.js';
import { PolicyEngine } from '../../../src/policy/policy-engine.js';
import { readPolicy } from '../../../src/policy/policy.js';

const signal = (name: string, version: string, role: Signal['role']): Signal => ({
  name,
  content: 'text',
  model: { name: 'text-spam', version },
  role,
  classes: ['ham', 'spam'],
  prepare: async (v) => v,
  infer: async () => ({ scores: { ham: 1, spam: 0 } }),
});

describe('roles', () => {
  it('a canary decides for a stable slice of pin ids, close to the configured fraction', () => {
    const rollout = new RolloutSignals(
      [
        signal('text.spam', '1', 'primary'),
        signal('text.spam', '2', 'canary'),
        signal('text.spam', '3', 'shadow'),
      ],
      0.1,
    );
    const ids = Array.from({ length: 5000 }, (_, i) => `pin-${i}`);
    const first = ids.map((id) => rollout.deciding(id).signals[0]!.model.version);
    const again = ids.map((id) => rollout.deciding(id).signals[0]!.model.version);
    expect(again).toEqual(first);
    const share = first.filter((v) => v === '2').length / ids.length;
    expect(share).toBeGreaterThan(0.08);
    expect(share).toBeLessThan(0.12);
    for (const id of ids.slice(0, 200))
      expect(rollout.deciding(id).role).toBe(canaryPosition(id) < 0.1 ? 'canary' : 'primary');
    expect(rollout.shadows.map((s) => s.model.version)).toEqual(['3']);
  });

  it('without a canary, or at fraction 0, the primaries decide every pin', () => {
    const rollout = new RolloutSignals(
      [signal('text.spam', '1', 'primary'), signal('text.spam', '2', 'canary')],
      0,
    );
    expect(rollout.deciding('pin-1').role).toBe('primary');
  });

  it('a shadow or canary without a primary of its signal is refused', () => {
    const only = [parseSignalDeclaration('text.spam=text-spam@2:shadow')];
    expect(() =>
      declaredSignals({
        SIGNALS: only,
        IMAGE_MODEL: parseModelRef('image-safety@1'),
        TEXT_MODEL: parseModelRef('text-spam@1'),
      }),
    ).toThrow(expect.objectContaining({ code: 'IW_CONFIG_INVALID' }));
  });

  const v1 = {
    file: 'policy/policy-v1.json',
    models: { 'image.safety': 'image-safety@1', 'text.spam': 'text-spam@1' },
  };
  const v2 = {
    file: 'policy/policy-v2.json',
    models: { 'image.safety': 'image-safety@1', 'text.spam': 'text-spam@2' },
  };

  it('promote makes the canary primary, drops the old primary and moves to the policy that names the canary', () => {
    const next = promoted(
      {
        signals: 'image.safety=image-safety@1,text.spam=text-spam@1,text.spam=text-spam@2:canary',
        canaryFraction: 0.1,
      },
      [v1, v2],
    );
    expect(next).toEqual({
      signals: 'image.safety=image-safety@1:primary,text.spam=text-spam@2:primary',
      canaryFraction: 0,
      policyFile: 'policy/policy-v2.json',
      rolloutPolicyFiles: ['policy/policy-v1.json'],
    });
    expect(() => promoted({ signals: 'text.spam=text-spam@1' }, [v1])).toThrow(
      expect.objectContaining({ code: 'IW_CONFIG_INVALID' }),
    );
  });

  it('promote refuses a canary no policy names', () => {
    expect(() =>
      promoted({ signals: 'text.spam=text-spam@1,text.spam=text-spam@2:canary', canaryFraction: 0.1 }, [v1]),
    ).toThrow(expect.objectContaining({ code: 'IW_POLICY_MODEL_MISMATCH' }));
  });

  it('promote needs no policy rule for embeddings or for signals with a default rule (near duplicates)', () => {
    const embeddings = 'image.embedding=image-safety@1,image.near_duplicate=image-safety@1';
    const next = promoted(
      {
        signals: `image.safety=image-safety@1,text.spam=text-spam@1,${embeddings},text.spam=text-spam@2:canary`,
        canaryFraction: 0.1,
      },
      [v1, v2],
    );
    expect(next.policyFile).toBe('policy/policy-v2.json');
    // A policy that names the near-duplicate signal must name its model.
    const bound = { ...v2, models: { ...v2.models, 'image.near_duplicate': 'image-safety@2' } };
    expect(() =>
      promoted(
        { signals: `text.spam=text-spam@1,${embeddings},text.spam=text-spam@2:canary`, canaryFraction: 0.1 },
        [bound],
      ),
    ).toThrow(expect.objectContaining({ code: 'IW_POLICY_MODEL_MISMATCH' }));
  });
});

describe('policies bound to the deciding models', () => {
  it('each deciding set gets the policy that names its models; none is IW_POLICY_MODEL_MISMATCH', async () => {
    const v1 = new PolicyEngine(await readPolicy('policy/policy-v1.json'));
    const v2 = new PolicyEngine(await readPolicy('policy/policy-v2.json'));
    const image = {
      name: 'image.safety',
      model: parseModelRef('image-safety@1'),
      classes: ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'],
    };
    const text = (version: string) => ({
      name: 'text.spam',
      model: parseModelRef(`text-spam@${version}`),
      classes: ['ham', 'spam'],
    });
    expect(policyFor([v1, v2], [image, text('1')], 'primary').version).toBe('policy-v1');
    // A canary (or shadow) of text-spam@2 is decided by policy-v2, never by @1's thresholds.
    expect(policyFor([v1, v2], [image, text('2')], 'canary').version).toBe('policy-v2');
    expect(policyFor([v1, v2], [text('2')], 'shadow').version).toBe('policy-v2');
    expect(() => policyFor([v1], [image, text('2')], 'canary')).toThrow(
      expect.objectContaining({ code: 'IW_POLICY_MODEL_MISMATCH' }),
    );
  });
});

function fakeSet(id: string, closed: string[]): ServedSet {
  return {
    id,
    runner: undefined as never,
    rollout: undefined as never,
    policy: undefined as never,
    canaryPolicy: undefined as never,
    shadowPolicy: undefined as never,
    ready: () => true,
    models: [],
    close: async () => {
      closed.push(id);
    },
  };
}

describe('served set', () => {
  it('a swap leaves leased pins on their set, which closes only when the last lease is released', async () => {
    const closed: string[] = [];
    const holder = new ServedSetHolder(fakeSet('a', closed));
    const lease = holder.acquire();
    holder.swap(fakeSet('b', closed));
    expect(lease.set.id).toBe('a');
    expect(holder.acquire().set.id).toBe('b');
    await Promise.resolve();
    expect(closed).toEqual([]);
    lease.release();
    lease.release();
    await new Promise((r) => setTimeout(r, 0));
    expect(closed).toEqual(['a']);
  });

  it('a set that fails to load is refused with its code and the current one keeps serving', async () => {
    const closed: string[] = [];
    const holder = new ServedSetHolder(fakeSet('a', closed));
    const reloader = new ServedSetReloader(holder, async () => {
      throw new IntegrityError('IW_MODEL_NOT_FOUND', 'image-safety@9 is missing');
    });
    const result = await reloader.reload('test');
    expect(result).toMatchObject({ applied: false, code: 'IW_MODEL_NOT_FOUND', current: 'a' });
    expect(holder.set.id).toBe('a');
    expect(closed).toEqual([]);
    const ok = new ServedSetReloader(holder, async () => fakeSet('b', closed));
    expect(await ok.reload('test')).toMatchObject({ applied: true, from: 'a', to: 'b' });
    expect(holder.set.id).toBe('b');
  });
});

describe('drift', () => {
  it('PSI is 0 for the reference itself and grows as the live distribution moves away', () => {
    const reference = [10, 20, 40, 20, 10];
    expect(psi(reference, [1, 2, 4, 2, 1])).toBeCloseTo(0, 10);
    const near = psi(reference, [12, 20, 38, 20, 10]);
    const far = psi(reference, [0, 0, 10, 40, 50]);
    expect(near).toBeGreaterThan(0);
    expect(far).toBeGreaterThan(0.25);
    expect(far).toBeGreaterThan(near);
  });

  it('the monitor keeps a sliding window: a skewed stream raises PSI, a return to normal lowers it', () => {
    const monitor = new DriftMonitor(100);
    monitor.reference('m@1', { bins: [0, 0.5, 1], classes: { spam: [50, 50] } });
    for (let i = 0; i < 100; i++) monitor.observeScores('m@1', { spam: i % 2 ? 0.9 : 0.1 });
    expect(monitor.psi()[0]!.psi).toBeCloseTo(0, 6);
    for (let i = 0; i < 100; i++) monitor.observeScores('m@1', { spam: 0.95 });
    expect(monitor.psi()[0]!.psi).toBeGreaterThan(1);
    for (let i = 0; i < 100; i++) monitor.observeScores('m@1', { spam: i % 2 ? 0.9 : 0.1 });
    expect(monitor.psi()[0]!.psi).toBeCloseTo(0, 6);
  });

  it('UNSCORED rate per reason over the window of signal outcomes', () => {
    const monitor = new DriftMonitor(10);
    for (let i = 0; i < 10; i++) monitor.observeSignal('image.safety', i < 3 ? 'IW_FETCH_TIMEOUT' : null);
    expect(monitor.unscoredRates()).toEqual([
      { signal: 'image.safety', reason: 'IW_FETCH_TIMEOUT', rate: 0.3 },
    ]);
    for (let i = 0; i < 10; i++) monitor.observeSignal('image.safety', null);
    expect(monitor.unscoredRates()).toEqual([]);
  });
});
