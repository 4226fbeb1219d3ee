import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { SNIFF_BYTES, sniffImageType } from '../../../src/fetch/sniff-image-type.js';

const pixel = () => sharp({ create: { width: 4, height: 4, channels: 3, background: '#c33' } });

function ftyp(major: string, ...compatible: string[]): Buffer {
  const brands = [major, '\0\0\0\0', ...compatible].join('');
  const box = Buffer.alloc(8 + brands.length);
  box.writeUInt32BE(box.length, 0);
  box.write('ftyp', 4, 'latin1');
  box.write(brands, 8, 'latin1');
  return Buffer.concat([box, Buffer.alloc(32)]);
}

function bmp(dibSize: number): Buffer {
  const header = Buffer.alloc(54);
  header.write('BM', 0, 'latin1');
  header.writeUInt32LE(54, 2);
  header.writeUInt32LE(dibSize, 14);
  return header;
}

describe('sniffImageType', () => {
  it.each([
    ['jpeg', 'image/jpeg'],
    ['png', 'image/png'],
    ['gif', 'image/gif'],
    ['webp', 'image/webp'],
    ['avif', 'image/avif'],
    ['tiff', 'image/tiff'],
  ] as const)('recognizes %s written by sharp', async (format, mime) => {
    const bytes = await pixel().toFormat(format).toBuffer();
    expect(sniffImageType(bytes)).toBe(mime);
    expect(sniffImageType(bytes.subarray(0, SNIFF_BYTES))).toBe(mime);
  });

  it.each([
    ['avif major brand', ftyp('avif', 'mif1', 'miaf'), 'image/avif'],
    ['avif as compatible brand', ftyp('mif1', 'miaf', 'avif'), 'image/avif'],
    ['avif sequence', ftyp('avis', 'msf1'), 'image/avif'],
    ['heic', ftyp('heic', 'mif1', 'heic'), 'image/heic'],
    ['heic behind mif1', ftyp('mif1', 'heic'), 'image/heic'],
    ['generic heif', ftyp('mif1', 'miaf'), 'image/heif'],
    ['big-endian tiff', Buffer.from([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8]), 'image/tiff'],
    ['BigTIFF', Buffer.from([0x49, 0x49, 0x2b, 0x00, 8, 0, 0, 0]), 'image/tiff'],
    ['bmp v3', bmp(40), 'image/bmp'],
    ['bmp v5', bmp(124), 'image/bmp'],
    ['gif87a', Buffer.from('GIF87a\x01\x00\x01\x00', 'latin1'), 'image/gif'],
  ])('recognizes %s', (_name, bytes, mime) => {
    expect(sniffImageType(bytes)).toBe(mime);
  });

  it.each([
    [
      'svg',
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><image href="http://169.254.169.254/"/></svg>'),
    ],
    [
      'svg with xml prolog',
      Buffer.from('<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg/>'),
    ],
    ['html', Buffer.from('<!doctype html><html><body>not an image</body></html>')],
    ['json', Buffer.from('{"image":"no"}')],
    ['empty', Buffer.alloc(0)],
    ['truncated png signature', Buffer.from([0x89, 0x50, 0x4e, 0x47])],
    ['two bytes of jpeg', Buffer.from([0xff, 0xd8])],
    ['mp4 (ftyp isom)', ftyp('isom', 'iso2', 'mp41')],
    ['quicktime', ftyp('qt  ')],
    ['RIFF wave', Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt ', 'latin1')],
    ['BM followed by text', Buffer.from('BMW is a car maker, not a bitmap')],
    ['pdf', Buffer.from('%PDF-1.7\n')],
    ['gzip', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0])],
    ['ico', Buffer.from([0, 0, 1, 0, 1, 0, 16, 16])],
  ])('refuses %s', (_name, bytes) => {
    expect(sniffImageType(bytes)).toBeUndefined();
  });
});
