import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InMemorySignalCache } from '../../../src/cache/in-memory-signal-cache.js';
import { DecodedImageGate } from '../../../src/preprocess/decoded-image-gate.js';
import type { InputMessage } from '../../../src/contracts/input-message.js';
import { AvroCodec } from '../../../src/contracts/avro-codec.js';
import type { DeadLetter } from '../../../src/contracts/generated/dead-letter.js';
import type { IntegrityLabel } from '../../../src/contracts/generated/integrity-label.js';
import { InMemorySchemaRegistry } from '../../../src/contracts/in-memory-schema-registry.js';
import { DEAD_LETTER, INTEGRITY_LABEL, PIN_CREATED } from '../../../src/contracts/subjects.js';
import { IntegrityError, isIntegrityError } from '../../../src/errors.js';
import { PinContentExtractor } from '../../../src/content/content.js';
import { PinMessageHandler } from '../../../src/pipeline/pin-message-handler.js';
import { ImageContentSource } from '../../../src/content/image-content.js';
import { ScoreMemo } from '../../../src/signals/score-memo.js';
import { modelSignal } from '../../../src/signals/signal.js';
import { SignalRunner } from '../../../src/signals/signal-runner.js';
import { PolicyEngine } from '../../../src/policy/policy-engine.js';
import { parsePolicy } from '../../../src/policy/policy.js';
import { minimalPinCreated } from '../../support/records.js';

const TOPICS = { pins: 'pins.test', labels: 'labels.test', deadLetters: 'dlq.test' };
const IMAGE_MODEL = { name: 'image-safety', version: '1' };
const TEXT_MODEL = { name: 'text-spam', version: '1' };

/** A handler over real in-memory parts; the text model calls anything with "$$$" spam. */
function setup(registry = new InMemorySchemaRegistry()) {
  const cache = new InMemorySignalCache(60_000);
  const contents = new PinContentExtractor(
    new ImageContentSource({
      fetch: () => Promise.reject(new IntegrityError('IW_FETCH_HTTP_STATUS', '404')),
      close: async () => {},
    }),
  );
  const signals = new SignalRunner(
    [
      modelSignal(
        { name: 'image.safety', model: IMAGE_MODEL, role: 'primary' },
        'image',
        {
          model: IMAGE_MODEL,
          classes: ['Neutral'],
          prepare: async (b: unknown) => b,
          infer: async () => ({ Neutral: 1 }),
        },
        new DecodedImageGate({ maxImages: 2, budgetPixels: 1e8, maxPixels: 5e7 }),
      ),
      modelSignal({ name: 'text.spam', model: TEXT_MODEL, role: 'primary' }, 'text', {
        model: TEXT_MODEL,
        classes: ['ham', 'spam'],
        prepare: async (t: unknown) => t,
        infer: async (t: unknown) => ({ ham: 0, spam: String(t).includes('$$$') ? 1 : 0 }),
      }),
    ],
    cache,
    new ScoreMemo(10),
    'test',
  );
  const policy = new PolicyEngine(
    parsePolicy(JSON.parse(readFileSync('policy/policy-v1.json', 'utf8')), 'policy-v1.json'),
  );
  const codec = new AvroCodec(registry, { autoRegister: true });
  const handler = new PinMessageHandler(codec, contents, signals, policy, {
    labelTopic: TOPICS.labels,
    deadLetterTopic: TOPICS.deadLetters,
    workerVersion: 'test',
    retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1, budgetMs: 1000 },
  });
  return { handler, codec };
}

const message = (value: Buffer | null, key = 'pin-1'): InputMessage => ({
  topic: TOPICS.pins,
  partition: 2,
  offset: '41',
  key: Buffer.from(key),
  value,
  headers: { traceparent: Buffer.from('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01') },
  timestamp: 0,
});

describe('PinMessageHandler', () => {
  it('answers a pin with one label keyed by pin id, decided by the policy', async () => {
    const { handler, codec } = setup();
    const pin = minimalPinCreated({ pinId: 'pin-1', title: '$$$ cash $$$' });
    const [output, ...rest] = await handler.handle(
      message(await codec.encode(TOPICS.pins, PIN_CREATED, pin)),
    );
    expect(rest).toEqual([]);
    expect(output).toMatchObject({ topic: TOPICS.labels, key: 'pin-1' });
    const { record } = await codec.decodeAs(INTEGRITY_LABEL, output!.value);
    const label = record as IntegrityLabel;
    expect(label).toMatchObject({
      pinId: 'pin-1',
      sourceEventId: pin.eventId,
      decision: 'BLOCK',
      source: { topic: TOPICS.pins, partition: 2, offset: 41 },
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    });
    expect(label.signals.map((s) => [s.signal, s.decision, s.reasonCode])).toEqual([
      ['image.safety', 'UNSCORED', 'IW_CONTENT_ABSENT'],
      ['text.spam', 'BLOCK', null],
    ]);
  });

  it('turns undecodable bytes into a dead letter that keeps them, with the code and stage', async () => {
    const { handler, codec } = setup();
    const bytes = Buffer.from('{"not":"avro"}');
    const [output] = await handler.handle(message(bytes, 'k'));
    expect(output).toMatchObject({ topic: TOPICS.deadLetters, key: Buffer.from('k') });
    const deadLetter = (await codec.decodeAs(DEAD_LETTER, output!.value)).record as DeadLetter;
    expect(deadLetter).toMatchObject({
      errorCode: 'IW_WIRE_BAD_MAGIC',
      stage: 'decode',
      attempts: 1,
      value: bytes,
    });
    expect(deadLetter.headers.map((h) => h.key)).toEqual(['traceparent']);
  });

  it('throws, leaving the record uncommitted, when the registry stays unreachable', async () => {
    const registry = new InMemorySchemaRegistry();
    const { handler, codec } = setup(registry);
    const value = await codec.encode(TOPICS.pins, PIN_CREATED, minimalPinCreated({ title: 'hello' }));
    // A second handler whose registry is down: it has never seen the writer schema's id.
    const down = Object.assign(Object.create(registry) as InMemorySchemaRegistry, {
      schemaById: () => Promise.reject(new IntegrityError('IW_REGISTRY_UNREACHABLE', 'registry down')),
    });
    const error = await setup(down)
      .handler.handle(message(value))
      .catch((e: unknown) => e);
    expect(isIntegrityError(error, 'IW_REGISTRY_UNREACHABLE')).toBe(true);
    expect(await handler.handle(message(value))).toHaveLength(1);
  });
});
