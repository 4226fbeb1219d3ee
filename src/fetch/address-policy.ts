import { formatIp, lowIPv4, parseIp, parseRange, rangeContains, sixToFourIPv4 } from './ip-address.js';
import type { IpAddress, IpRange } from './ip-address.js';

/** Why an address is refused; carried in error details and metrics. */
export type RefusalReason =
  | 'not-an-ip'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'shared-cgnat'
  | 'link-local'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'documentation'
  | 'benchmark'
  | 'ipv6-transition';

export type AddressVerdict =
  | { readonly allowed: true; readonly address: string }
  | { readonly allowed: false; readonly address: string; readonly reason: RefusalReason };

// Every range a fetch of a user-supplied URL must never reach. The metadata endpoint 169.254.169.254
// is inside link-local; IPv4-mapped and other IPv4-embedding IPv6 forms are judged by their IPv4 part.
const REFUSED: ReadonlyArray<readonly [RefusalReason, string]> = [
  ['unspecified', '0.0.0.0/8'],
  ['private', '10.0.0.0/8'],
  ['shared-cgnat', '100.64.0.0/10'],
  ['loopback', '127.0.0.0/8'],
  ['link-local', '169.254.0.0/16'],
  ['private', '172.16.0.0/12'],
  ['reserved', '192.0.0.0/24'],
  ['documentation', '192.0.2.0/24'],
  ['reserved', '192.88.99.0/24'],
  ['private', '192.168.0.0/16'],
  ['benchmark', '198.18.0.0/15'],
  ['documentation', '198.51.100.0/24'],
  ['documentation', '203.0.113.0/24'],
  ['multicast', '224.0.0.0/4'],
  ['broadcast', '255.255.255.255/32'],
  ['reserved', '240.0.0.0/4'],
  ['unspecified', '::/128'],
  ['loopback', '::1/128'],
  ['reserved', '100::/64'],
  ['ipv6-transition', '2001::/32'],
  ['documentation', '2001:db8::/32'],
  ['private', 'fc00::/7'],
  ['link-local', 'fe80::/10'],
  ['private', 'fec0::/10'],
  ['multicast', 'ff00::/8'],
];

const REFUSED_RANGES = REFUSED.map(([reason, cidr]) => [reason, parseRange(cidr)] as const);

// IPv6 forms that carry an IPv4 address: the embedded address decides.
const MAPPED = parseRange('::ffff:0:0/96');
const COMPATIBLE = parseRange('::/96');
const NAT64 = [parseRange('64:ff9b::/96'), parseRange('64:ff9b:1::/48')];
const SIX_TO_FOUR = parseRange('2002::/16');

function embeddedIPv4(address: IpAddress): IpAddress | undefined {
  if (address.family !== 6) return undefined;
  if (rangeContains(MAPPED, address) || rangeContains(COMPATIBLE, address)) return lowIPv4(address);
  if (NAT64.some((range) => rangeContains(range, address))) return lowIPv4(address);
  if (rangeContains(SIX_TO_FOUR, address)) return sixToFourIPv4(address);
  return undefined;
}

/**
 * Decides whether the fetcher may open a connection to an IP address. Pure and synchronous: it is
 * called on every address DNS returns, right before connecting, and on IP-literal URL hosts.
 *
 * Refused: unspecified, loopback, private (RFC 1918, ULA, site-local), CGNAT, link-local (incl. cloud
 * metadata 169.254.169.254), multicast, broadcast, reserved, documentation and benchmark ranges, Teredo,
 * and any IPv6 form embedding a refused IPv4 address (mapped `::ffff:a.b.c.d`, compatible, NAT64, 6to4).
 * Addresses inside `allowPrivate` are allowed anyway (tests allow `127.0.0.1`).
 */
export class AddressPolicy {
  private readonly allowPrivate: readonly IpRange[];

  /** @param allowPrivate addresses or CIDRs allowed even though refused above; throws a TypeError when malformed. */
  constructor(allowPrivate: readonly string[] = []) {
    this.allowPrivate = allowPrivate.map(parseRange);
  }

  check(addressText: string): AddressVerdict {
    const address = parseIp(addressText);
    if (!address) return { allowed: false, address: addressText, reason: 'not-an-ip' };
    const embedded = embeddedIPv4(address);
    const forms = embedded ? [address, embedded] : [address];
    const text = embedded ? `${addressText} (${formatIp(embedded)})` : addressText;
    if (forms.some((form) => this.allowPrivate.some((range) => rangeContains(range, form)))) {
      return { allowed: true, address: addressText };
    }
    for (const form of forms) {
      const hit = REFUSED_RANGES.find(([, range]) => rangeContains(range, form));
      if (hit) return { allowed: false, address: text, reason: hit[0] };
    }
    // ::/96 minus what the IPv4 check refused is still a deprecated form nobody serves images from.
    if (embedded && rangeContains(COMPATIBLE, address)) {
      return { allowed: false, address: text, reason: 'ipv6-transition' };
    }
    return { allowed: true, address: addressText };
  }
}
