import { describe, expect, it } from 'vitest';
import { parsePolicy, readPolicy, checkRuleClasses } from '../../../src/policy/policy.js';
import { decideSignal, PolicyEngine } from '../../../src/policy/policy-engine.js';
import { isIntegrityError } from '../../../src/errors.js';

const policy = parsePolicy(
  {
    version: 'policy-v9',
    combine: 'max-severity',
    signals: {
      'image.safety': { model: 'image-safety@1', review: { Porn: 0.5, Sexy: 0.7 }, block: { Porn: 0.9 } },
      'text.spam': { model: 'text-spam@1', review: { spam: 0.2 }, block: { spam: 0.6 } },
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
    expect(decideSignal(image, undefined)).toEqual({ decision: 'UNSCORED', missing: [], rule: 'thresholds' });
  });
});

describe('PolicyEngine', () => {
  const engine = new PolicyEngine(policy);

  /** Signal results as the runner gives them: name and scores, null when UNSCORED. */
  const decideAll = (scores: Record<string, Record<string, number> | null>, reasonCode = 'IW_IMAGE_DECODE') =>
    engine.decideSignals(
      Object.entries(scores).map(([signal, s]) => ({ signal, scores: s, reasonCode: s ? null : reasonCode })),
    );
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
    // Changed by the fail-safe rules: an image that failed for good is REVIEW (default), not ignored.
    expect(decideAll({ 'image.safety': null, 'text.spam': { spam: 0 } }).decision).toBe('REVIEW');
    // A pin without an image ignores the image signal, as before.
    expect(decideAll({ 'image.safety': null, 'text.spam': { spam: 0 } }, 'IW_CONTENT_ABSENT').decision).toBe(
      'ALLOW',
    );
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
    expect(d.signals).toEqual([
      { signal: 'other.signal', decision: 'UNSCORED', missing: [], rule: 'no-rule' },
    ]);
    expect(decideAll({ 'image.safety': null, 'text.spam': null }, 'IW_CONTENT_ABSENT').decision).toBe(
      'UNSCORED',
    );
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
    const v1 = { name: 'text-spam', version: '1' };
    expect(codeOf(() => checkRuleClasses(policy, 'text.spam', v1, ['ham', 'spam']))).toBeUndefined();
    expect(codeOf(() => checkRuleClasses(policy, 'text.spam', v1, ['ham', 'junk']))).toBe(
      'IW_POLICY_INVALID',
    );
    expect(codeOf(() => checkRuleClasses(policy, 'nope', v1, ['spam']))).toBe('IW_POLICY_INVALID');
  });

  it('are bound to model versions: another version or model than the served one is IW_POLICY_MODEL_MISMATCH', () => {
    const served = (name: string, version: string) => ({ name, version });
    expect(
      codeOf(() => checkRuleClasses(policy, 'image.safety', served('image-safety', '2'), ['Porn', 'Sexy'])),
    ).toBe('IW_POLICY_MODEL_MISMATCH');
    expect(codeOf(() => checkRuleClasses(policy, 'text.spam', served('other', '1'), ['spam']))).toBe(
      'IW_POLICY_MODEL_MISMATCH',
    );
    // A rule naming a model without a version does not load at all.
    const bare = {
      version: 'policy-v1',
      combine: 'max-severity',
      signals: { 'text.spam': { model: 'text-spam', review: {}, block: {} } },
    };
    expect(codeOf(() => parsePolicy(bare, 'p.json'))).toBe('IW_POLICY_INVALID');
  });

  it('policy-v1.json parses and its thresholds are the manifests of the models in the repository', async () => {
    const v1 = await readPolicy('policy/policy-v1.json');
    expect(v1.version).toBe('policy-v1');
    const { readModelManifest } = await import('../../../src/infer/model-manifest.js');
    for (const [signal, rule] of Object.entries(v1.signals)) {
      const [name, version] = rule.model.split('@') as [string, string];
      const manifest = await readModelManifest(`models/${name}/${version}/manifest.json`);
      checkRuleClasses(v1, signal, { name: manifest.name, version }, manifest.outputs[0]!.classes);
      expect({ review: rule.review, block: rule.block }).toEqual({
        review: manifest.thresholds.review,
        block: manifest.thresholds.block,
      });
    }
  });
});

