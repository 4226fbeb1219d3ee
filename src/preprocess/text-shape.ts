/**
 * Shape features of `iw-text-hash-v2` (step 6 of training/text_spam/featurizer2.py, whose docstring
 * is the specification): evidence that holds for short spam whatever its words — money amounts,
 * handles, messaging apps, phone numbers, obfuscated or spaced-out words, all caps, styled letters,
 * and the shape of link hosts. Every pattern is ASCII or names code points explicitly, so Python's
 * `re` and JavaScript agree on it; each feature is emitted at most once per text.
 */
const MONEY =
  /[$€£¥₹] ?([0-9][0-9,.]*)|([0-9][0-9,.]*) ?(?:[$€£¥₹]|usd|eur|dollars|dollar|euros|euro|bucks)(?![a-z])/g;
const CURREP = /[$€£¥₹]{2,}/;
const MONEY_EMOJI = /[\u{1F4B0}\u{1F4B5}\u{1F4B8}\u{1F911}\u{1F4B2}\u{1F4B6}\u{1F4B7}]/u;
const HANDLE = /(?<![a-z0-9._])@[a-z0-9_][a-z0-9_.]{2,}/;
const MSGAPP = /(?<![a-z0-9])(?:telegram|whatsapp|wa\.me|t\.me|snapchat|wechat|viber|kik|zap)(?![a-z0-9])/;
const PHONE = /\+?[0-9][0-9 ().-]{8,}[0-9]/g;
const OBF = /[a-z][0-9@$!|€]+[a-z]/;
const SPACED = /(?<![a-z])(?:[a-z][ ._*-]){3,}[a-z](?![a-z])/;
const BANG = /!{3,}/;
const CAPS = /(?<![A-Za-z])[A-Z]{3,}(?![A-Za-z])/g;
const FANCY = /[\u{1D400}-\u{1D7FF}\u2100-\u214F\uFF21-\uFF3A\uFF41-\uFF5A\u24B6-\u24E9\u{1F130}-\u{1F189}]/u;
const WORD = /[\p{L}\p{N}]+/gu;
const NW_BUCKETS: readonly [number, string][] = [
  [0, '0'],
  [1, '1'],
  [2, '2'],
  [4, '3-4'],
  [8, '5-8'],
  [16, '9-16'],
];

/** The lists a v2 manifest carries (`shortener_hosts`, `odd_tlds`, `max_urls`, `max_words`). */
export interface ShapeSpec {
  shortener_hosts: readonly string[];
  odd_tlds: readonly string[];
  max_urls: number;
  max_words: number;
}

function digitCount(s: string): number {
  let n = 0;
  for (const ch of s) if (ch >= '0' && ch <= '9') n++;
  return n;
}

/** The host of a URL match, as v1's `urlTokens` finds it (scheme, userinfo, port, `www.` removed). */
export function urlHost(match: string): string {
  const url = match.replace(/[.,:;!?]+$/, '');
  const scheme = url.indexOf('://');
  const rest = scheme >= 0 ? url.slice(scheme + 3) : url;
  let host = rest.split(/[/?#]/, 1)[0] ?? '';
  host = host.slice(host.lastIndexOf('@') + 1).split(':', 1)[0] ?? '';
  return host.startsWith('www.') ? host.slice(4) : host;
}

/**
 * Shape feature strings of one text. `raw` is the text after the U+FFFD step, `nfkc` its NFKC form,
 * `norm` the lowercased NFKC form (what v1 reads); `urls` are v1's URL matches in `norm`.
 */
export function shapeStrings(
  raw: string,
  nfkc: string,
  norm: string,
  urls: readonly string[],
  spec: ShapeSpec,
): string[] {
  const out: string[] = [];
  const caps = [...nfkc.matchAll(CAPS)].length;
  if (caps >= 1) out.push('s:caps1');
  if (caps >= 3) out.push('s:caps3');
  if (FANCY.test(raw)) out.push('s:fancy');
  const money = [...norm.matchAll(MONEY)].map((m) => m[1] ?? m[2] ?? '');
  if (money.length > 0) {
    out.push('s:money');
    const big = money.some((n) => digitCount(n.replace(/[.,]+$/, '').replace(/[.,][0-9]{2}$/, '')) >= 4);
    if (big) out.push('s:money4');
  }
  for (const [name, rx] of [
    ['s:currep', CURREP],
    ['s:moneyemoji', MONEY_EMOJI],
    ['s:handle', HANDLE],
    ['s:msgapp', MSGAPP],
  ] as const) {
    if (rx.test(norm)) out.push(name);
  }
  if ([...norm.matchAll(PHONE)].some((m) => digitCount(m[0]) >= 10)) out.push('s:phone');
  for (const [name, rx] of [
    ['s:obf', OBF],
    ['s:spaced', SPACED],
    ['s:bang3', BANG],
  ] as const) {
    if (rx.test(norm)) out.push(name);
  }
  const flags: string[] = [];
  for (const url of urls.slice(0, spec.max_urls)) {
    const host = urlHost(url);
    if (host === '') continue;
    const labels = host.split('.');
    const checks: [string, boolean][] = [
      ['u:short', spec.shortener_hosts.includes(host)],
      ['u:oddtld', spec.odd_tlds.includes(labels[labels.length - 1]!)],
      ['u:hyphens', host.split('-').length - 1 >= 2],
      ['u:digits', digitCount(host) > 0],
      ['u:deep', labels.length >= 4],
      ['u:puny', host.includes('xn--')],
    ];
    for (const [name, ok] of checks) if (ok && !flags.includes(name)) flags.push(name);
  }
  out.push(...flags);
  let words = 0;
  for (const _ of norm.matchAll(WORD)) if (++words >= spec.max_words) break;
  out.push(`s:nw${NW_BUCKETS.find(([hi]) => words <= hi)?.[1] ?? '17+'}`);
  return out;
}
