/**
 * The served image embeddings (image-safety@1's `embedding` output, L2-normalised: ReLU-pooled, so
 * non-negative) of the near-duplicate evaluation's photos (the fixture photos and the extra benign
 * photos of scripts/neighbours/fetch-eval-photos.sh) and of their edited copies
 * (scripts/neighbours/transforms.ts), the same data as scripts/neighbours/evaluate.ts. Cached in the
 * download cache keyed by the model's sha256, so a second bench run does not embed again.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { EMBEDDING_NAME } from '../../scripts/models/image-safety-build.js';
import { SPEC } from '../../scripts/neighbours/image-embedders.js';
import { TRANSFORMS } from '../../scripts/neighbours/transforms.js';
import { l2Normalize } from '../../src/neighbours/vector-math.js';
import { preprocessImage } from '../../src/preprocess/image-tensor.js';

export interface ServedEmbeddings {
  readonly model: string;
  readonly photos: {
    readonly name: string;
    readonly set: 'fixture' | 'extra';
    readonly vector: Float32Array;
  }[];
  /** Edited copies: which photo, which edit. */
  readonly copies: { readonly photo: number; readonly transform: string; readonly vector: Float32Array }[];
}

export async function servedEmbeddings(log: (line: string) => void = () => {}): Promise<ServedEmbeddings> {
  const manifest = JSON.parse(readFileSync('models/image-safety/1/manifest.json', 'utf8')) as {
    sha256: string;
  };
  const cacheDir = path.join(
    process.env.IW_CACHE_DIR ?? path.join(homedir(), '.cache/integrity-worker'),
    'index-bench',
  );
  const cacheFile = path.join(
    cacheDir,
    `served-${manifest.sha256.slice(0, 16)}-${Object.keys(TRANSFORMS).length}.json`,
  );
  const fixtures = 'test/fixtures/images';
  const extraDir = execFileSync('bash', ['scripts/neighbours/fetch-eval-photos.sh']).toString().trim();
  const photos = [
    ...readdirSync(fixtures)
      .filter((f) => f.startsWith('photo-'))
      .sort()
      .map((name) => ({ name, set: 'fixture' as const, file: path.join(fixtures, name) })),
    ...readdirSync(extraDir)
      .filter((f) => f.endsWith('.png'))
      .sort()
      .map((name) => ({ name, set: 'extra' as const, file: path.join(extraDir, name) })),
  ];
  type Stored = {
    model: string;
    photos: { name: string; set: 'fixture' | 'extra'; vector: number[] }[];
    copies: { photo: number; transform: string; vector: number[] }[];
  };
  if (existsSync(cacheFile)) {
    const stored = JSON.parse(readFileSync(cacheFile, 'utf8')) as Stored;
    if (stored.photos.map((p) => p.name).join() === photos.map((p) => p.name).join()) {
      return {
        model: stored.model,
        photos: stored.photos.map((p) => ({ ...p, vector: Float32Array.from(p.vector) })),
        copies: stored.copies.map((c) => ({ ...c, vector: Float32Array.from(c.vector) })),
      };
    }
  }
  const session = await ort.InferenceSession.create(readFileSync('models/image-safety/1/model.onnx'), {
    intraOpNumThreads: 2,
    interOpNumThreads: 1,
  });
  const embed = async (bytes: Uint8Array) => {
    const x = new Float32Array(224 * 224 * 3);
    await preprocessImage(bytes, SPEC, { maxPixels: 50e6 }, x, 0);
    const out = await session.run({ input: new ort.Tensor('float32', x, [1, 224, 224, 3]) });
    return l2Normalize(Float32Array.from(out[EMBEDDING_NAME]!.data as Float32Array));
  };
  const result: Stored = { model: `image-safety@1 sha256:${manifest.sha256}`, photos: [], copies: [] };
  for (const [i, p] of photos.entries()) {
    const bytes = readFileSync(p.file);
    result.photos.push({ name: p.name, set: p.set, vector: [...(await embed(bytes))] });
    for (const [transform, edit] of Object.entries(TRANSFORMS))
      result.copies.push({ photo: i, transform, vector: [...(await embed(await edit(bytes)))] });
    log(`embedded ${i + 1}/${photos.length} photos and their edits`);
  }
  await session.release();
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(cacheFile, JSON.stringify(result));
  return {
    model: result.model,
    photos: result.photos.map((p) => ({ ...p, vector: Float32Array.from(p.vector) })),
    copies: result.copies.map((c) => ({ ...c, vector: Float32Array.from(c.vector) })),
  };
}
