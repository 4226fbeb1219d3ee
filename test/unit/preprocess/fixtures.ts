import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

export const FIXTURES = path.resolve('test/fixtures/images');
export const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(path.join(FIXTURES, name)));
export const photoNames = (): string[] => readdirSync(FIXTURES).filter((f) => f.startsWith('photo-'));
export const NSFWJS_SPEC = {
  kind: 'image',
  width: 224,
  height: 224,
  resize: 'bilinear-align-corners',
  channels: 'RGB',
  scale: 1 / 255,
  mean: [0, 0, 0],
  std: [1, 1, 1],
} as const;
