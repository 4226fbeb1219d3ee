/**
 * An approximate nearest-neighbour index (usearch HNSW, cosine, float32) of the embeddings of flagged
 * content, for one model output. Keys are content keys, and for a video's frames the content key and
 * the frame index ({@link indexKey}): adding a key again replaces its decision (the latest record
 * wins, the order of the embeddings topic), never a second vector. A frame's match names the video's
 * content key and pin with the frame. Snapshots
 * hold the HNSW graph, the entries and the topic position they reflect, written atomically, so a
 * restart reads only what came after.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import usearch, { type Index } from 'usearch';
import type { Decision } from '../contracts/generated/content-embedding.js';
import { IntegrityError } from '../errors.js';

export interface IndexedContent {
  readonly contentKey: string;
  readonly pinId: string;
  readonly decision: Decision;
  /** For one sampled frame of a video (`video.embedding`): which frame; absent for an image. */
  readonly frame?: IndexedFrame;
}

export interface IndexedFrame {
  /** 0-based position among the video's sampled frames. */
  readonly index: number;
  readonly timestampMs: number;
}

/**
 * The index key of content: its content key, and for a video's frame `<content key>#<frame index>`
 * (a video's key is `sha256:<hex>`; only an upstream image signature ending in `#<n>` could look the
 * same, and the frames of one video, at most 16, are unique by index).
 */
export function indexKey(content: Pick<IndexedContent, 'contentKey' | 'frame'>): string {
  return content.frame === undefined ? content.contentKey : `${content.contentKey}#${content.frame.index}`;
}

export interface NearestMatch extends IndexedContent {
  /** Cosine distance, 1 - cos (0 = same direction). */
  readonly distance: number;
}

/** What a near-duplicate signal asks of an index: the nearest indexed content to a vector. */
export interface NearDuplicateLookup {
  readonly dimension: number;
  nearest(vector: Float32Array): NearestMatch | undefined;
}

/** Partition -> the next offset to read, as decimal strings (Kafka offsets exceed 2^53 in theory). */
export type TopicPosition = Record<number, string>;

interface SnapshotMeta {
  version: 1;
  model: string;
  dimension: number;
  position: TopicPosition;
  entries: (IndexedContent & { key: string })[];
}

export class NearDuplicateIndex implements NearDuplicateLookup {
  #index: Index;
  #byKey = new Map<bigint, IndexedContent>();
  #keyOf = new Map<string, bigint>();
  #nextKey = 1n;
  /** Where the embeddings topic has been read up to; moved by the feeder. */
  position: TopicPosition = {};

  constructor(
    readonly model: string,
    readonly dimension: number,
  ) {
    this.#index = NearDuplicateIndex.#create(dimension);
  }

  static #create(dimension: number): Index {
    // expansion_search 64: recall@1 1.0 on 20k random vectors where the default (16) loses some.
    return new usearch.Index({
      dimensions: dimension,
      metric: usearch.MetricKind.Cos,
      quantization: usearch.ScalarKind.F32,
      connectivity: 16,
      expansion_add: 128,
      expansion_search: 64,
      multi: false,
    });
  }

  get size(): number {
    return this.#byKey.size;
  }

  /** Adds (or, for a known content key, re-decides) content. IW_EMBEDDING_INVALID for a wrong length. */
  upsert(content: IndexedContent, vector: Float32Array): void {
    this.#check(vector);
    const id = indexKey(content);
    const known = this.#keyOf.get(id);
    if (known !== undefined) {
      this.#byKey.set(known, content);
      return;
    }
    const key = this.#nextKey++;
    this.#index.add(key, vector);
    this.#byKey.set(key, content);
    this.#keyOf.set(id, key);
  }

  /** The nearest indexed content, or undefined when the index is empty. */
  nearest(vector: Float32Array): NearestMatch | undefined {
    this.#check(vector);
    if (this.#byKey.size === 0) return undefined;
    const found = this.#index.search(vector, 1, 1);
    const key = found.keys[0];
    const content = key === undefined ? undefined : this.#byKey.get(key);
    return content && { ...content, distance: found.distances[0]! };
  }

  /** Writes `<dir>/index.usearch` and `<dir>/meta.json` through temporary names, then renames. */
  async snapshot(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    const meta: SnapshotMeta = {
      version: 1,
      model: this.model,
      dimension: this.dimension,
      position: this.position,
      entries: [...this.#byKey].map(([key, c]) => ({ key: String(key), ...c })),
    };
    this.#index.save(join(dir, 'index.usearch.tmp'));
    await writeFile(join(dir, 'meta.json.tmp'), JSON.stringify(meta));
    // The graph first: a crash between the renames leaves a newer graph with older entries, whose
    // extra vectors have no entry and are never returned; the feeder re-reads from the older position.
    await rename(join(dir, 'index.usearch.tmp'), join(dir, 'index.usearch'));
    await rename(join(dir, 'meta.json.tmp'), join(dir, 'meta.json'));
  }

  /**
   * The index saved in `dir`, or an empty one when there is none or it is for another model or
   * dimension (a model change rebuilds from the topic).
   */
  static async restore(dir: string, model: string, dimension: number): Promise<NearDuplicateIndex> {
    const index = new NearDuplicateIndex(model, dimension);
    let meta: SnapshotMeta;
    try {
      meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as SnapshotMeta;
    } catch {
      return index;
    }
    if (meta.version !== 1 || meta.model !== model || meta.dimension !== dimension) return index;
    try {
      index.#index.load(join(dir, 'index.usearch'));
    } catch {
      await rm(join(dir, 'meta.json'), { force: true });
      return new NearDuplicateIndex(model, dimension);
    }
    for (const { key, ...content } of meta.entries) {
      const k = BigInt(key);
      index.#byKey.set(k, content);
      index.#keyOf.set(indexKey(content), k);
      if (k >= index.#nextKey) index.#nextKey = k + 1n;
    }
    // Vectors saved after the entries (see snapshot) would reuse keys: skip past them.
    index.#nextKey = BigInt(Math.max(Number(index.#nextKey), index.#index.size() + 1));
    index.position = meta.position;
    return index;
  }

  #check(vector: Float32Array): void {
    if (vector.length !== this.dimension) {
      throw new IntegrityError(
        'IW_EMBEDDING_INVALID',
        `${this.model}: vector of ${vector.length}, index holds ${this.dimension}`,
        {
          details: { model: this.model, length: vector.length, dimension: this.dimension },
        },
      );
    }
  }
}
