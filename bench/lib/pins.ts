import { randomUUID } from 'node:crypto';
import type { PinCreated } from '../../src/contracts/generated/pin-created.js';
import type { ImageVariant } from './image-variants.js';

const WORDS = [
  'blue',
  'ceramic',
  'vase',
  'lentil',
  'soup',
  'reading',
  'nook',
  'trail',
  'dawn',
  'watercolour',
  'garden',
  'tomato',
  'herbs',
  'kitchen',
  'linen',
  'oak',
  'shelf',
  'autumn',
  'bread',
  'sourdough',
  'free',
  'cheap',
  'offer',
  'click',
  'now',
  'win',
  'cash',
  'deal',
  'weekly',
  'money',
  'easy',
  'home',
];

/** A title and description that no other index gets (the text cache misses on first sight). */
export function pinText(i: number): { title: string; description: string; link: string | null } {
  const w = (k: number) => WORDS[(i * 7 + k * 13 + Math.floor(i / WORDS.length) * k) % WORDS.length]!;
  return {
    title: `${w(1)} ${w(2)} ${w(3)} no. ${i}`,
    description: `${w(4)} ${w(5)} ${w(6)} ${w(7)}, ${w(8)} ${w(9)} ${w(10)}. Item ${i.toString(36)}.`,
    link: i % 3 === 0 ? `https://shop.example.com/p/${i}?ref=${w(11)}` : null,
  };
}

/** A pin with an image of the image server and, when `textIndex` is given, that index's text. */
export function imagePin(
  variant: ImageVariant,
  url: string,
  textIndex: number | null,
  createdAt = Date.now(),
): PinCreated {
  const text = textIndex === null ? { title: null, description: null, link: null } : pinText(textIndex);
  return {
    eventId: randomUUID(),
    pinId: `pin-${randomUUID()}`,
    userId: 'bench',
    createdAt,
    ...text,
    image: { url, signature: variant.signature, width: null, height: null, mime: null },
    locale: 'en-US',
    video: null,
  };
}

export function textPin(textIndex: number, createdAt = Date.now()): PinCreated {
  return {
    eventId: randomUUID(),
    pinId: `pin-${randomUUID()}`,
    userId: 'bench',
    createdAt,
    ...pinText(textIndex),
    image: null,
    locale: 'en-US',
    video: null,
  };
}
