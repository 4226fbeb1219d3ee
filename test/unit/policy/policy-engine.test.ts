import { describe, expect, it } from 'vitest';
import { parsePolicy, readPolicy, checkRuleClasses } from '../../../src/policy/policy.js';
import { decideSignal, PolicyEngine } from '../../../src/policy/policy-engine.js';
import { isIntegrityError } from '../../../src/errors.js';

const policy = parsePolicy(
  {
    version: 'policy-v9',
    combine: 'max-severity',
    signals: {
      'image.safety': { model: 'image-safety', review: { Porn: 0.5, Sexy: 0.7 }, block: { Porn: 0.9 } },
      'text.spam': { model: 'text-spam', review: { spam: 0.2 }, block: { spam: 0.6 } },
    },
  },
  'test.json',
);
const image = policy.signals['image.safety']!;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isIntegrityError(error) ? error.code : 'not an IntegrityError';
  }
  return undefined;
}

describe('decideSignal', () => {
  it('triggers exactly at a threshold and not just below it', () => {
    expect(decideSignal(image, { Porn: 0.9, Sexy: 0 }).decision).toBe('BLOCK');
    expect(decideSignal(image, { Porn: Math.fround(0.9) - 1e-7, Sexy: 0 }).decision).toBe('REVIEW');
    expect(decideSignal(image, { Porn: 0.5, Sexy: 0 }).decision).toBe('REVIEW');
    expect(decideSignal(image, { Porn: 0.4999, Sexy: 0.6999 }).decision).toBe('ALLOW');
    expect(decideSignal(image, { Porn: 0, Sexy: 0.7 }).trigger).toEqual({
      class: 'Sexy',
      score: 0.7,
      threshold: 0.7,
    });
  });

  it('names the strongest trigger when several classes pass', () => {
    expect(decideSignal(image, { Porn: 0.6, Sexy: 0.8 }).trigger?.class).toBe('Sexy');
  });

  it('lets a missing or non-finite class never trigger, and reports it', () => {
    const result = decideSignal(image, { Sexy: 0.75 });
    expect(result.decision).toBe('REVIEW');
    expect(result.missing).toEqual(['Porn']);
    expect(decideSignal(image, { Porn: Number.NaN, Sexy: 0.1 })).toMatchObject({
      decision: 'ALLOW',
      missing: ['Porn'],
    });
    expect(decideSignal(image, {})).toMatchObject({ decision: 'ALLOW', missing: ['Porn', 'Sexy'] });
  });

  it('is UNSCORED without scores', () => {
    expect(decideSignal(image, undefined)).toEqual({ decision: 'UNSCORED', missing: [] });
  });
});

