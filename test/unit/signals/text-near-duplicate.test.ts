import { describe, expect, it } from 'vitest';
import type { Scorer } from '../../../src/infer/scorer.js';
import { NearDuplicateIndex } from '../../../src/neighbours/near-duplicate-index.js';
import {
  TEXT_SIGNATURE_DIMENSION,
  TEXT_SIGNATURE_MAX_DISTANCE,
  TEXT_SIGNATURE_OUTPUT,
  textSignature,
} from '../../../src/neighbours/text-signature.js';
import { parseSignalDeclaration } from '../../../src/scores.js';
import { defaultRules } from '../../../src/signals/catalog.js';
import type { DerivedSignal, Signal, SignalDeps } from '../../../src/signals/signal.js';
import { textNearDuplicate } from '../../../src/signals/text-near-duplicate.js';
import { textSignatureSignal } from '../../../src/signals/text-signature.js';

const declaration = parseSignalDeclaration('text.near_duplicate=text-signature@1');
const SPAM =
  'Double your bitcoin in 24 hours\nSend 0.1 BTC to our wallet, guaranteed returns @cryptoking\nhttps://x.top/a';
const REPOST =
  '🔥 DOUBLE your bitcoin in 12 hours\nSend 0.5 BTC to our walet, guaranteed returns!! @kc2 #crypto\nhttps://y.top/b';
const OTHER_SCAM = 'Free Amazon gift card generator\nworking codes, no survey, claim now\nhttps://x.top/a';

function deps(index: NearDuplicateIndex | undefined): SignalDeps {
  return {
    scorer: () => {
      throw new Error('a builtin signal asks for no scorer');
    },
    decodedImages: { run: (_value, work) => work() },
    nearDuplicates: (model, output) =>
      index && output === TEXT_SIGNATURE_OUTPUT && `${model.name}@${model.version}` === 'text-signature@1'
        ? { index, maxDistance: TEXT_SIGNATURE_MAX_DISTANCE }
        : undefined,
  } as SignalDeps & { scorer: () => Scorer };
}

function indexWith(text: string): NearDuplicateIndex {
  const index = new NearDuplicateIndex('text-signature@1', TEXT_SIGNATURE_DIMENSION);
  index.upsert({ contentKey: 'sig:spam', pinId: 'spam-pin', decision: 'BLOCK' }, textSignature(text)!);
  return index;
}

describe('text.near_duplicate', () => {
  it('names the BLOCKed text that an edited re-post is near, and scores its decision', async () => {
    const signal = textNearDuplicate.create(declaration, deps(indexWith(SPAM))) as DerivedSignal;
    expect(signal.derivedFrom).toBe('text.signature');
    const { scores, match } = await signal.derive(textSignature(REPOST)!);
    expect(match).toMatchObject({ contentKey: 'sig:spam', pinId: 'spam-pin', decision: 'BLOCK' });
    expect(match!.distance).toBeGreaterThan(0);
    expect(match!.distance).toBeLessThanOrEqual(TEXT_SIGNATURE_MAX_DISTANCE);
    expect(scores).toMatchObject({ BLOCK: 1, REVIEW: 0 });
  });

  it('does not match a different scam of the same kind sharing the link', async () => {
    const signal = textNearDuplicate.create(declaration, deps(indexWith(SPAM))) as DerivedSignal;
    const { scores, match } = await signal.derive(textSignature(OTHER_SCAM)!);
    expect(match).toBeNull();
    expect(scores.BLOCK).toBe(0);
    expect(scores.similarity).toBeLessThan(1 - TEXT_SIGNATURE_MAX_DISTANCE);
  });

  it('inherits REVIEW/BLOCK as REVIEW by default', () => {
    const rules = defaultRules([parseSignalDeclaration('text.signature=text-signature@1'), declaration]);
    expect(rules['text.near_duplicate']).toEqual({
      model: 'text-signature@1',
      review: { BLOCK: 1, REVIEW: 1 },
      block: {},
    });
  });

  it('refuses another model or a worker without the text index (IW_CONFIG_INVALID)', () => {
    expect(() =>
      textNearDuplicate.create(
        parseSignalDeclaration('text.near_duplicate=text-embedding@1'),
        deps(indexWith(SPAM)),
      ),
    ).toThrow(expect.objectContaining({ code: 'IW_CONFIG_INVALID' }));
    expect(() => textNearDuplicate.create(declaration, deps(undefined))).toThrow(
      expect.objectContaining({ code: 'IW_CONFIG_INVALID' }),
    );
  });
});

describe('text.signature', () => {
  const signal = textSignatureSignal.create(
    parseSignalDeclaration('text.signature=text-signature@1'),
    deps(undefined),
  ) as Signal<string>;

  it('is an embedding signal with the signature as its unit vector', async () => {
    expect(signal.embeddingOutput).toBe(TEXT_SIGNATURE_OUTPUT);
    const { vector } = await signal.infer(await signal.prepare(SPAM));
    expect(vector).toHaveLength(TEXT_SIGNATURE_DIMENSION);
    expect(Math.hypot(...vector!)).toBeCloseTo(1, 5);
  });

  it('has no signature for a text of links and tags only (IW_CONTENT_ABSENT)', async () => {
    await expect(signal.infer(await signal.prepare('https://x.top/a #fyp @me'))).rejects.toMatchObject({
      code: 'IW_CONTENT_ABSENT',
    });
  });
});
