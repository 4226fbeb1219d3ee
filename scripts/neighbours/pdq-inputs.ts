/**
 * The shared vectors of the PDQ parity check: fixture photos and drawings, a few edited copies, and
 * synthetic images that reach the edge cases (flat -> quality 0, tiny, very wide).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { rgbPixels, TRANSFORMS } from './transforms.js';

export interface PdqInput {
  name: string;
  width: number;
  height: number;
  data: Uint8Array;
}

const FIXTURES = 'test/fixtures/images';

function synthetic(
  name: string,
  width: number,
  height: number,
  pixel: (x: number, y: number, c: number) => number,
): PdqInput {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = pixel(x, y, c);
  return { name, width, height, data };
}

export async function pdqInputs(): Promise<PdqInput[]> {
  const files = readdirSync(FIXTURES)
    .filter((f) => /^(photo|drawing)-/.test(f))
    .sort();
  const out: PdqInput[] = [];
  for (const file of files)
    out.push({ name: file, ...(await rgbPixels(readFileSync(path.join(FIXTURES, file)))) });
  for (const file of ['photo-coffee.jpg', 'photo-astronaut.jpg']) {
    for (const t of [
      'jpeg-q30',
      'resize-50',
      'crop-80-centre',
      'rotate-minus-5',
      'caption-strip',
      'flip-horizontal',
    ]) {
      out.push({
        name: `${file}~${t}`,
        ...(await rgbPixels(await TRANSFORMS[t]!(readFileSync(path.join(FIXTURES, file))))),
      });
    }
  }
  let s = 7;
  const noise = () => ((s = (s * 1103515245 + 12345) % 2147483648), s % 256);
  out.push(synthetic('flat-grey-64x64', 64, 64, () => 128));
  out.push(
    synthetic('gradient-300x200', 300, 200, (x, y, c) => (c === 0 ? x % 256 : c === 1 ? y : 255 - (x % 256))),
  );
  out.push(synthetic('noise-17x9', 17, 9, () => noise()));
  out.push(synthetic('noise-4x30', 4, 30, () => noise()));
  out.push(synthetic('stripes-1000x40', 1000, 40, (x) => (Math.floor(x / 25) % 2) * 255));
  out.push(
    synthetic('soft-blob-128x128', 128, 128, (x, y) =>
      Math.round(128 + 20 * Math.exp(-((x - 64) ** 2 + (y - 50) ** 2) / 800)),
    ),
  );
  return out;
}
