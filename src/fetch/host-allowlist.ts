/**
 * The hosts image URLs may name. Entries are exact host names (`i.example.com`), IP literals
 * (`127.0.0.1`, `[::1]`), suffix wildcards (`*.example.com`: any subdomain at any depth, not
 * `example.com` itself) or `*` (any host). Matching ignores case and one trailing dot. Allowing a host
 * never allows a refused address: the address policy still applies to what it resolves to.
 */
export class HostAllowlist {
  private readonly any: boolean;
  private readonly exact: ReadonlySet<string>;
  private readonly suffixes: readonly string[];

  /** Throws a TypeError for an empty entry or a wildcard anywhere but at the start. */
  constructor(entries: readonly string[]) {
    const exact = new Set<string>();
    const suffixes: string[] = [];
    let any = false;
    for (const raw of entries) {
      // Judge the wildcard before normalizing: `*.` must not shrink to `*` and allow everything.
      const trimmed = raw.trim();
      const entry = normalizeHost(trimmed);
      if (trimmed === '*') any = true;
      else if (/^\*\.[^*.]/.test(trimmed) && !entry.slice(1).includes('*')) suffixes.push(entry.slice(1));
      else if (entry !== '' && !entry.includes('*') && !entry.startsWith('.')) exact.add(entry);
      else throw new TypeError(`bad allowed host entry: ${JSON.stringify(raw)}`);
    }
    this.any = any;
    this.exact = exact;
    this.suffixes = suffixes;
  }

  /** `host` is a URL's `hostname` (IPv6 literals may keep their brackets). */
  allows(host: string): boolean {
    if (this.any) return true;
    const name = normalizeHost(host);
    if (name === '') return false;
    return this.exact.has(name) || this.suffixes.some((suffix) => name.endsWith(suffix));
  }
}

function normalizeHost(host: string): string {
  let name = host.trim().toLowerCase();
  if (name.startsWith('[') && name.endsWith(']')) name = name.slice(1, -1);
  if (name.includes(':')) return canonicalIPv6(name);
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

// URLs spell IPv6 literals canonically (`::ffff:7f00:1`); entries are compared in that form.
function canonicalIPv6(literal: string): string {
  try {
    return new URL(`http://[${literal}]/`).hostname.slice(1, -1);
  } catch {
    return literal;
  }
}
