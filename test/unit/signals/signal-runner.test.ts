import { describe, expect, it } from 'vitest';
import { DecodedImageGate } from '../../../src/preprocess/decoded-image-gate.js';
import { InMemorySignalCache } from '../../../src/cache/in-memory-signal-cache.js';
import { PinContentExtractor, type PinFields } from '../../../src/content/content.js';
import { ImageContentSource, type ImageContentOptions } from '../../../src/content/image-content.js';
import { IntegrityError, isIntegrityError } from '../../../src/errors.js';
import type { FetchedImage, ImageFetcher } from '../../../src/fetch/image-fetcher.js';
import type { Scorer } from '../../../src/infer/scorer.js';
import { ScoreMemo } from '../../../src/signals/score-memo.js';
import { modelSignal, type AnySignal, type SignalResult } from '../../../src/signals/signal.js';
import { SignalRunner } from '../../../src/signals/signal-runner.js';
import type { SignalValue } from '../../../src/scores.js';
import type { StageRunner } from '../../../src/stage-runner.js';

const IMAGE_MODEL = { name: 'image-safety', version: '1' };
const TEXT_MODEL = { name: 'text-spam', version: '1' };
const stages: StageRunner = { run: (_stage, work) => work({ attempt: 1, remainingMs: 1000 }) };
const settled = () => new Promise((resolve) => setImmediate(resolve));

const once = (f: () => void) => {
  let done = false;
  return () => {
    if (!done) f();
    done = true;
  };
};

/** Real in-memory parts with counting scorers and a fetcher that serves named byte strings. */
function setup(
  images: Record<string, string | IntegrityError>,
  options: { content?: ImageContentOptions; extra?: (counts: Record<string, number>) => AnySignal[] } = {},
) {
  const counts = { fetches: 0, imageRuns: 0, textRuns: 0, released: 0 };
  const timeouts: unknown[] = [];
  const fetcher: ImageFetcher = {
    async fetch(url, fetchOptions): Promise<FetchedImage> {
      counts.fetches++;
      timeouts.push(fetchOptions?.timeoutMs);
      const body = images[url];
      if (body === undefined) throw new IntegrityError('IW_FETCH_HTTP_STATUS', '404');
      if (body instanceof IntegrityError) throw body;
      return {
        bytes: Buffer.from(body),
        mime: 'image/png',
        finalUrl: url,
        redirects: 0,
        elapsedMs: 1,
        release: once(() => void counts.released++),
      };
    },
    async close() {},
  };
  const imageScorer: Scorer<Buffer, Buffer> = {
    model: IMAGE_MODEL,
    classes: ['Neutral', 'Porn'],
    prepare: async (bytes) => bytes,
    async infer(bytes) {
      counts.imageRuns++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { Neutral: bytes.length / 100, Porn: 1 - bytes.length / 100 };
    },
  };
  const textScorer: Scorer<string, string> = {
    model: TEXT_MODEL,
    classes: ['ham', 'spam'],
    prepare: async (text) => text,
    async infer(text) {
      counts.textRuns++;
      return { ham: 0.5, spam: text.includes('$$$') ? 0.99 : 0.01 };
    },
  };
  const cache = new InMemorySignalCache(60_000);
  const runner = new SignalRunner(
    [
      modelSignal(
        { name: 'image.safety', model: IMAGE_MODEL, role: 'primary' },
        'image',
        imageScorer as Scorer,
        new DecodedImageGate({ maxImages: 4, budgetPixels: 1e8, maxPixels: 5e7 }),
      ),
      modelSignal({ name: 'text.spam', model: TEXT_MODEL, role: 'primary' }, 'text', textScorer as Scorer),
      ...(options.extra?.(counts) ?? []),
    ],
    cache,
    new ScoreMemo<SignalValue>(100),
    'test',
  );
  const extractor = new PinContentExtractor(new ImageContentSource(fetcher, options.content));
  const processor = {
    signals: (p: PinFields): Promise<SignalResult[]> =>
      Promise.resolve()
        .then(() => extractor.extract(p))
        .then((contents) => runner.run(contents, stages)),
  };
  return { processor, counts, cache, timeouts, runner, extractor };
}

const pin = (overrides: Partial<PinFields>): PinFields => ({
  pinId: 'p',
  title: 'Vase',
  description: 'Blue',
  link: null,
  image: { url: 'u1', signature: null },
  ...overrides,
});

