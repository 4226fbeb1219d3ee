/**
 * An approximate nearest-neighbour index (usearch HNSW, cosine; vectors stored as float32, or float16
 * or int8 to save memory: {@link IndexScalar}) of the embeddings of flagged
 * content, for one model output. Keys are content keys, and for a video's frames the content key and
 * the frame index ({@link indexKey}): adding a key again replaces its decision (the latest record
 * wins, the order of the embeddings topic), never a second vector. A frame's match names the video's
 * content key and pin with the frame. Snapshots
 * hold the HNSW graph, the entries and the topic position they reflect, written atomically, so a
 * restart reads only what came after.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import usearch, { type Index, type ScalarKind } from 'usearch';
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
  /** The `k` nearest indexed contents, nearest first (fewer when fewer are indexed). */
  nearestMany(vector: Float32Array, k: number): NearestMatch[];
}

/** Partition -> the next offset to read, as decimal strings (Kafka offsets exceed 2^53 in theory). */
export type TopicPosition = Record<number, string>;

/**
 * How the index stores each vector component: f32 (4 bytes), f16 (2 bytes) or i8 (1 byte). Queries
 * come in as float32 either way; distances are computed on the stored form.
 */
export const INDEX_SCALARS = ['f32', 'f16', 'i8'] as const;
export type IndexScalar = (typeof INDEX_SCALARS)[number];

const USEARCH_SCALAR: Record<IndexScalar, ScalarKind> = {
  f32: usearch.ScalarKind.F32,
  f16: usearch.ScalarKind.F16,
  i8: usearch.ScalarKind.I8,
};

/**
 * Version 2 records the scalar kind; a version 1 snapshot (before the option existed) holds f32.
 * usearch's own file header records the kind too, and its `load` silently takes the file's kind over
 * the index's, so the kind is checked here from the meta before the graph is loaded.
 */
interface SnapshotMeta {
  version: 1 | 2;
  model: string;
  dimension: number;
  scalar?: IndexScalar;
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
  /** Set by {@link restore} when a snapshot of this kind was left unloaded: its scalar kind. */
  discardedScalar?: string;

  constructor(
    readonly model: string,
    readonly dimension: number,
    readonly scalar: IndexScalar = 'f32',
  ) {
    this.#index = NearDuplicateIndex.#create(dimension, scalar);
  }

  static #create(dimension: number, scalar: IndexScalar): Index {
    // expansion_search 64: recall@1 1.0 on 20k random vectors where the default (16) loses some.
    return new usearch.Index({
      dimensions: dimension,
      metric: usearch.MetricKind.Cos,
      quantization: USEARCH_SCALAR[scalar],
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

  /**
   * Adds many new contents at once: `vectors` holds their vectors one after another
   * (`contents.length * dimension` floats), inserted by usearch on `threads` threads (0: one per
   * core). For a bulk build (a bench, a rebuild); a content key already indexed is re-decided as by
   * {@link upsert}, and its vector is not added again. A build on several threads is not
   * deterministic and links a few nodes poorly (concurrent HNSW insertion): on 200 vectors, 3-4 of
   * 2,000 exact-vector queries missed on two threads, 0 on one. `bench:index-million` measures recall@1.
   */
  upsertMany(contents: readonly IndexedContent[], vectors: Float32Array, threads = 0): void {
    if (vectors.length !== contents.length * this.dimension) {
      throw new IntegrityError(
        'IW_EMBEDDING_INVALID',
        `${this.model}: ${vectors.length} floats for ${contents.length} vectors of ${this.dimension}`,
        { details: { model: this.model, length: vectors.length, dimension: this.dimension } },
      );
    }
    // Keys are given before the vectors are added, so that a content repeated in the batch is one vector.
    const fresh: number[] = [];
    const keys: bigint[] = [];
    for (const [i, content] of contents.entries()) {
      const id = indexKey(content);
      const known = this.#keyOf.get(id);
      if (known === undefined) {
        const key = this.#nextKey++;
        this.#keyOf.set(id, key);
        fresh.push(i);
        keys.push(key);
      }
      this.#byKey.set(known ?? keys.at(-1)!, content);
    }
    if (fresh.length === 0) return;
    const d = this.dimension;
    let matrix = vectors;
    if (fresh.length !== contents.length) {
      matrix = new Float32Array(fresh.length * d);
      fresh.forEach((i, k) => matrix.set(vectors.subarray(i * d, (i + 1) * d), k * d));
    }
    this.#index.add(BigUint64Array.from(keys), matrix, threads);
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

  /** The `k` nearest indexed contents, nearest first (fewer when fewer are indexed). */
  nearestMany(vector: Float32Array, k: number): NearestMatch[] {
    this.#check(vector);
    if (this.#byKey.size === 0 || k < 1) return [];
    const found = this.#index.search(vector, Math.min(k, this.#byKey.size), 1);
    const matches: NearestMatch[] = [];
    found.keys.forEach((key, i) => {
      const content = this.#byKey.get(key);
      if (content) matches.push({ ...content, distance: found.distances[i]! });
    });
    return matches.sort((a, b) => a.distance - b.distance);
  }

  /** Writes `<dir>/index.usearch` and `<dir>/meta.json` through temporary names, then renames. */
  async snapshot(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    const meta: SnapshotMeta = {
      version: 2,
      model: this.model,
      dimension: this.dimension,
      scalar: this.scalar,
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
   * dimension (a model change rebuilds from the topic). A snapshot of another scalar kind than
   * `scalar` is not loaded either (usearch would serve the file's kind, not the configured one): the
   * index starts empty and rebuilds from the topic like after a model change, and `discardedScalar`
   * names the snapshot's kind so the caller can log it (IW_INDEX_SNAPSHOT_MISMATCH). A worker upgraded
   * to another default therefore starts and converges; it never refuses to start over a cache.
   */
  static async restore(
    dir: string,
    model: string,
    dimension: number,
    scalar: IndexScalar = 'f32',
  ): Promise<NearDuplicateIndex> {
    const index = new NearDuplicateIndex(model, dimension, scalar);
    let meta: SnapshotMeta;
    try {
      meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as SnapshotMeta;
    } catch {
      return index;
    }
    if ((meta.version !== 1 && meta.version !== 2) || meta.model !== model || meta.dimension !== dimension)
      return index;
    const saved = meta.version === 1 ? 'f32' : meta.scalar;
    if (saved !== scalar) {
      index.discardedScalar = String(saved);
      return index;
    }
    try {
      index.#index.load(join(dir, 'index.usearch'));
    } catch {
      await rm(join(dir, 'meta.json'), { force: true });
      return new NearDuplicateIndex(model, dimension, scalar);
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
