/**
 * A lexical signature of a pin's text for near-duplicate search (`text.near_duplicate`): the text is
 * normalized the way spammers' re-posts differ (Unicode compatibility forms, case, Cyrillic and Greek
 * look-alikes, leet digits, links, @handles, hashtags, emoji and punctuation dropped), cut into
 * character 4-grams, and the 4-gram counts are hashed (FNV-1a) into {@link TEXT_SIGNATURE_DIMENSION}
 * buckets, L2-normalized: cosine distance of two signatures is then near 0 for the same words with
 * small edits, and the vector goes into the same usearch cosine index as the embeddings. It costs
 * microseconds per pin and no model (scripts/neighbours/evaluate-text.ts compares it with MiniLM).
 */

/** The signature's "model": its id goes on the ContentEmbedding like a model's name and version. */
export const TEXT_SIGNATURE_MODEL = { name: 'text-signature', version: '1' } as const;
/** The output name of the signature's vectors (ContentEmbedding `output`). */
export const TEXT_SIGNATURE_OUTPUT = 'char4-hashed';
export const TEXT_SIGNATURE_DIMENSION = 512;
/**
 * The cosine distance within which a signature is a near-duplicate: just under the closest false
 * match on the calibration half of scripts/neighbours/evaluate-text.ts (0.2052 measured).
 */
export const TEXT_SIGNATURE_MAX_DISTANCE = 0.2;
const GRAM = 4;

const LOOKALIKE: Record<string, string> = {
  а: 'a',
  е: 'e',
  о: 'o',
  р: 'p',
  с: 'c',
  х: 'x',
  у: 'y',
  і: 'i',
  ј: 'j',
  ѕ: 's',
  к: 'k',
  м: 'm',
  н: 'h',
  т: 't',
  в: 'b',
  ο: 'o',
  α: 'a',
  ε: 'e',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
};

/** The normalized text the signature is built from ('' when nothing but links, tags or symbols). */
export function normalizeForSignature(text: string): string {
  const folded = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\b(?:https?:\/\/|www\.)\S*/gu, ' ')
    .replace(/(?:^|\s)[@#][\p{L}\p{N}_.]+/gu, ' ')
    // Thousands separators and decimals: "1,000" and "1.5" stay one number.
    .replace(/(\d)[.,](?=\d)/gu, '$1');
  let out = '';
  for (const c of folded) out += LOOKALIKE[c] ?? (/[\p{L}\p{N}]/u.test(c) ? c : ' ');
  // Leet digits (0 1 3 4 5 7) were folded to letters above; a run of the others is one number.
  return out.replace(/\d+/gu, '#').replace(/\s+/gu, ' ').trim();
}

/**
 * The unit signature vector of a text, or null when its normalized text is shorter than one 4-gram
 * (nothing to compare: no near-duplicate can be claimed).
 */
export function textSignature(text: string): Float32Array | null {
  const chars = [...` ${normalizeForSignature(text)} `];
  if (chars.length - 2 < GRAM) return null;
  const vector = new Float32Array(TEXT_SIGNATURE_DIMENSION);
  for (let i = 0; i + GRAM <= chars.length; i++) {
    let h = 0x811c9dc5;
    for (let k = i; k < i + GRAM; k++) {
      const code = chars[k]!.codePointAt(0)!;
      h = Math.imul(h ^ (code & 0xffff), 0x01000193);
      if (code > 0xffff) h = Math.imul(h ^ (code >>> 16), 0x01000193);
    }
    vector[(h >>> 0) % TEXT_SIGNATURE_DIMENSION]! += 1;
  }
  let norm = 0;
  for (const v of vector) norm += v * v;
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < vector.length; i++) vector[i]! *= scale;
  return vector;
}
