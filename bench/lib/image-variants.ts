import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { FIXTURE_IMAGES_DIR } from '../../test/support/image-server.js';

export interface ImageVariant {
  /** File name under the image server's /images/ route. */
  readonly name: string;
  readonly bytes: Buffer;
  /** `sha256:<hex>` of the bytes, as the pin service would send it upstream. */
  readonly signature: string;
  readonly source: string;
}

/** A small deterministic generator (mulberry32), so a run's variants are reproducible from its seed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` images with pairwise different bytes, made from the fixture photos (photo-*): each is a crop
 * of 80-100 % of a photo's width and height at a random offset, re-encoded in the photo's own format
 * (JPEG at quality 80-92, PNG as PNG), so sizes and decode costs stay those of the photos. Every
 * variant's bytes hash differently, which is what "cold cache" needs.
 */
export async function makeImageVariants(count: number, seed = 1): Promise<ImageVariant[]> {
  const names = (await readdir(FIXTURE_IMAGES_DIR)).filter((f) => /^photo-.*\.(jpg|png)$/.test(f)).sort();
  const sources = await Promise.all(
    names.map(async (name) => {
      const bytes = await readFile(join(FIXTURE_IMAGES_DIR, name));
      const meta = await sharp(bytes).metadata();
      return { name, bytes, width: meta.width!, height: meta.height!, png: name.endsWith('.png') };
    }),
  );
  const rand = random(seed);
  const seen = new Set<string>();
  const out: ImageVariant[] = [];
  const make = async (i: number): Promise<ImageVariant> => {
    const src = sources[i % sources.length]!;
    for (;;) {
      const width = Math.max(32, Math.round(src.width * (0.8 + 0.2 * rand())));
      const height = Math.max(32, Math.round(src.height * (0.8 + 0.2 * rand())));
      const left = Math.floor(rand() * (src.width - width + 1));
      const top = Math.floor(rand() * (src.height - height + 1));
      const cropped = sharp(src.bytes).extract({ left, top, width, height });
      const bytes = src.png
        ? await cropped.png({ compressionLevel: 6 }).toBuffer()
        : await cropped.jpeg({ quality: 80 + Math.floor(rand() * 13) }).toBuffer();
      const hex = createHash('sha256').update(bytes).digest('hex');
      if (seen.has(hex)) continue;
      seen.add(hex);
      const ext = src.png ? 'png' : 'jpg';
      return { name: `v${i}.${ext}`, bytes, signature: `sha256:${hex}`, source: src.name };
    }
  };
  // A few at a time: sharp runs each on libuv's pool.
  for (let i = 0; i < count; i += 8) {
    const chunk = await Promise.all(
      Array.from({ length: Math.min(8, count - i) }, (_, k) => i + k).map((k) => make(k)),
    );
    out.push(...chunk);
  }
  return out;
}

/**
 * `count` JPEGs of exactly `width` x `height` with pairwise different bytes: a random crop of a
 * fixture photo (photo-*) with the target's aspect ratio, covering 70-100 % of the photo's shorter
 * fit, resized (lanczos3; upscaled when the photo is smaller) and encoded at quality 80-92. For
 * `npm run bench:growth`, where image size is the variable: small, typical and 4k pins.
 */
export async function makeSizedVariants(
  count: number,
  width: number,
  height: number,
  seed = 1,
): Promise<ImageVariant[]> {
  const names = (await readdir(FIXTURE_IMAGES_DIR)).filter((f) => /^photo-.*\.(jpg|png)$/.test(f)).sort();
  const sources = await Promise.all(
    names.map(async (name) => {
      const bytes = await readFile(join(FIXTURE_IMAGES_DIR, name));
      const meta = await sharp(bytes).metadata();
      return { name, bytes, width: meta.width!, height: meta.height! };
    }),
  );
  const rand = random(seed);
  const seen = new Set<string>();
  const make = async (i: number): Promise<ImageVariant> => {
    const src = sources[i % sources.length]!;
    // The largest crop of the target's aspect ratio that fits the photo, then 70-100 % of it.
    const fit = Math.min(src.width / width, src.height / height);
    for (;;) {
      const share = 0.7 + 0.3 * rand();
      const w = Math.max(8, Math.floor(width * fit * share));
      const h = Math.max(8, Math.floor(height * fit * share));
      const left = Math.floor(rand() * (src.width - w + 1));
      const top = Math.floor(rand() * (src.height - h + 1));
      const bytes = await sharp(src.bytes)
        .extract({ left, top, width: w, height: h })
        .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
        .toColourspace('srgb')
        .jpeg({ quality: 80 + Math.floor(rand() * 13) })
        .toBuffer();
      const hex = createHash('sha256').update(bytes).digest('hex');
      if (seen.has(hex)) continue;
      seen.add(hex);
      return { name: `s${width}x${height}-${i}.jpg`, bytes, signature: `sha256:${hex}`, source: src.name };
    }
  };
  const out: ImageVariant[] = [];
  for (let i = 0; i < count; i += 4) {
    out.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(4, count - i) }, (_, k) => i + k).map((k) => make(k)),
      )),
    );
  }
  return out;
}
