/**
 * Valid records of every contract, for any test: `minimal*` leaves every nullable field null and
 * every array empty, `full*` sets every field. Pass overrides for what a test cares about.
 */
import { randomUUID } from 'node:crypto';
import { embeddingToBytes } from '../../src/contracts/embedding-vector.js';
import type { ContentEmbedding } from '../../src/contracts/generated/content-embedding.js';
import type { DeadLetter } from '../../src/contracts/generated/dead-letter.js';
import type { IntegrityLabel, Signal } from '../../src/contracts/generated/integrity-label.js';
import type { PinCreated } from '../../src/contracts/generated/pin-created.js';
import type { ReviewVerdict } from '../../src/contracts/generated/review-verdict.js';

const AT = Date.UTC(2026, 10, 25, 12, 0, 0, 123);

export function minimalPinCreated(overrides: Partial<PinCreated> = {}): PinCreated {
  return {
    eventId: randomUUID(),
    pinId: 'pin-1',
    userId: 'user-1',
    createdAt: AT,
    title: null,
    description: null,
    link: null,
    image: null,
    locale: null,
    video: null,
    ...overrides,
  };
}

export function fullPinCreated(overrides: Partial<PinCreated> = {}): PinCreated {
  return minimalPinCreated({
    title: 'Blue ceramic vase',
    description: 'Hand-thrown, 30 cm — glazé à la main ✓',
    link: 'https://shop.example.com/vase?ref=pin',
    image: {
      url: 'https://img.example.com/vase.jpg',
      signature: 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      width: 1024,
      height: 768,
      mime: 'image/jpeg',
    },
    locale: 'en-US',
    video: {
      url: 'https://video.example.com/vase.mp4',
      signature: 'sha256:60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752',
      durationMs: 12_500,
      mime: 'video/mp4',
    },
    ...overrides,
  });
}

export function scoredSignal(overrides: Partial<Signal> = {}): Signal {
  return {
    signal: 'image.safety',
    model: { name: 'image-safety', version: '1' },
    scores: { drawing: 0.01, hentai: 0.02, neutral: 0.9, porn: 0.03, sexy: 0.04 },
    decision: 'ALLOW',
    reasonCode: null,
    policyVersion: 'policy-2026-11-01',
    contentKey: 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    cached: false,
    rule: 'thresholds',
    frameTimestampMs: null,
    nearDuplicate: null,
    ...overrides,
  };
}

export function unscoredSignal(overrides: Partial<Signal> = {}): Signal {
  return scoredSignal({
    scores: {},
    decision: 'UNSCORED',
    reasonCode: 'IW_FETCH_TIMEOUT',
    contentKey: null,
    rule: 'unscored.default',
    ...overrides,
  });
}

export function minimalIntegrityLabel(overrides: Partial<IntegrityLabel> = {}): IntegrityLabel {
  return {
    pinId: 'pin-1',
    sourceEventId: randomUUID(),
    labeledAt: AT + 250,
    decision: 'UNSCORED',
    signals: [],
    source: { topic: 'pins.created.v1', partition: 0, offset: 0 },
    traceId: null,
    workerVersion: '0.1.0',
    attempt: 0,
    rescanNotBefore: null,
    ...overrides,
  };
}

export function fullIntegrityLabel(overrides: Partial<IntegrityLabel> = {}): IntegrityLabel {
  return minimalIntegrityLabel({
    decision: 'REVIEW',
    signals: [
      unscoredSignal({ rule: 'rescan', decision: 'UNSCORED' }),
      scoredSignal({
        signal: 'text.spam',
        model: { name: 'text-spam', version: '3' },
        scores: { ham: 0.35, spam: 0.65 },
        decision: 'REVIEW',
        contentKey: 'sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae',
        cached: true,
      }),
    ],
    source: { topic: 'pins.created.v1', partition: 7, offset: 4_503_599_627_370_496 },
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    attempt: 2,
    rescanNotBefore: AT + 120_000,
    ...overrides,
  });
}

/** A label of a video pin whose frame at 3,040 ms is a near duplicate of another video's frame. */
export function videoNearDuplicateLabel(overrides: Partial<IntegrityLabel> = {}): IntegrityLabel {
  return minimalIntegrityLabel({
    decision: 'REVIEW',
    signals: [
      scoredSignal({
        signal: 'video.near_duplicate',
        scores: { BLOCK: 1, REVIEW: 0, similarity: 0.9375 },
        decision: 'REVIEW',
        frameTimestampMs: 3040,
        nearDuplicate: {
          contentKey: 'sha256:0b5a8d5a9c4f3e2d1c0b5a8d5a9c4f3e2d1c0b5a8d5a9c4f3e2d1c0b5a8d5a9c',
          pinId: 'pin-0',
          distance: 0.0625,
          decision: 'BLOCK',
          frameTimestampMs: 1_000,
        },
      }),
    ],
    ...overrides,
  });
}

