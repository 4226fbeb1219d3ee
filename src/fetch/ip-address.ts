import { isIPv4, isIPv6 } from 'node:net';

/** An IP address as a number, so that ranges are compared with plain arithmetic. */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly value: bigint;
}

/** A CIDR block: every address whose first `prefix` bits equal those of `base`. */
export interface IpRange {
  readonly family: 4 | 6;
  readonly base: bigint;
  readonly prefix: number;
}

const BITS = { 4: 32, 6: 128 } as const;

function parseIPv4(text: string): bigint {
  return text.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function parseIPv6(text: string): bigint {
  let head = text;
  const groups: number[] = [];
  // A trailing dotted quad (::ffff:127.0.0.1) stands for the last two groups.
  const lastColon = head.lastIndexOf(':');
  const tail = head.slice(lastColon + 1);
  let tailGroups: number[] = [];
  if (tail.includes('.')) {
    const v4 = Number(parseIPv4(tail));
    tailGroups = [v4 >>> 16, v4 & 0xffff];
    head = head.slice(0, lastColon + 1) + '0';
  }
  const [left = '', right] = head.split('::');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const leftGroups = parse(left);
  const rightGroups = right === undefined ? [] : parse(right);
  if (tailGroups.length > 0) (right === undefined ? leftGroups : rightGroups).pop();
  const known = leftGroups.length + rightGroups.length + tailGroups.length;
  groups.push(...leftGroups);
  if (right !== undefined) groups.push(...new Array<number>(8 - known).fill(0));
  groups.push(...rightGroups, ...tailGroups);
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/**
 * Parses an IPv4 or IPv6 address (an IPv6 zone id such as `%eth0` is ignored). Returns undefined for
 * anything `node:net` does not call an IP address, including host names.
 */
export function parseIp(text: string): IpAddress | undefined {
  const address = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (isIPv4(address)) return { family: 4, value: parseIPv4(address) };
  if (isIPv6(address)) return { family: 6, value: parseIPv6(address.split('%')[0]!) };
  return undefined;
}

/** Parses `a.b.c.d/n`, `x::/n` or a bare address (a /32 or /128). Throws a TypeError when malformed. */
export function parseRange(text: string): IpRange {
  const [addressText = '', prefixText] = text.trim().split('/');
  const address = parseIp(addressText);
  if (!address) throw new TypeError(`not an IP address or CIDR: ${text}`);
  const bits = BITS[address.family];
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText))
    throw new TypeError(`bad CIDR prefix: ${text}`);
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) {
    throw new TypeError(`bad CIDR prefix: ${text}`);
  }
  return { family: address.family, base: address.value, prefix };
}

export function rangeContains(range: IpRange, address: IpAddress): boolean {
  if (range.family !== address.family) return false;
  const shift = BigInt(BITS[range.family] - range.prefix);
  return range.base >> shift === address.value >> shift;
}

/** The IPv4 address held in the low 32 bits of an IPv6 address (mapped, NAT64 and similar forms). */
export function lowIPv4(address: IpAddress): IpAddress {
  return { family: 4, value: address.value & 0xffffffffn };
}

/** The IPv4 address a 6to4 address (2002:AABB:CCDD::/48) embeds in bits 16..48. */
export function sixToFourIPv4(address: IpAddress): IpAddress {
  return { family: 4, value: (address.value >> 80n) & 0xffffffffn };
}

/** Formats a parsed address back to text (IPv6 without zero compression); for error details. */
export function formatIp(address: IpAddress): string {
  if (address.family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((address.value >> s) & 0xffn)).join('.');
  }
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((address.value >> s) & 0xffffn).toString(16));
  return groups.join(':');
}
