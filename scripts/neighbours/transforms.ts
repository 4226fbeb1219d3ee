/**
 * The edits abuse goes through before it is posted again, applied with sharp: each returns encoded
 * image bytes (JPEG unless said otherwise), deterministically for a given sharp/libvips.
 */
import sharp from 'sharp';

export type Transform = (input: Uint8Array) => Promise<Uint8Array>;

const jpeg = (s: sharp.Sharp, quality = 90) => s.jpeg({ quality, mozjpeg: false }).toBuffer();
// Transparency is flattened onto white first, as the worker's decode does (src/preprocess/image-decode.ts),
// so the edits start from what the worker sees, not from whatever colour the transparent pixels hold.
const base = (input: Uint8Array) =>
  sharp(input).rotate().flatten({ background: '#ffffff' }).toColourspace('srgb');

async function size(input: Uint8Array): Promise<{ width: number; height: number }> {
  const m = await base(input).toBuffer({ resolveWithObject: true });
  return { width: m.info.width, height: m.info.height };
}

async function crop(input: Uint8Array, keep: number, anchor: 'centre' | 'topleft'): Promise<Uint8Array> {
  const { width, height } = await size(input);
  const w = Math.round(width * keep);
  const h = Math.round(height * keep);
  const left = anchor === 'centre' ? Math.round((width - w) / 2) : 0;
  const top = anchor === 'centre' ? Math.round((height - h) / 2) : 0;
  return jpeg(base(input).extract({ left, top, width: w, height: h }));
}

async function rotate(input: Uint8Array, degrees: number): Promise<Uint8Array> {
  const { width, height } = await size(input);
  // Rotate, then cut the largest centred box free of the filled corners (~92% of each side at 5 degrees).
  const rad = (Math.abs(degrees) * Math.PI) / 180;
  const rotated = await base(input)
    .rotate(degrees, { background: '#000000' })
    .toBuffer({ resolveWithObject: true });
  const keep = 1 / (Math.cos(rad) + Math.sin(rad) * Math.max(width / height, height / width));
  const w = Math.floor(width * keep);
  const h = Math.floor(height * keep);
  return jpeg(
    sharp(rotated.data).extract({
      left: Math.floor((rotated.info.width - w) / 2),
      top: Math.floor((rotated.info.height - h) / 2),
      width: w,
      height: h,
    }),
  );
}

async function captionStrip(input: Uint8Array): Promise<Uint8Array> {
  const { width, height } = await size(input);
  const strip = Math.round(height * 0.15);
  const svg = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${strip}">` +
      `<rect width="100%" height="100%" fill="#000" fill-opacity="0.75"/>` +
      `<text x="50%" y="65%" font-family="sans-serif" font-size="${Math.round(strip * 0.5)}" fill="#fff" text-anchor="middle">BUY NOW at example.com</text></svg>`,
  );
  return jpeg(base(input).composite([{ input: svg, top: height - strip, left: 0 }]));
}

/** Name -> transform; the evaluation and the PDQ reference vectors share this list. */
export const TRANSFORMS: Readonly<Record<string, Transform>> = {
  'jpeg-q90': (i) => jpeg(base(i), 90),
  'jpeg-q70': (i) => jpeg(base(i), 70),
  'jpeg-q50': (i) => jpeg(base(i), 50),
  'jpeg-q30': (i) => jpeg(base(i), 30),
  'resize-50': async (i) => {
    const { width } = await size(i);
    return jpeg(base(i).resize({ width: Math.round(width / 2) }));
  },
  'resize-50-jpeg-q70': async (i) => {
    const { width } = await size(i);
    return jpeg(base(i).resize({ width: Math.round(width / 2) }), 70);
  },
  'crop-90-centre': (i) => crop(i, 0.9, 'centre'),
  'crop-85-topleft': (i) => crop(i, 0.85, 'topleft'),
  'crop-80-centre': (i) => crop(i, 0.8, 'centre'),
  'rotate-3': (i) => rotate(i, 3),
  'rotate-minus-5': (i) => rotate(i, -5),
  'brightness-120': (i) => jpeg(base(i).modulate({ brightness: 1.2 })),
  'brightness-80': (i) => jpeg(base(i).modulate({ brightness: 0.8 })),
  'caption-strip': captionStrip,
  'flip-horizontal': (i) => jpeg(base(i).flop()),
};

/** Full-size 8-bit RGB pixels of encoded bytes (EXIF orientation applied). */
export async function rgbPixels(
  input: Uint8Array,
): Promise<{ data: Uint8Array; width: number; height: number }> {
  const { data, info } = await base(input).raw().toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
  };
}
