import { UNASSIGNED_RANGES } from './unicode-unassigned.generated.js';

export { UNICODE_VERSION } from './unicode-unassigned.generated.js';

interface RangeTable {
  starts: Uint32Array;
  ends: Uint32Array;
}

let table: RangeTable | undefined;

function ranges(): RangeTable {
  if (table) return table;
  const parts = UNASSIGNED_RANGES.split(',');
  const starts = new Uint32Array(parts.length);
  const ends = new Uint32Array(parts.length);
  parts.forEach((part, i) => {
    const [a, b] = part.split('-');
    starts[i] = parseInt(a ?? '', 16);
    ends[i] = parseInt(b ?? a ?? '', 16);
  });
  table = { starts, ends };
  return table;
}

/** True when `cp` is unassigned in the training Unicode version, or a surrogate. */
export function isUnassigned(cp: number): boolean {
  const { starts, ends } = ranges();
  let lo = 0;
  let hi = starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < starts[mid]!) hi = mid - 1;
    else if (cp > ends[mid]!) lo = mid + 1;
    else return true;
  }
  return false;
}

const NON_ASCII = /[\u0080-\uffff]/;

/**
 * Replaces code points unassigned in the training Unicode version (and lone surrogates) with
 * U+FFFD. Node's ICU knows a newer Unicode than the Python that trained the model; for code points
 * both know, NFKC, lowercasing and the Letter/Number classes agree, so this keeps them in step.
 */
export function replaceUnassigned(text: string): string {
  if (!NON_ASCII.test(text)) return text;
  let out = '';
  let last = 0;
  for (let i = 0; i < text.length;) {
    const cp = text.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    if (cp >= 0x80 && isUnassigned(cp)) {
      out += text.slice(last, i) + '\ufffd';
      last = i + width;
    }
    i += width;
  }
  return last === 0 ? text : out + text.slice(last);
}

/** Step 1-2 of `iw-text-hash-v1`: unassigned -> U+FFFD, NFKC, full lowercase. */
export function normalizeText(text: string): string {
  return replaceUnassigned(text).normalize('NFKC').toLowerCase();
}
