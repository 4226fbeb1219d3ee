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
import { readRescanHeaders } from '../../../src/contracts/rescan-headers.js';
import type { OutputMessage } from '../../../src/produce/output-message.js';

const TOPICS = { pins: 'pins.test', labels: 'labels.test', deadLetters: 'dlq.test' };
const RESCAN_TOPIC = 'rescan.test';
const NOW = 1_767_225_600_000;
const IMAGE_MODEL = { name: 'image-safety', version: '1' };
const TEXT_MODEL = { name: 'text-spam', version: '1' };

/** A handler over real in-memory parts; the text model calls anything with "$$$" spam. */
function setup(
  registry = new InMemorySchemaRegistry(),
  fetchError: () => IntegrityError = () => new IntegrityError('IW_FETCH_HTTP_STATUS', '404'),
) {
  const cache = new InMemorySignalCache(60_000);
  const contents = new PinContentExtractor(
    new ImageContentSource({
      fetch: () => Promise.reject(fetchError()),
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
    rescan: { topic: RESCAN_TOPIC, maxAttempts: 2, baseDelayMs: 60_000, maxDelayMs: 90_000 },
    now: () => NOW,
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

  const withImage = () =>
    minimalPinCreated({
      pinId: 'pin-9',
      title: 'Fall outfit',
      image: { url: 'https://img.example.com/a.jpg', signature: null, width: null, height: null, mime: null },
    });

  it('holds a pin whose image timed out and sends its bytes to the rescan topic with attempt and not-before', async () => {
    const { handler, codec } = setup(undefined, () => new IntegrityError('IW_FETCH_TIMEOUT', 'slow'));
    const value = await codec.encode(TOPICS.pins, PIN_CREATED, withImage());
    const [labelOut, rescan, ...rest] = await handler.handle(message(value, 'pin-9'));
    expect(rest).toEqual([]);
    const label = (await codec.decodeAs(INTEGRITY_LABEL, labelOut!.value)).record as IntegrityLabel;
    expect(label).toMatchObject({ decision: 'UNSCORED', attempt: 0, rescanNotBefore: NOW + 60_000 });
    expect(label.signals.map((s) => [s.signal, s.decision, s.rule])).toEqual([
      ['image.safety', 'UNSCORED', 'rescan'],
      ['text.spam', 'ALLOW', 'thresholds'],
    ]);
    expect(rescan).toMatchObject({ topic: RESCAN_TOPIC, key: Buffer.from('pin-9'), value });
    expect(readRescanHeaders(asInput(rescan!))).toEqual({
      attempt: 1,
      notBefore: NOW + 60_000,
      reason: 'IW_FETCH_TIMEOUT',
      origin: { topic: TOPICS.pins, partition: 2, offset: '41' },
    });
  });

  it('labels a rescan with its attempt and the first position, backs off, and applies the permanent rule at the cap', async () => {
    const { handler, codec } = setup(undefined, () => new IntegrityError('IW_FETCH_HTTP_5XX', '503'));
    const value = await codec.encode(TOPICS.pins, PIN_CREATED, withImage());
    const first = await handler.handle(message(value, 'pin-9'));
    const second = await handler.handle(asInput(first[1]!));
    const label2 = (await codec.decodeAs(INTEGRITY_LABEL, second[0]!.value)).record as IntegrityLabel;
    expect(label2).toMatchObject({
      attempt: 1,
      decision: 'UNSCORED',
      rescanNotBefore: NOW + 90_000, // min(max 90 s, 60 s * 2)
      source: { topic: TOPICS.pins, partition: 2, offset: 41 },
    });
    const third = await handler.handle(asInput(second[1]!));
    expect(third).toHaveLength(1); // no further rescan: maxAttempts 2
    const label3 = (await codec.decodeAs(INTEGRITY_LABEL, third[0]!.value)).record as IntegrityLabel;
    expect(label3).toMatchObject({ attempt: 2, decision: 'REVIEW', rescanNotBefore: null });
    expect(label3.signals[0]).toMatchObject({
      decision: 'REVIEW',
      rule: 'unscored.default',
      reasonCode: 'IW_FETCH_HTTP_5XX',
    });
  });

  it('reviews a pin whose image failed for good (default rule), with no rescan', async () => {
    const { handler, codec } = setup(undefined, () => new IntegrityError('IW_IMAGE_DECODE', 'corrupt'));
    const outputs = await handler.handle(message(await codec.encode(TOPICS.pins, PIN_CREATED, withImage())));
    expect(outputs).toHaveLength(1);
    const label = (await codec.decodeAs(INTEGRITY_LABEL, outputs[0]!.value)).record as IntegrityLabel;
    expect(label).toMatchObject({ decision: 'REVIEW', rescanNotBefore: null });
    expect(label.signals[0]).toMatchObject({
      decision: 'REVIEW',
      rule: 'unscored.default',
      reasonCode: 'IW_IMAGE_DECODE',
    });
  });

  it('ignores rescan headers on a record that was not read from the rescan topic', async () => {
    const { handler, codec } = setup(undefined, () => new IntegrityError('IW_FETCH_TIMEOUT', 'slow'));
    const value = await codec.encode(TOPICS.pins, PIN_CREATED, withImage());
    const forged = {
      ...message(value),
      headers: {
        'iw-rescan-attempt': Buffer.from('99'),
        'iw-rescan-not-before': Buffer.from('1'),
        'iw-rescan-origin': Buffer.from('x/1/2'),
      },
    };
    const [out] = await handler.handle(forged);
    const label = (await codec.decodeAs(INTEGRITY_LABEL, out!.value)).record as IntegrityLabel;
    expect(label).toMatchObject({ attempt: 0, source: { topic: TOPICS.pins } });
  });
});

/** An output as the consumer of its topic would read it back. */
function asInput(output: OutputMessage): InputMessage {
  const headers: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(output.headers)) headers[k] = Buffer.from(v);
  return {
    topic: output.topic,
    partition: 0,
    offset: '7',
    key: typeof output.key === 'string' ? Buffer.from(output.key) : output.key,
    value: output.value,
    headers,
    timestamp: 0,
  };
}