describe('PolicyEngine', () => {
  const engine = new PolicyEngine(policy);

  /** Signal results as the runner gives them: name and scores, null when UNSCORED. */
  const decideAll = (scores: Record<string, Record<string, number> | null>) =>
    engine.decideSignals(Object.entries(scores).map(([signal, s]) => ({ signal, scores: s })));
  const decisionOf = (d: ReturnType<typeof decideAll>, signal: string) =>
    d.signals.find((s) => s.signal === signal)?.decision;

  it('takes the most severe decision of the scored signals', () => {
    const d = decideAll({ 'image.safety': { Porn: 0.95, Sexy: 0 }, 'text.spam': { spam: 0.3 } });
    expect(d).toMatchObject({ policyVersion: 'policy-v9', decision: 'BLOCK' });
    expect(decisionOf(d, 'text.spam')).toBe('REVIEW');
    expect(decideAll({ 'image.safety': { Porn: 0, Sexy: 0 }, 'text.spam': { spam: 0.3 } }).decision).toBe(
      'REVIEW',
    );
  });

  it('never lets an unscored signal lower the decision', () => {
    expect(decideAll({ 'image.safety': null, 'text.spam': { spam: 0.7 } }).decision).toBe('BLOCK');
    expect(decideAll({ 'image.safety': null, 'text.spam': { spam: 0 } }).decision).toBe('ALLOW');
  });

  it('serves the pipeline per signal and overall', () => {
    expect(engine.version).toBe('policy-v9');
    expect(engine.decide('text.spam', { spam: 0.2 })).toBe('REVIEW');
    expect(engine.decide('unknown.signal', { spam: 1 })).toBe('UNSCORED');
    expect(engine.overall(['UNSCORED', 'ALLOW', 'UNSCORED'])).toBe('ALLOW');
    expect(engine.overall(['REVIEW', 'BLOCK', 'ALLOW'])).toBe('BLOCK');
    expect(engine.overall(['UNSCORED', 'UNSCORED'])).toBe('UNSCORED');
    expect(engine.overall([])).toBe('UNSCORED');
  });

  it('is UNSCORED when no signal is scored, and decides a signal it has no rule for UNSCORED', () => {
    const d = decideAll({ 'other.signal': { spam: 1 } });
    expect(d.decision).toBe('UNSCORED');
    expect(d.signals).toEqual([{ signal: 'other.signal', decision: 'UNSCORED', missing: [] }]);
    expect(decideAll({ 'image.safety': null, 'text.spam': null }).decision).toBe('UNSCORED');
  });

  it('decides the results in their order, by name, never by position', () => {
    const d = decideAll({ 'text.spam': { spam: 0.7 }, 'image.safety': { Porn: 0, Sexy: 0 } });
    expect(d.signals.map((s) => [s.signal, s.decision])).toEqual([
      ['text.spam', 'BLOCK'],
      ['image.safety', 'ALLOW'],
    ]);
  });
});

describe('policy files', () => {
  it('refuse bad thresholds, unknown fields and versions with IW_POLICY_INVALID', () => {
    const good = { version: 'policy-v1', combine: 'max-severity', signals: {} };
    expect(codeOf(() => parsePolicy(good, 'p.json'))).toBeUndefined();
    expect(codeOf(() => parsePolicy({ ...good, version: '1' }, 'p.json'))).toBe('IW_POLICY_INVALID');
    expect(codeOf(() => parsePolicy({ ...good, extra: 1 }, 'p.json'))).toBe('IW_POLICY_INVALID');
    const bad = { ...good, signals: { 'text.spam': { model: 't', review: { spam: 1.5 }, block: {} } } };
    expect(codeOf(() => parsePolicy(bad, 'p.json'))).toBe('IW_POLICY_INVALID');
  });

  it('refuse rules naming classes the model lacks', () => {
    expect(codeOf(() => checkRuleClasses(policy, 'text.spam', 'text-spam', ['ham', 'spam']))).toBeUndefined();
    expect(codeOf(() => checkRuleClasses(policy, 'text.spam', 'text-spam', ['ham', 'junk']))).toBe(
      'IW_POLICY_INVALID',
    );
    expect(codeOf(() => checkRuleClasses(policy, 'text.spam', 'other', ['spam']))).toBe('IW_POLICY_INVALID');
    expect(codeOf(() => checkRuleClasses(policy, 'nope', 'text-spam', ['spam']))).toBe('IW_POLICY_INVALID');
  });

  it('policy-v1.json parses and its thresholds are the manifests of the models in the repository', async () => {
    const v1 = await readPolicy('policy/policy-v1.json');
    expect(v1.version).toBe('policy-v1');
    const { readModelManifest } = await import('../../../src/infer/model-manifest.js');
    for (const [signal, rule] of Object.entries(v1.signals)) {
      const manifest = await readModelManifest(`models/${rule.model}/1/manifest.json`);
      checkRuleClasses(v1, signal, manifest.name, manifest.outputs[0]!.classes);
      expect({ review: rule.review, block: rule.block }).toEqual({
        review: manifest.thresholds.review,
        block: manifest.thresholds.block,
      });
    }
  });
});
