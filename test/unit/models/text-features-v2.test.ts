import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isIntegrityError } from '../../../src/errors.js';
import { TextFeaturizerV2, type TextFeaturizerV2Spec } from '../../../src/preprocess/text-features-v2.js';

const spec = (JSON.parse(readFileSync('models/text-spam/3/manifest.json', 'utf8')) as { preprocess: TextFeaturizerV2Spec })
  .preprocess;

describe('TextFeaturizerV2 (iw-text-hash-v2)', () => {
  const f = new TextFeaturizerV2({ ...spec, char_ngrams: [3, 4] });
  const shapes = (text: string) => f.featureStrings(text).filter((s) => /^[su]:/.test(s));

  it('keeps every v1 feature and adds char n-grams of `<word>`', () => {
    const feats = f.featureStrings('Win cash\n\n');
    expect(feats.slice(0, 3)).toEqual(['w:win', 'w:cash', 'b:win cash']);
    expect(feats).toEqual(expect.arrayContaining(['c:<wi', 'c:win', 'c:in>', 'c:<win', 'c:win>', 'c:<ca', 'c:ash>']));
    expect(feats).not.toContain('c:<win>');
    expect(f.featureStrings('123 ' + 'x'.repeat(50)).filter((s) => s.startsWith('c:'))).toEqual([]);
  });

  it('finds the shapes of short spam', () => {
    expect(shapes('$$$ FAST MONEY $$$')).toEqual(['s:caps1', 's:currep', 's:nw2']);
    expect(shapes('I turned $250 into $14,800')).toEqual(['s:money', 's:money4', 's:nw5-8']);
    expect(shapes('only $19.99')).toEqual(['s:money', 's:nw3-4']);
    expect(shapes('telegram @cryptokingpro')).toEqual(['s:handle', 's:msgapp', 's:nw2']);
    expect(shapes('mail jobs@shop.com')).not.toContain('s:handle');
    expect(shapes('call +1 (347) 555-0192')).toContain('s:phone');
    expect(shapes('fr33 g1ft')).toContain('s:obf');
    expect(shapes('R e p l i c a')).toContain('s:spaced');
    expect(shapes('WIN NOW!!!')).toEqual(['s:caps1', 's:bang3', 's:nw2']);
    expect(shapes('𝐅𝐑𝐄𝐄 💰')).toEqual(['s:caps1', 's:fancy', 's:moneyemoji', 's:nw1']);
  });

  it('describes link hosts', () => {
    expect(shapes('http://bit.ly/3x')).toContain('u:short');
    expect(shapes('https://my-cheap-deal.top/a')).toEqual(expect.arrayContaining(['u:oddtld', 'u:hyphens']));
    expect(shapes('http://a.b.example.com/ http://xn--80ak6aa92e.com')).toEqual(
      expect.arrayContaining(['u:deep', 'u:puny']),
    );
    expect(shapes('https://www.etsy.com/shop/x')).toEqual(['s:nw5-8']);
  });

  it('gives text without words a word-count feature only', () => {
    expect(f.featureStrings('🌸🌸🌸\n\n')).toEqual(['s:nw0']);
    expect(f.featurize('').indices.length).toBe(1);
  });

  it('refuses another featurizer name and invalid n-gram ranges', () => {
    const bad = [
      { ...spec, featurizer: 'iw-text-hash-v1' },
      { ...spec, char_ngrams: [5, 3] },
      { ...spec, char_ngrams: [0, 2] },
      { ...spec, unicode_version: '1.0.0' },
    ];
    for (const s of bad) {
      let code: unknown;
      try {
        new TextFeaturizerV2(s as TextFeaturizerV2Spec);
      } catch (error) {
        code = isIntegrityError(error, 'IW_MODEL_MANIFEST') ? 'IW_MODEL_MANIFEST' : error;
      }
      expect(code).toBe('IW_MODEL_MANIFEST');
    }
  });
});
