/**
 * The demo's stream: real photos and drawings (test/fixtures/images, served on loopback), normal and
 * spammy texts, re-pins of the same image (cache hits), text-only pins, broken images (UNSCORED with a
 * reason) and broken records (dead letters). Deterministic for a given count.
 */
import { randomUUID } from 'node:crypto';
import type { PinCreated } from '../../src/contracts/generated/pin-created.js';
import { SCORABLE_IMAGES } from '../../test/support/fixture-images.js';

export type DemoRecord =
  { kind: 'pin'; key: string; pin: PinCreated } | { kind: 'raw'; key: string; value: Buffer };

const PHOTOS = SCORABLE_IMAGES;
/** Paths on the demo image server (or refused URLs) that cannot give a scored image. */
const BROKEN_IMAGES = [
  '/images/bad-truncated.jpg', // IW_IMAGE_DECODE
  '/images/bad-text.jpg', // IW_IMAGE_UNSUPPORTED (sniffed)
  '/status/404', // IW_FETCH_HTTP_STATUS
  'http://10.0.0.1/private.jpg', // IW_FETCH_ADDRESS_REFUSED: refused before any connection
  'http://169.254.169.254/latest/meta-data', // the cloud metadata address, refused the same way
  '/images/odd-huge-20000x20000.png', // IW_IMAGE_TOO_LARGE (pixel cap)
];
export const NORMAL_TEXTS: [string, string][] = [
  ['Blue ceramic vase', 'Hand-thrown stoneware vase with a cobalt glaze, 30 cm tall.'],
  ['Weeknight lentil soup', 'Red lentils, cumin, lemon. Ready in 30 minutes, freezes well.'],
  ['Reading nook ideas', 'A window seat, two cushions and a small shelf for the current stack of books.'],
  ['Trail run at dawn', 'Eight kilometres along the ridge before the fog lifted.'],
  ['Watercolour practice', 'Wet-on-wet skies: let the paper do the blending.'],
  ['Garden planning', 'Tomatoes by the south wall, herbs near the kitchen door, beans on the trellis.'],
];
export const SPAM_TEXTS: [string, string, string][] = [
  [
    '$$$ MAKE MONEY FAST $$$',
    'Earn $5000 a week from home!!! No experience needed. Click now, limited offer, act today!!!',
    'http://cash-now.example.biz/join?ref=1',
  ],
  [
    'FREE VIAGRA CIALIS',
    'Cheap meds online, no prescription, lowest prices guaranteed. Order now and save 80%!!!',
    'http://pharma-deals.example.info/buy',
  ],
  [
    'You have WON',
    'Congratulations! You are our lucky winner. Send your bank details to claim your prize of $1,000,000.',
    'http://claim-prize.example.ru/',
  ],
  [
    'Lose 30 lbs in 30 days',
    'Miracle diet pill, doctors hate it. Remove your name from our list: reply REMOVE. Free trial!',
    'http://slim-fast-now.example.biz/',
  ],
];

export function samplePins(count: number, imageUrl: (path: string) => string): DemoRecord[] {
  const records: DemoRecord[] = [];
  for (let i = 0; i < count; i++) {
    const pinId = `demo-pin-${i}`;
    if (i % 25 === 7) {
      records.push({ kind: 'raw', key: pinId, value: brokenRecord(i) });
      continue;
    }
    const photo = PHOTOS[i % PHOTOS.length]!;
    const brokenImage = i % 20 === 3 ? BROKEN_IMAGES[Math.floor(i / 20) % BROKEN_IMAGES.length]! : undefined;
    const textOnly = i % 10 === 5;
    const [title, description, link] =
      i % 6 === 1 ? SPAM_TEXTS[i % SPAM_TEXTS.length]! : [...NORMAL_TEXTS[i % NORMAL_TEXTS.length]!, null];
    const url = brokenImage
      ? brokenImage.startsWith('http')
        ? brokenImage
        : imageUrl(brokenImage)
      : imageUrl(`/images/${photo}`);
    records.push({
      kind: 'pin',
      key: pinId,
      pin: {
        eventId: randomUUID(),
        pinId,
        userId: `demo-user-${i % 17}`,
        createdAt: Date.now(),
        title,
        description,
        link,
        // Every other re-pin carries the uploader's content signature: a cache hit before any download.
        image: textOnly
          ? null
          : {
              url,
              signature: !brokenImage && i % 2 === 0 ? `demo:${photo}` : null,
              width: null,
              height: null,
              mime: null,
            },
        locale: 'en-US',
        video: null,
      },
    });
  }
  return records;
}

/** Records the worker must dead-letter: not the wire format, an unknown schema id, a broken body. */
function brokenRecord(i: number): Buffer {
  switch (Math.floor(i / 25) % 3) {
    case 0:
      return Buffer.from('{"pinId": "json is not the wire format"}');
    case 1:
      return Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 2, 4, 6]); // magic byte, schema id 2147483632
    default:
      return Buffer.from([0]); // too short for a header
  }
}
