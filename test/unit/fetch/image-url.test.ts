import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../../src/errors.js';
import { AddressPolicy } from '../../../src/fetch/address-policy.js';
import { HostAllowlist } from '../../../src/fetch/host-allowlist.js';
import { checkImageUrl, MAX_URL_LENGTH } from '../../../src/fetch/image-url.js';

const allowlist = new HostAllowlist([
  'i.pinimg.com',
  '*.cdn.test',
  '127.0.0.1',
  '10.0.0.1',
  '[::1]',
  '169.254.169.254',
]);
const policy = new AddressPolicy(['127.0.0.1']);

function codeOf(raw: string, base?: URL): ErrorCode | 'ok' {
  try {
    checkImageUrl(raw, allowlist, policy, base);
    return 'ok';
  } catch (error) {
    return (error as { code: ErrorCode }).code;
  }
}

describe('checkImageUrl', () => {
  it.each([
    ['https://i.pinimg.com/originals/ab/cd.jpg', 'ok'],
    ['http://i.pinimg.com:8080/x.png?w=1', 'ok'],
    ['https://a.b.cdn.test/x.webp', 'ok'],
    ['http://127.0.0.1:9/x.png', 'ok'],
    ['', 'IW_FETCH_BAD_URL'],
    ['not a url', 'IW_FETCH_BAD_URL'],
    ['/relative/without/base.png', 'IW_FETCH_BAD_URL'],
    ['http://', 'IW_FETCH_BAD_URL'],
    ['ftp://i.pinimg.com/x.png', 'IW_FETCH_BAD_URL'],
    ['file:///etc/passwd', 'IW_FETCH_BAD_URL'],
    ['data:image/png;base64,iVBORw0KGgo=', 'IW_FETCH_BAD_URL'],
    ['javascript:alert(1)', 'IW_FETCH_BAD_URL'],
    ['gopher://i.pinimg.com/', 'IW_FETCH_BAD_URL'],
    ['https://user:pass@i.pinimg.com/x.png', 'IW_FETCH_BAD_URL'],
    ['https://user@i.pinimg.com/x.png', 'IW_FETCH_BAD_URL'],
    [`https://i.pinimg.com/${'a'.repeat(MAX_URL_LENGTH)}`, 'IW_FETCH_BAD_URL'],
    ['https://pinimg.com/x.png', 'IW_FETCH_HOST_REFUSED'],
    ['https://i.pinimg.com.evil.test/x.png', 'IW_FETCH_HOST_REFUSED'],
    ['https://i.pinimg.com@evil.test/x.png', 'IW_FETCH_BAD_URL'],
    ['http://localhost/x.png', 'IW_FETCH_HOST_REFUSED'],
    ['http://10.0.0.1/x.png', 'IW_FETCH_ADDRESS_REFUSED'],
    ['http://169.254.169.254/latest/meta-data/', 'IW_FETCH_ADDRESS_REFUSED'],
    ['http://[::1]/x.png', 'IW_FETCH_ADDRESS_REFUSED'],
    // Numeric spellings of 127.0.0.1 that the URL parser normalizes: allowed here only because the
    // test policy allows 127.0.0.1, which shows they were recognized as that address.
    ['http://2130706433/x.png', 'ok'],
    ['http://0x7f.1/x.png', 'ok'],
    ['http://0177.0.0.1/x.png', 'ok'],
    // ... and a numeric spelling of the metadata address is still refused.
    ['http://2852039166/', 'IW_FETCH_ADDRESS_REFUSED'],
  ] as const)('%s -> %s', (raw, code) => {
    expect(codeOf(raw)).toBe(code);
  });

  it('resolves a redirect Location against the current URL and re-checks it', () => {
    const current = new URL('https://i.pinimg.com/a/b/c.jpg');
    expect(checkImageUrl('../d.jpg', allowlist, policy, current).href).toBe('https://i.pinimg.com/a/d.jpg');
    expect(checkImageUrl('//x.cdn.test/e.jpg', allowlist, policy, current).href).toBe(
      'https://x.cdn.test/e.jpg',
    );
    expect(codeOf('http://10.0.0.1/', current)).toBe('IW_FETCH_ADDRESS_REFUSED');
    expect(codeOf('//evil.test/', current)).toBe('IW_FETCH_HOST_REFUSED');
    expect(codeOf('file:///etc/passwd', current)).toBe('IW_FETCH_BAD_URL');
  });

  it('puts the host and the reason into details, and drops the fragment', () => {
    try {
      checkImageUrl('http://169.254.169.254/', allowlist, policy);
      expect.unreachable();
    } catch (error) {
      expect((error as { details: unknown }).details).toMatchObject({
        host: '169.254.169.254',
        reason: 'link-local',
      });
    }
    expect(checkImageUrl('https://i.pinimg.com/x.png#frag', allowlist, policy).href).toBe(
      'https://i.pinimg.com/x.png',
    );
  });
});