describe('SignalRunner', () => {
  it('scores both signals and caches them by content', async () => {
    const { processor, counts, timeouts } = setup({ u1: 'twelve bytes' });
    const [image, text] = await processor.signals(pin({}));
    await settled();
    expect(image).toMatchObject({
      signal: 'image.safety',
      cached: false,
      reasonCode: null,
      contentKey: expect.stringMatching(/^sha256:/),
    });
    expect(text).toMatchObject({ signal: 'text.spam', cached: false, scores: { spam: 0.01 } });
    expect(counts).toEqual({ fetches: 1, imageRuns: 1, textRuns: 1, released: 1 });
    // The fetch ends within what is left of the pin's retry budget.
    expect(timeouts).toEqual([1000]);
  });

  it('runs each model once for concurrent pins with equal content, and answers re-pins from cache', async () => {
    const { processor, counts } = setup({ a: 'same bytes', b: 'same bytes', c: 'other' });
    const pins = [
      pin({ image: { url: 'a', signature: null } }),
      pin({ image: { url: 'b', signature: null } }),
      pin({ image: { url: 'a', signature: 's1' } }),
      pin({ image: { url: 'c', signature: 's1' } }),
      pin({ image: { url: 'c', signature: null }, title: '$$$' }),
    ];
    const results = await Promise.all(pins.map((p) => processor.signals(p)));
    expect(counts.imageRuns).toBe(2);
    expect(counts.textRuns).toBe(2);
    // A signature seen before needs no download at all.
    const before = counts.fetches;
    const [again] = await processor.signals(pin({ image: { url: 'a', signature: 's1' } }));
    expect(again).toMatchObject({ cached: true, contentKey: 'sig:s1' });
    expect(counts.fetches).toBe(before);
    expect(results.flat().filter((r) => r.cached).length).toBeGreaterThan(0);
    await settled();
    // Every fetched body was handed back to the body budget, scored, shared or found in the cache.
    expect(counts.released).toBe(counts.fetches);
  });

  it('leaves the image UNSCORED with its code and still scores the text', async () => {
    const { processor } = setup({ refused: new IntegrityError('IW_FETCH_ADDRESS_REFUSED', 'no') });
    const [image, text] = await processor.signals(pin({ image: { url: 'refused', signature: null } }));
    expect(image).toMatchObject({ scores: null, reasonCode: 'IW_FETCH_ADDRESS_REFUSED' });
    expect(text!.scores).not.toBeNull();
  });

  it('marks a missing part as IW_CONTENT_ABSENT and refuses a pin with nothing to score', async () => {
    const { processor } = setup({});
    const [image] = await processor.signals(pin({ image: null }));
    expect(image).toMatchObject({ reasonCode: 'IW_CONTENT_ABSENT' });
    const [, text] = await processor.signals(
      pin({ title: null, description: '  ', image: { url: 'x', signature: null } }),
    );
    expect(text).toMatchObject({ reasonCode: 'IW_CONTENT_ABSENT' });
    const error = await processor
      .signals(pin({ title: null, description: null, image: null }))
      .catch((e: unknown) => e);
    expect(isIntegrityError(error, 'IW_INPUT_INVALID')).toBe(true);
  });

  it('reads each content once per pin, whatever number of signals read it', async () => {
    const sizes: number[] = [];
    const { processor, counts } = setup(
      { u1: 'twelve bytes' },
      {
        extra: () => [
          {
            name: 'image.size',
            content: 'image',
            model: { name: 'image-size', version: '1' },
            role: 'primary',
            classes: ['bytes'],
            prepare: async (bytes) => bytes,
            infer: async (bytes) => (
              sizes.push((bytes as Buffer).length),
              { scores: { bytes: (bytes as Buffer).length } }
            ),
          },
        ],
      },
    );
    const results = await processor.signals(pin({ image: { url: 'u1', signature: 's9' } }));
    expect(results.map((r) => [r.signal, r.contentKey])).toEqual([
      ['image.safety', 'sig:s9'],
      ['text.spam', expect.stringMatching(/^sha256:/)],
      ['image.size', 'sig:s9'],
    ]);
    expect(results[2]!.scores).toEqual({ bytes: 12 });
    expect(counts.fetches).toBe(1);
    expect(sizes).toEqual([12]);
  });

  it('checks a sha256 signature against the bytes and never keys a mismatching one', async () => {
    const checks: string[] = [];
    const bytes = 'twelve bytes';
    const { createHash } = await import('node:crypto');
    const good = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const bad = `sha256:${'0'.repeat(64)}`;
    const { processor, counts, cache } = setup(
      { u1: bytes },
      { content: { signatures: 'trust', onSignatureCheck: (r) => checks.push(r) } },
    );
    const [lying] = await processor.signals(pin({ image: { url: 'u1', signature: bad } }));
    expect(lying).toMatchObject({ contentKey: good, cached: false, reasonCode: null });
    const aliasOfBad = `test:v1:image.safety:sig:${bad}:image-safety@1`;
    expect(await cache.getMany([aliasOfBad])).toEqual([undefined]);
    // The lying signature was not remembered either: the next pin carrying it downloads again.
    await processor.signals(pin({ image: { url: 'u1', signature: bad } }));
    expect(counts.fetches).toBe(2);
    const [honest] = await processor.signals(pin({ image: { url: 'u1', signature: good } }));
    expect(honest).toMatchObject({ contentKey: `sig:${good}`, cached: true });
    expect(checks).toEqual(['mismatch', 'mismatch', 'match']);
    expect(counts.imageRuns).toBe(1);
  });

  it('always downloads and hashes in hash mode, checking sha256 signatures all the same', async () => {
    const checks: string[] = [];
    const { processor, counts } = setup(
      { u1: 'twelve bytes' },
      { content: { signatures: 'hash', onSignatureCheck: (r) => checks.push(r) } },
    );
    const first = await processor.signals(pin({ image: { url: 'u1', signature: 's1' } }));
    const again = await processor.signals(pin({ image: { url: 'u1', signature: 's1' } }));
    expect(first[0]).toMatchObject({ contentKey: expect.stringMatching(/^sha256:/), cached: false });
    expect(again[0]).toMatchObject({ contentKey: first[0]!.contentKey, cached: true });
    expect(counts.fetches).toBe(2);
    await processor.signals(pin({ image: { url: 'u1', signature: `sha256:${'1'.repeat(64)}` } }));
    expect(checks).toEqual(['mismatch']);
  });
  it("runs a derived signal on its source's vector, never cached, and passes an unscored source's reason on", async () => {
    const seen: number[][] = [];
    const match = { contentKey: 'sha256:earlier', pinId: 'p0', decision: 'BLOCK' as const, distance: 0.01 };
    const { processor } = setup(
      { u1: 'twelve bytes' },
      {
        extra: () => [
          {
            name: 'image.embedding',
            content: 'image',
            model: IMAGE_MODEL,
            role: 'primary',
            classes: [],
            embeddingOutput: 'embedding',
            prepare: async (bytes) => bytes,
            infer: async (bytes) => ({ scores: {}, vector: new Float32Array([(bytes as Buffer).length, 0]) }),
          },
          {
            name: 'image.near_duplicate',
            content: 'image',
            model: IMAGE_MODEL,
            role: 'primary',
            classes: ['BLOCK'],
            derivedFrom: 'image.embedding',
            derive: async (vector) => (seen.push(Array.from(vector)), { scores: { BLOCK: 1 }, match }),
          },
        ],
      },
    );
    const first = await processor.signals(pin({}));
    expect(first.map((r) => r.signal)).toEqual([
      'image.safety',
      'text.spam',
      'image.embedding',
      'image.near_duplicate',
    ]);
    expect(first[2]).toMatchObject({ embeddingOutput: 'embedding', cached: false });
    expect(first[3]).toMatchObject({
      scores: { BLOCK: 1 },
      cached: false,
      contentKey: first[2]!.contentKey,
      match,
    });
    const again = await processor.signals(pin({}));
    expect([again[2]!.cached, again[3]!.cached]).toEqual([true, false]);
    expect(Array.from(again[2]!.vector!)).toEqual([12, 0]);
    expect(seen).toEqual([
      [12, 0],
      [12, 0],
    ]);
    const missing = await processor.signals(pin({ image: { url: 'missing', signature: null } }));
    expect(missing[3]).toMatchObject({ scores: null, reasonCode: 'IW_FETCH_HTTP_STATUS' });
    const absent = await processor.signals(pin({ image: null }));
    expect(absent[3]).toMatchObject({ scores: null, reasonCode: 'IW_CONTENT_ABSENT' });
    expect(seen).toHaveLength(2);
  });

  it('runs a given list in its own order, each derived signal on the source of its own model (a canary on the canary)', async () => {
    const seen: string[] = [];
    const embedding = (version: string, first: number): AnySignal => ({
      name: 'image.embedding',
      content: 'image',
      model: { name: 'image-embedding', version },
      role: version === '1' ? 'primary' : 'canary',
      classes: [],
      embeddingOutput: 'embedding',
      prepare: async (bytes) => bytes,
      infer: async () => ({ scores: {}, vector: new Float32Array([first, 0]) }),
    });
    const nearDuplicate = (version: string): AnySignal => ({
      name: 'image.near_duplicate',
      content: 'image',
      model: { name: 'image-embedding', version },
      role: version === '1' ? 'primary' : 'canary',
      classes: ['BLOCK'],
      derivedFrom: 'image.embedding',
      derive: async (vector) => (
        seen.push(`${version}:${vector[0]}`),
        { scores: { BLOCK: vector[0]! }, match: null }
      ),
    });
    const signals = [embedding('1', 1), nearDuplicate('1'), embedding('2', 2), nearDuplicate('2')];
    const { runner, extractor } = setup({ u1: 'twelve bytes' }, { extra: () => signals });
    const text = runner.signals.find((s) => s.name === 'text.spam')!;
    // derived before its source, and the canary pair only
    const canaryList = [signals[3]!, text, signals[2]!];
    for (let i = 0; i < 2; i++) {
      const results = await runner.run(extractor.extract(pin({})), stages, canaryList);
      expect(results.map((r) => `${r.signal}@${r.model.version}`)).toEqual([
        'image.near_duplicate@2',
        'text.spam@1',
        'image.embedding@2',
      ]);
      expect(results[0]!.scores).toEqual({ BLOCK: 2 });
    }
    const primaries = await runner.run(extractor.extract(pin({})), stages, [signals[1]!, signals[0]!]);
    expect(primaries.map((r) => `${r.signal}@${r.model.version}`)).toEqual([
      'image.near_duplicate@1',
      'image.embedding@1',
    ]);
    expect(primaries[0]!.scores).toEqual({ BLOCK: 1 });
    // a derived signal whose source is not in the list is UNSCORED, not run on another model's vector
    const orphan = await runner.run(extractor.extract(pin({})), stages, [signals[3]!, signals[0]!]);
    expect(orphan[0]).toMatchObject({ scores: null, reasonCode: 'IW_CONFIG_INVALID' });
    expect(seen).toEqual(['2:2', '2:2', '1:1']);
  });

  it("offers a derived signal its source's bytes on demand: no second download, a download only when called, its budget given back", async () => {
    const read: { bytes: string; releasedBefore: number }[] = [];
    let verify = true;
    let countsOf: Record<string, number> = {};
    const { processor, counts } = setup(
      { u1: 'twelve bytes' },
      {
        extra: (c) => {
          countsOf = c;
          return [
            {
              name: 'image.embedding',
              content: 'image',
              model: IMAGE_MODEL,
              role: 'primary',
              classes: [],
              embeddingOutput: 'embedding',
              prepare: async (bytes) => bytes,
              infer: async () => ({ scores: {}, vector: new Float32Array([1, 0]) }),
            },
            {
              name: 'image.near_duplicate',
              content: 'image',
              model: IMAGE_MODEL,
              role: 'primary',
              classes: ['BLOCK'],
              derivedFrom: 'image.embedding',
              derive: async (_vector, _frames, context) => {
                if (verify) {
                  const releasedBefore = countsOf['released']!;
                  const bytes = Buffer.from(await context!.verificationImage()).toString();
                  read.push({ bytes, releasedBefore });
                }
                return { scores: { BLOCK: 0 }, match: null };
              },
            },
          ];
        },
      },
    );
    const signed = pin({ image: { url: 'u1', signature: 'upstream-1' } });
    // A first pin downloads its image once: the derived signal reads those bytes (the computed
    // signals gave the body budget back already), not a new download.
    await processor.signals(signed);
    expect(counts.fetches).toBe(1);
    expect(read).toEqual([{ bytes: 'twelve bytes', releasedBefore: 1 }]);
    expect(counts.released).toBe(1);
    // A re-pin answered from the cache by its signature downloads only because the derived signal asks.
    verify = false;
    await processor.signals(signed);
    expect(counts.fetches).toBe(1);
    verify = true;
    await processor.signals(signed);
    expect(counts.fetches).toBe(2);
    expect(read[1]).toEqual({ bytes: 'twelve bytes', releasedBefore: 1 });
    // The download the derived signal made gave its share of the body budget back.
    expect(counts.released).toBe(2);
  });

  it('refuses a derived signal whose source is not a declared embedding signal of its model', () => {
    const derived: AnySignal = {
      name: 'image.near_duplicate',
      content: 'image',
      model: IMAGE_MODEL,
      role: 'primary',
      classes: ['BLOCK'],
      derivedFrom: 'image.embedding',
      derive: async () => ({ scores: { BLOCK: 0 }, match: null }),
    };
    expect(
      () => new SignalRunner([derived], new InMemorySignalCache(1000), new ScoreMemo<SignalValue>(0), 't'),
    ).toThrow(expect.objectContaining({ code: 'IW_CONFIG_INVALID' }));
  });
});
