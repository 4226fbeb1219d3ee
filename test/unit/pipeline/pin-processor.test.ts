import { describe, expect, it } from 'vitest';
import { DecodedImageGate } from '../../../src/preprocess/decoded-image-gate.js';
import { InMemorySignalCache } from '../../../src/cache/in-memory-signal-cache.js';
import { IntegrityError, isIntegrityError } from '../../../src/errors.js';
import type { FetchedImage, ImageFetcher } from '../../../src/fetch/image-fetcher.js';
import { ImageSignal } from '../../../src/pipeline/image-signal.js';
import { PinProcessor, type PinContent } from '../../../src/pipeline/pin-processor.js';
import { ScoreMemo } from '../../../src/pipeline/score-memo.js';
import type { ImageScorer, TextScorer } from '../../../src/pipeline/scorers.js';
import type { StageRunner } from '../../../src/pipeline/stage-runner.js';
import { TextSignal } from '../../../src/pipeline/text-signal.js';

const IMAGE_MODEL = { name: 'image-safety', version: '1' };
const TEXT_MODEL = { name: 'text-spam', version: '1' };
const stages: StageRunner = { run: (_stage, work) => work({ attempt: 1, remainingMs: 1000 }) };

const once = (f: () => void) => {
  let done = false;
  return () => {
    if (!done) f();
    done = true;
  };
};

/** Real in-memory parts with counting scorers and a fetcher that serves named byte strings. */
function setup(images: Record<string, string | IntegrityError>) {
  const counts = { fetches: 0, imageRuns: 0, textRuns: 0, released: 0, timeoutMs: [] as unknown[] };
  const fetcher: ImageFetcher = {
    async fetch(url, options): Promise<FetchedImage> {
      counts.fetches++;
      counts.timeoutMs.push(options?.timeoutMs);
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
  const imageScorer: ImageScorer<Buffer> = {
    model: IMAGE_MODEL,
    prepare: async (bytes) => bytes,
    async infer(bytes) {
      counts.imageRuns++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { Neutral: bytes.length / 100, Porn: 1 - bytes.length / 100 };
    },
  };
  const textScorer: TextScorer<string> = {
    model: TEXT_MODEL,
    prepare: async (text) => text,
    async infer(text) {
      counts.textRuns++;
      return { ham: 0.5, spam: text.includes('$$$') ? 0.99 : 0.01 };
    },
  };
  const cache = new InMemorySignalCache(60_000);
  const memo = new ScoreMemo(100);
  const processor = new PinProcessor(
    new ImageSignal(
      fetcher,
      imageScorer,
      cache,
      memo,
      'test',
      new DecodedImageGate({ maxImages: 4, budgetPixels: 1e8, maxPixels: 5e7 }),
    ),
    new TextSignal(textScorer, memo, 'test'),
    cache,
    memo,
    { image: IMAGE_MODEL, text: TEXT_MODEL },
  );
  return { processor, counts, cache };
}

const pin = (overrides: Partial<PinContent>): PinContent => ({
  pinId: 'p',
  title: 'Vase',
  description: 'Blue',
  link: null,
  image: { url: 'u1', signature: null },
  ...overrides,
});

describe('PinProcessor', () => {
  it('scores both signals and caches them by content', async () => {
    const { processor, counts } = setup({ u1: 'twelve bytes' });
    const [image, text] = await processor.signals(pin({}), stages);
    expect(image).toMatchObject({
      signal: 'image.safety',
      cached: false,
      reasonCode: null,
      contentKey: expect.stringMatching(/^sha256:/),
    });
    expect(text).toMatchObject({ signal: 'text.spam', cached: false, scores: { spam: 0.01 } });
    expect(counts).toEqual({ fetches: 1, imageRuns: 1, textRuns: 1, released: 1, timeoutMs: [1000] });
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
    const results = await Promise.all(pins.map((p) => processor.signals(p, stages)));
    expect(counts.imageRuns).toBe(2);
    expect(counts.textRuns).toBe(2);
    // A signature seen before needs no download at all.
    const before = counts.fetches;
    const [again] = await processor.signals(pin({ image: { url: 'a', signature: 's1' } }), stages);
    expect(again).toMatchObject({ cached: true, contentKey: 'sig:s1' });
    expect(counts.fetches).toBe(before);
    expect(results.flat().filter((r) => r.cached).length).toBeGreaterThan(0);
    // Every fetched body was handed back to the body budget, scored, shared or found in the cache.
    expect(counts.released).toBe(counts.fetches);
  });

  it('leaves the image UNSCORED with its code and still scores the text', async () => {
    const { processor } = setup({ refused: new IntegrityError('IW_FETCH_ADDRESS_REFUSED', 'no') });
    const [image, text] = await processor.signals(
      pin({ image: { url: 'refused', signature: null } }),
      stages,
    );
    expect(image).toMatchObject({ scores: null, reasonCode: 'IW_FETCH_ADDRESS_REFUSED' });
    expect(text!.scores).not.toBeNull();
  });

  it('marks a missing part as IW_CONTENT_ABSENT and refuses a pin with nothing to score', async () => {
    const { processor } = setup({});
    const [image] = await processor.signals(pin({ image: null }), stages);
    expect(image).toMatchObject({ reasonCode: 'IW_CONTENT_ABSENT' });
    const [, text] = await processor.signals(
      pin({ title: null, description: '  ', image: { url: 'x', signature: null } }),
      stages,
    );
    expect(text).toMatchObject({ reasonCode: 'IW_CONTENT_ABSENT' });
    const error = await processor
      .signals(pin({ title: null, description: null, image: null }), stages)
      .catch((e: unknown) => e);
    expect(isIntegrityError(error, 'IW_INPUT_INVALID')).toBe(true);
  });
});