describe('unscored signals: never a silent ALLOW', () => {
  const engine = new PolicyEngine(policy);
  const text = { signal: 'text.spam', scores: { spam: 0 }, reasonCode: null };
  const image = (reasonCode: string) => ({ signal: 'image.safety', scores: null, reasonCode });

  it('holds a pin whose image failed transiently while a rescan is allowed, and asks for the rescan', () => {
    for (const code of ['IW_FETCH_TIMEOUT', 'IW_FETCH_HTTP_5XX', 'IW_FETCH_NETWORK', 'IW_INFERENCE_FAILED']) {
      const d = engine.decideSignals([image(code), text], { rescanAllowed: true });
      expect(d).toMatchObject({ decision: 'UNSCORED', rescan: true });
      expect(d.signals[0]).toMatchObject({ decision: 'UNSCORED', rule: 'rescan' });
      expect(d.signals[1]).toMatchObject({ decision: 'ALLOW', rule: 'thresholds' });
    }
  });

  it('lets another signal REVIEW or BLOCK a held pin at once', () => {
    const spam = { signal: 'text.spam', scores: { spam: 0.7 }, reasonCode: null };
    const d = engine.decideSignals([image('IW_FETCH_TIMEOUT'), spam], { rescanAllowed: true });
    expect(d).toMatchObject({ decision: 'BLOCK', rescan: true });
  });

  it('applies the permanent rule once rescans are used up, and to permanent failures', () => {
    const exhausted = engine.decideSignals([image('IW_FETCH_TIMEOUT'), text], { rescanAllowed: false });
    expect(exhausted).toMatchObject({ decision: 'REVIEW', rescan: false });
    expect(exhausted.signals[0]).toMatchObject({ decision: 'REVIEW', rule: 'unscored.default' });
    for (const code of ['IW_IMAGE_DECODE', 'IW_FETCH_HTTP_STATUS', 'IW_IMAGE_TOO_LARGE']) {
      const d = engine.decideSignals([image(code), text], { rescanAllowed: true });
      expect(d).toMatchObject({ decision: 'REVIEW', rescan: false });
    }
  });

  it('follows the per-reason rules of the policy file, IGNORE included', () => {
    const custom = new PolicyEngine(
      parsePolicy(
        {
          ...policy,
          unscored: {
            default: 'BLOCK',
            reasons: { IW_FETCH_HTTP_STATUS: 'IGNORE', IW_IMAGE_DECODE: 'REVIEW' },
            pending: 'REVIEW',
          },
        },
        'custom.json',
      ),
    );
    const of = (code: string, rescanAllowed = false) =>
      custom.decideSignals([image(code), text], { rescanAllowed });
    expect(of('IW_FETCH_HTTP_STATUS')).toMatchObject({ decision: 'ALLOW' });
    expect(of('IW_FETCH_HTTP_STATUS').signals[0]).toMatchObject({
      decision: 'UNSCORED',
      rule: 'unscored.IW_FETCH_HTTP_STATUS',
    });
    expect(of('IW_IMAGE_DECODE').signals[0]).toMatchObject({
      decision: 'REVIEW',
      rule: 'unscored.IW_IMAGE_DECODE',
    });
    expect(of('IW_IMAGE_UNSUPPORTED').signals[0]).toMatchObject({
      decision: 'BLOCK',
      rule: 'unscored.default',
    });
    expect(of('IW_CONTENT_ABSENT').signals[0]).toMatchObject({
      decision: 'UNSCORED',
      rule: 'unscored.absent',
    });
    expect(of('IW_FETCH_TIMEOUT', true)).toMatchObject({ decision: 'REVIEW', rescan: true });
  });

  it('refuses reason codes that are not worker codes and unknown rules', () => {
    const base = { version: 'policy-v1', combine: 'max-severity', signals: {} };
    expect(
      codeOf(() => parsePolicy({ ...base, unscored: { reasons: { IW_NOPE: 'REVIEW' } } }, 'p.json')),
    ).toBe('IW_POLICY_INVALID');
    expect(codeOf(() => parsePolicy({ ...base, unscored: { default: 'MAYBE' } }, 'p.json'))).toBe(
      'IW_POLICY_INVALID',
    );
    expect(parsePolicy(base, 'p.json').unscored).toEqual({ default: 'REVIEW', reasons: {}, pending: 'HOLD' });
  });
});
