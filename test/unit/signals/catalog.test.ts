import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { isIntegrityError } from '../../../src/errors.js';
import { parseModelRef, parseSignalDeclaration } from '../../../src/scores.js';
import {
  createSignals,
  decidingSignals,
  declaredSignals,
  defaultRules,
  servedModels,
} from '../../../src/signals/catalog.js';
import type { Scorer } from '../../../src/infer/scorer.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isIntegrityError(error) ? error.code : 'not an IntegrityError';
  }
  return undefined;
}

describe('declared signals', () => {
  it('default to image.safety, text.spam, image.embedding and image.near_duplicate with IMAGE_MODEL and TEXT_MODEL, in that order', () => {
    expect(declaredSignals(loadConfig({ IMAGE_MODEL: 'image-safety@2' }))).toEqual([
      { name: 'image.safety', model: { name: 'image-safety', version: '2' }, role: 'primary' },
      { name: 'text.spam', model: { name: 'text-spam', version: '4' }, role: 'primary' },
      { name: 'image.embedding', model: { name: 'image-safety', version: '2' }, role: 'primary' },
      { name: 'image.near_duplicate', model: { name: 'image-safety', version: '2' }, role: 'primary' },
    ]);
  });

  it('come from SIGNALS, in its order', () => {
    const config = loadConfig({ SIGNALS: 'text.spam=text-spam@1, image.safety=image-safety@2:primary' });
    expect(declaredSignals(config).map((d) => `${d.name}=${d.model.name}@${d.model.version}`)).toEqual([
      'text.spam=text-spam@1',
      'image.safety=image-safety@2',
    ]);
  });

  it('refuse malformed declarations, unknown roles, a shadow without a primary, unknown and repeated signals', () => {
    expect(codeOf(() => loadConfig({ SIGNALS: 'image.safety' }))).toBe('IW_CONFIG_INVALID');
    expect(codeOf(() => loadConfig({ SIGNALS: 'image.safety=image-safety@1:judge' }))).toBe(
      'IW_CONFIG_INVALID',
    );
    expect(codeOf(() => declaredSignals(loadConfig({ SIGNALS: 'image.safety=image-safety@1:shadow' })))).toBe(
      'IW_CONFIG_INVALID',
    );
    expect(
      codeOf(() =>
        declaredSignals(
          loadConfig({
            SIGNALS: 'text.spam=text-spam@1,text.spam=text-spam@2:shadow,text.spam=text-spam@3:shadow',
          }),
        ),
      ),
    ).toBe('IW_CONFIG_INVALID');
    expect(codeOf(() => parseSignalDeclaration('text.spam=text-spam'))).toBe('IW_CONFIG_INVALID');
    expect(codeOf(() => parseModelRef('Text_Spam@1'))).toBe('IW_CONFIG_INVALID');
    expect(codeOf(() => declaredSignals(loadConfig({ SIGNALS: 'text.nope=x@1' })))).toBe('IW_CONFIG_INVALID');
    expect(
      codeOf(() => declaredSignals(loadConfig({ SIGNALS: 'text.spam=text-spam@1,text.spam=text-spam@2' }))),
    ).toBe('IW_CONFIG_INVALID');
  });

  it('build each signal from its plug-in with the scorer of its model', () => {
    const declared = declaredSignals(loadConfig({}));
    expect(servedModels(declared)).toEqual([
      { name: 'image-safety', version: '1' },
      { name: 'text-spam', version: '4' },
    ]);
    const asked: string[] = [];
    const scorer = (model: { name: string; version: string }): Scorer => {
      asked.push(`${model.name}@${model.version}`);
      return {
        model,
        classes: ['a'],
        prepare: async (x) => x,
        infer: async () => ({ a: 1 }),
        embedding: { output: 'embedding', dimension: 2, normalized: true },
        embed: async () => new Float32Array([1, 0]),
      };
    };
    const gate = { run: <T>(_value: Buffer, work: () => Promise<T>) => work() };
    const index = { dimension: 2, nearest: () => undefined, nearestMany: () => [] };
    const signals = createSignals(declared, {
      scorer,
      decodedImages: gate,
      nearDuplicates: () => ({ index, maxDistance: 0.1 }),
    });
    expect(signals.map((s) => [s.name, s.content, 'gate' in s && s.gate === gate])).toEqual([
      ['image.safety', 'image', true],
      ['text.spam', 'text', false],
      ['image.embedding', 'image', true],
      ['image.near_duplicate', 'image', false],
    ]);
    expect(asked).toEqual(['image-safety@1', 'text-spam@4', 'image-safety@1', 'image-safety@1']);
    expect(decidingSignals(signals).map((s) => s.name)).toEqual([
      'image.safety',
      'text.spam',
      'image.near_duplicate',
    ]);
    expect(defaultRules(declared)).toEqual({
      'image.near_duplicate': { model: 'image-safety@1', review: { BLOCK: 1, REVIEW: 1 }, block: {} },
    });
  });
});
