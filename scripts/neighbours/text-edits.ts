/**
 * Edits the way spammers re-post a text that was taken down (for the text near-duplicate
 * evaluation): each takes the pin's fields and a seeded random source and returns the edited fields.
 */
export interface PinFields {
  title: string;
  description: string;
  link: string;
}
export type TextEdit = (pin: PinFields, rand: () => number) => PinFields;

/** A small deterministic PRNG in [0, 1) (mulberry32, the bench variants' own). */
export { random as seeded } from '../../bench/lib/image-variants.js';

const pick = <T>(xs: readonly T[], rand: () => number): T => xs[Math.floor(rand() * xs.length)]!;
const words = (s: string) => s.split(/(\s+)/);

/** Applies `f` to the description, or to the title when the description is empty. */
function onBody(pin: PinFields, f: (s: string) => string): PinFields {
  return pin.description.trim() !== ''
    ? { ...pin, description: f(pin.description) }
    : { ...pin, title: f(pin.title) };
}

function typos(s: string, rand: () => number): string {
  const chars = [...s];
  for (let n = 0; n < 2; n++) {
    const letters = chars.flatMap((c, i) => (/\p{L}/u.test(c) ? [i] : []));
    if (letters.length < 2) break;
    const i = pick(letters, rand);
    const r = rand();
    if (r < 0.33) chars.splice(i, 1);
    else if (r < 0.66) chars.splice(i, 0, chars[i]!);
    else if (i + 1 < chars.length) [chars[i], chars[i + 1]] = [chars[i + 1]!, chars[i]!];
  }
  return chars.join('');
}

function wordIndexes(parts: string[]): number[] {
  return parts.flatMap((p, i) => (p.trim() !== '' ? [i] : []));
}

const FILLER = ['now', 'today', 'really', 'just', 'free', 'new', 'best', 'all', 'here', 'guys'];
const EMOJI = ['🔥', '💰', '✅', '👉', '😍', '🎁', '💯', '🚀', '❤️', '✨'];
const TAGS = ['#fyp', '#viral', '#deal', '#trending', '#love', '#instagood', '#money', '#free'];
const LINES = [
  'Limited time only!',
  'DM me for details',
  'link in bio',
  'Share with friends 🙏',
  'Follow for more',
];
const HOMOGLYPH: Record<string, string> = { a: 'а', e: 'е', o: 'о', p: 'р', c: 'с', x: 'х', i: 'і' };
const LEET: Record<string, string> = { a: '4', e: '3', i: '1', o: '0', s: '5', t: '7' };

export const TEXT_EDITS: Record<string, TextEdit> = {
  typos: (pin, rand) => onBody(pin, (s) => typos(s, rand)),
  swapWords: (pin, rand) =>
    onBody(pin, (s) => {
      const parts = words(s);
      const idx = wordIndexes(parts);
      if (idx.length < 2) return s;
      const k = Math.floor(rand() * (idx.length - 1));
      const [i, j] = [idx[k]!, idx[k + 1]!];
      [parts[i], parts[j]] = [parts[j]!, parts[i]!];
      return parts.join('');
    }),
  insertWord: (pin, rand) =>
    onBody(pin, (s) => {
      const parts = s.split(' ');
      parts.splice(Math.floor(rand() * (parts.length + 1)), 0, pick(FILLER, rand));
      return parts.join(' ');
    }),
  deleteWord: (pin, rand) =>
    onBody(pin, (s) => {
      const parts = s.split(' ');
      if (parts.length < 4) return s;
      parts.splice(Math.floor(rand() * parts.length), 1);
      return parts.join(' ');
    }),
  emojiHashtags: (pin, rand) => ({
    ...pin,
    title: `${pick(EMOJI, rand)} ${pin.title} ${pick(EMOJI, rand)}`,
    description: `${pin.description} ${pick(TAGS, rand)} ${pick(TAGS, rand)}`.trim(),
  }),
  caseChange: (pin, rand) =>
    rand() < 0.5
      ? { ...pin, title: pin.title.toUpperCase() }
      : { ...pin, title: pin.title.toLowerCase(), description: pin.description.toUpperCase() },
  punctuation: (pin) => ({
    ...pin,
    title: `${pin.title.replace(/[.,!?:]/g, '')}!!!`,
    description: pin.description
      .replace(/ /g, (m, i: number) => (i % 3 === 0 ? ', ' : m))
      .replace(/\.$/, '...'),
  }),
  changedLink: (pin, rand) => {
    const id = Math.floor(rand() * 1e6).toString(36);
    const handle = (s: string) => s.replace(/@\w+/g, `@${id}`);
    const link =
      pin.link.trim() === ''
        ? `https://bit.ly/${id}`
        : pin.link.replace(/\/\/([^/]+)(.*)$/, `//$1-${id}.com/${id}`);
    return { title: handle(pin.title), description: handle(pin.description), link };
  },
  numbers: (pin, rand) => {
    const n = (s: string) => s.replace(/\d+/g, (d) => String(Number(d) + 1 + Math.floor(rand() * 9)));
    const changed = { title: n(pin.title), description: n(pin.description), link: pin.link };
    return /\d/.test(pin.title + pin.description)
      ? changed
      : onBody(changed, (s) => `${s} ${2 + Math.floor(rand() * 97)}`);
  },
  swapTitleDescription: (pin) =>
    pin.description.trim() === ''
      ? { ...pin, title: '', description: pin.title }
      : { ...pin, title: pin.description, description: pin.title },
  appendLine: (pin, rand) => ({ ...pin, description: `${pin.description}\n${pick(LINES, rand)}`.trim() }),
  homoglyphs: (pin, rand) =>
    onBody(pin, (s) => [...s].map((c) => (HOMOGLYPH[c] && rand() < 0.5 ? HOMOGLYPH[c] : c)).join('')),
  leet: (pin, rand) =>
    onBody(pin, (s) => [...s].map((c) => (LEET[c] && rand() < 0.4 ? LEET[c] : c)).join('')),
  /** Three edits at once: a typo, an inserted word and a changed link. */
  combined: (pin, rand) =>
    TEXT_EDITS.changedLink!(TEXT_EDITS.insertWord!(TEXT_EDITS.typos!(pin, rand), rand), rand),
};
