import { IntegrityError } from '../errors.js';
import type { AddressPolicy } from './address-policy.js';
import type { HostAllowlist } from './host-allowlist.js';
import { parseIp } from './ip-address.js';

/** Longest URL accepted, in characters: longer ones are junk or an attack, never an image. */
export const MAX_URL_LENGTH = 8192;

/**
 * Checks a URL the fetcher is about to request (the original one or a redirect target) and returns
 * it parsed. Throws `IW_FETCH_BAD_URL` (malformed, too long, not http/https, user or password in it),
 * `IW_FETCH_HOST_REFUSED` (host not allowed) or `IW_FETCH_ADDRESS_REFUSED` (an IP-literal host the
 * policy refuses). Host names are only checked against the allowlist here: their addresses are checked
 * when the connection is opened, on the very addresses connected to.
 *
 * The WHATWG parser normalizes tricks such as `http://2130706433/` or `http://0x7f.1/` to
 * `127.0.0.1` before any check sees them.
 */
export function checkImageUrl(
  raw: string,
  allowlist: HostAllowlist,
  policy: AddressPolicy,
  base?: URL,
  details: Record<string, unknown> = {},
): URL {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_URL_LENGTH) {
    throw new IntegrityError('IW_FETCH_BAD_URL', 'image URL is empty or too long', {
      details: { ...details, length: typeof raw === 'string' ? raw.length : undefined },
    });
  }
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch (cause) {
    throw new IntegrityError('IW_FETCH_BAD_URL', 'image URL does not parse', { cause, details });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new IntegrityError('IW_FETCH_BAD_URL', 'image URL is not http or https', {
      details: { ...details, protocol: url.protocol },
    });
  }
  if (url.username !== '' || url.password !== '') {
    throw new IntegrityError('IW_FETCH_BAD_URL', 'image URL carries credentials', {
      details: { ...details, host: url.hostname },
    });
  }
  const host = url.hostname;
  if (host === '') throw new IntegrityError('IW_FETCH_BAD_URL', 'image URL has no host', { details });
  if (!allowlist.allows(host)) {
    throw new IntegrityError('IW_FETCH_HOST_REFUSED', 'image host is not allowed', {
      details: { ...details, host },
    });
  }
  if (parseIp(host)) {
    const verdict = policy.check(host.replace(/^\[|\]$/g, ''));
    if (!verdict.allowed) {
      throw new IntegrityError('IW_FETCH_ADDRESS_REFUSED', 'image host is a refused address', {
        details: { ...details, host, address: verdict.address, reason: verdict.reason },
      });
    }
  }
  url.hash = '';
  return url;
}