/** One sampled frame's embedding of a video (`video.embedding`: one record per frame). */
export function videoFrameEmbedding(overrides: Partial<ContentEmbedding> = {}): ContentEmbedding {
  return fullContentEmbedding({
    kind: 'VIDEO_FRAME',
    signal: 'video.embedding',
    frame: { index: 15, timestampMs: 4_503_599_627_370 },
    ...overrides,
  });
}

export function minimalDeadLetter(overrides: Partial<DeadLetter> = {}): DeadLetter {
  return {
    source: { topic: 'pins.created.v1', partition: 0, offset: 0 },
    key: null,
    value: null,
    headers: [],
    errorCode: 'IW_WIRE_BAD_MAGIC',
    errorMessage: 'expected magic byte 0, got 123',
    stage: 'decode',
    attempts: 1,
    firstSeenAt: AT,
    deadLetteredAt: AT + 5,
    traceId: null,
    workerVersion: '0.1.0',
    originalValueBytes: null,
    ...overrides,
  };
}

export function fullDeadLetter(overrides: Partial<DeadLetter> = {}): DeadLetter {
  return minimalDeadLetter({
    source: { topic: 'pins.created.v1', partition: 3, offset: 123_456_789_012 },
    key: Buffer.from('pin-1'),
    value: Buffer.from([0, 0, 0, 0, 7, 0xff, 0x00, 0x80]),
    headers: [
      { key: 'traceparent', value: Buffer.from('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01') },
      { key: 'x-retry', value: Buffer.from([1]) },
      { key: 'x-retry', value: Buffer.from([2]) },
      { key: 'x-empty', value: null },
    ],
    errorCode: 'IW_FETCH_TIMEOUT',
    errorMessage: 'total time ran out after 3000 ms',
    stage: 'fetch',
    attempts: 4,
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    originalValueBytes: 1_000_000,
    ...overrides,
  });
}

export function reviewVerdict(overrides: Partial<ReviewVerdict> = {}): ReviewVerdict {
  return {
    verdictId: '0b7c1f4e-6a55-4c21-9d3e-1f2a3b4c5d6e',
    pinId: 'pin-1',
    signal: 'text.spam',
    verdict: 'VIOLATES',
    reviewerId: 'r-7f3a',
    reviewedAt: AT + 60_000,
    label: {
      modelName: 'text-spam',
      modelVersion: '1',
      decision: 'REVIEW',
      policyVersion: 'policy-v1',
      labeledAt: AT,
      labelTopic: 'integrity.labels.v1',
    },
    queue: 'audit',
    inclusionProbability: 0.05,
    ...overrides,
  };
}
/** A unit vector whose values are not round in float32 (sin), so a lossy path would show. */
export function testVector(dimension: number): Float32Array {
  const v = Float32Array.from({ length: dimension }, (_, i) => Math.sin(i * 0.37 + 0.1));
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

export function minimalContentEmbedding(overrides: Partial<ContentEmbedding> = {}): ContentEmbedding {
  return {
    pinId: 'pin-1',
    sourceEventId: randomUUID(),
    contentKey: 'sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae',
    kind: 'TEXT',
    signal: 'text.embedding',
    model: { name: 'text-embedding', version: '1' },
    output: 'embedding',
    dimension: 0,
    vector: Buffer.alloc(0),
    normalized: false,
    decision: null,
    embeddedAt: AT + 200,
    source: { topic: 'pins.created.v1', partition: 0, offset: 0 },
    traceId: null,
    workerVersion: '0.1.0',
    frame: null,
    ...overrides,
  };
}

export function fullContentEmbedding(overrides: Partial<ContentEmbedding> = {}): ContentEmbedding {
  return minimalContentEmbedding({
    contentKey: 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    kind: 'IMAGE',
    signal: 'image.embedding',
    model: { name: 'image-safety', version: '1' },
    dimension: 1280,
    vector: embeddingToBytes(testVector(1280)),
    normalized: true,
    decision: 'BLOCK',
    source: { topic: 'pins.created.v1', partition: 7, offset: 4_503_599_627_370_496 },
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    ...overrides,
  });
}
