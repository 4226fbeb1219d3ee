/** URL matcher of `iw-text-hash-v1`, applied to normalized (lowercased) text; ASCII only. */
export const URL_PATTERN = '(?:https?://|www\\.)[a-z0-9._~:/?#@!$&*+,;=%-]+';

const DOTTED_DIGITS = /^[0-9]+(?:\.[0-9]+)*$/;
const DIGITS = /^[0-9]+$/;

/** Feature strings for one URL match: `x:url`, `h:<host>`, then `x:ipurl` or `d:<domain>` + `t:<tld>`. */
export function urlTokens(match: string): string[] {
  const url = match.replace(/[.,:;!?]+$/, '');
  const scheme = url.indexOf('://');
  const rest = scheme >= 0 ? url.slice(scheme + 3) : url;
  let host = rest.split(/[/?#]/, 1)[0] ?? '';
  host = host.slice(host.lastIndexOf('@') + 1).split(':', 1)[0] ?? '';
  if (host.startsWith('www.')) host = host.slice(4);
  const tokens = ['x:url'];
  if (host === '') return tokens;
  tokens.push(`h:${host}`);
  if (DOTTED_DIGITS.test(host)) {
    tokens.push('x:ipurl');
    return tokens;
  }
  const labels = host.split('.');
  if (labels.length >= 2) tokens.push(`d:${labels.slice(-2).join('.')}`);
  tokens.push(`t:${labels[labels.length - 1]}`);
  return tokens;
}

/** A word as a feature token: over-long words collapse to `<long>`, ASCII digit runs to `<dN>`. */
export function wordToken(word: string, maxWordChars: number): string {
  // length counts UTF-16 units, an upper bound of the code-point count the spec uses.
  if (word.length > maxWordChars && [...word].length > maxWordChars) return '<long>';
  if (DIGITS.test(word)) return `<d${Math.min(word.length, 8)}>`;
  return word;
}
