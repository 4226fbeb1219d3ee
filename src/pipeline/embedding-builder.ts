import { embeddingToBytes } from '../contracts/embedding-vector.js';
import type { ContentEmbedding, Decision } from '../contracts/generated/content-embedding.js';
import type { IntegrityLabel } from '../contracts/generated/integrity-label.js';
import { moreSevere } from '../policy/policy-engine.js';
import type { AnySignal, SignalResult } from '../signals/signal.js';
import type { SourcePosition } from './label-builder.js';

export interface EmbeddingContext {
  readonly pinId: string;
  readonly eventId: string;
  readonly source: SourcePosition;
  readonly traceId: string | null;
  readonly workerVersion: string;
  readonly embeddedAt: number;
}

/**
 * The wire bytes of each vector, kept while the vector lives: a cached score's vector is the same
 * Float32Array for every pin of that content (the in-process memo), so a warm pin reuses its bytes
 * instead of copying 1280 floats again. Vectors are never written after they are scored.
 */
const vectorBytes = new WeakMap<Float32Array, Buffer>();

function bytesOf(vector: Float32Array): Buffer {
  let bytes = vectorBytes.get(vector);
  if (bytes === undefined) vectorBytes.set(vector, (bytes = embeddingToBytes(vector)));
  return bytes;
}

/** A video's embeddings (`video.embedding`: one per sampled frame) are VIDEO_FRAME. */
const KINDS = { image: 'IMAGE', text: 'TEXT', video: 'VIDEO_FRAME' } as const;

/**
 * One ContentEmbedding per embedding signal that has a vector, and for a signal over a video's frames
 * one per sampled frame (`frame` names it; all under the video's content key). Its `decision` is the label's decision
 * about that content: the strictest of the label's signals with the same content key, derived
 * (near-duplicate) signals left out, so an inherited REVIEW never makes a copy flagged content of its
 * own (the index would otherwise grow chains of copies of copies); null when no signal decided it.
 */
export function buildEmbeddings(
  results: readonly SignalResult[],
  label: IntegrityLabel,
  signals: readonly AnySignal[],
  context: EmbeddingContext,
): ContentEmbedding[] {
  const byName = new Map(signals.map((s) => [s.name, s]));
  return results.flatMap((result): ContentEmbedding[] => {
    if (result.embeddingOutput === undefined || result.scores === null || !result.vector) return [];
    const signal = byName.get(result.signal);
    let decision: Decision | null = null;
    for (const s of label.signals) {
      if (s.contentKey !== result.contentKey || byName.get(s.signal)?.derivedFrom !== undefined) continue;
      decision = moreSevere(decision ?? 'UNSCORED', s.decision);
    }
    const { embeddingOutput: output, vector: deciding } = result;
    const frames = result.frames ?? [undefined];
    return frames.map((frame) => {
      const vector = frame?.vector ?? deciding;
      return {
        pinId: context.pinId,
        sourceEventId: context.eventId,
        contentKey: result.contentKey!,
        kind: signal ? KINDS[signal.content] : 'UNKNOWN',
        signal: result.signal,
        model: { name: result.model.name, version: result.model.version },
        output,
        dimension: vector.length,
        vector: bytesOf(vector),
        normalized: true,
        decision,
        embeddedAt: context.embeddedAt,
        source: {
          topic: context.source.topic,
          partition: context.source.partition,
          offset: Number(context.source.offset),
        },
        traceId: context.traceId,
        workerVersion: context.workerVersion,
        frame: frame ? { index: frame.index, timestampMs: frame.timestampMs } : null,
      };
    });
  });
}
