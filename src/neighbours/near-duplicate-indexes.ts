/**
 * The near-duplicate indexes of one worker: one {@link NearDuplicateIndex} per (model, embedding
 * output) that a near-duplicate signal searches, each restored from its snapshot and fed by its own
 * {@link EmbeddingIndexFeeder} from the embeddings topic, so every worker of a group converges to the
 * same index.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import type { AvroCodec } from '../contracts/avro-codec.js';
import type { Logger } from '../telemetry/logger.js';
import { modelId, type ModelRef } from '../scores.js';
import { EmbeddingIndexFeeder } from './embedding-index-feeder.js';
import { NearDuplicateIndex, type IndexScalar, type NearDuplicateLookup } from './near-duplicate-index.js';

export interface WantedIndex {
  readonly model: ModelRef;
  readonly output: string;
  readonly dimension: number;
  /** The index's own calibrated distance, when not the options' (the text signature's). */
  readonly maxDistance?: number;
  /** The index's own scalar kind, when not the options' (the text signature's, never measured at f16). */
  readonly scalar?: IndexScalar;
}

export interface NearDuplicateIndexOptions {
  readonly topic: string;
  /** The worker's group id: each feeder reads with a group of its own derived from it. */
  readonly groupId: string;
  readonly snapshotDir?: string;
  readonly snapshotEveryRecords: number;
  readonly maxDistance: number;
  /** How vectors are stored (NEAR_DUPLICATE_INDEX_SCALAR); f32 when absent. */
  readonly scalar?: IndexScalar;
}

export interface NearDuplicateIndexes {
  search(
    model: ModelRef,
    output: string,
  ): { readonly index: NearDuplicateLookup; readonly maxDistance: number } | undefined;
  readonly feeders: readonly EmbeddingIndexFeeder[];
  /**
   * Resolves once every index has read the embeddings topic up to its end as of this call, or after
   * `timeoutMs` (then false: the index goes on catching up while the worker runs).
   */
  caughtUp(timeoutMs: number): Promise<boolean>;
  /** Stops every feeder (each writes a last snapshot). */
  stop(): Promise<void>;
}

export async function startNearDuplicateIndexes(
  wanted: readonly WantedIndex[],
  kafka: Kafka,
  codec: AvroCodec,
  options: NearDuplicateIndexOptions,
  logger?: Logger,
): Promise<NearDuplicateIndexes> {
  const byId = new Map<string, NearDuplicateIndex>();
  const distances = new Map<string, number>();
  const feeders: EmbeddingIndexFeeder[] = [];
  const stop = async () => {
    await Promise.all(feeders.splice(0).map((f) => f.stop()));
  };
  try {
    for (const w of wanted) {
      const id = `${modelId(w.model)}/${w.output}`;
      if (byId.has(id)) continue;
      const dir = options.snapshotDir && join(options.snapshotDir, `${modelId(w.model)}-${w.output}`);
      const scalar = w.scalar ?? options.scalar ?? 'f32';
      const index = dir
        ? await NearDuplicateIndex.restore(dir, modelId(w.model), w.dimension, scalar)
        : new NearDuplicateIndex(modelId(w.model), w.dimension, scalar);
      if (index.discardedScalar !== undefined) {
        logger?.warn(
          {
            code: 'IW_INDEX_SNAPSHOT_MISMATCH',
            index: id,
            snapshot: index.discardedScalar,
            scalar,
            snapshotDir: dir,
          },
          'near-duplicate snapshot of another scalar kind left unloaded: rebuilding from the embeddings topic',
        );
      }
      byId.set(id, index);
      distances.set(id, w.maxDistance ?? options.maxDistance);
      const feeder = new EmbeddingIndexFeeder(kafka, codec, index, {
        topic: options.topic,
        // Every worker reads everything: a group of this process alone, never committed.
        groupId: `${options.groupId}.near-duplicates.${randomUUID()}`,
        ...(dir && { snapshotDir: dir }),
        snapshotEveryRecords: options.snapshotEveryRecords,
        model: modelId(w.model),
        output: w.output,
      });
      feeders.push(feeder);
      await feeder.start();
      logger?.info(
        { index: id, scalar, restored: index.size, snapshotDir: dir },
        'near-duplicate index feeding',
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    search(model, output) {
      const id = `${modelId(model)}/${output}`;
      const index = byId.get(id);
      return index && { index, maxDistance: distances.get(id) ?? options.maxDistance };
    },
    feeders,
    async caughtUp(timeoutMs) {
      const results = await Promise.allSettled(feeders.map((f) => f.caughtUp(timeoutMs)));
      return results.every((r) => r.status === 'fulfilled');
    },
    stop,
  };
}
