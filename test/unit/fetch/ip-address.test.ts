import { describe, expect, it } from 'vitest';
import { formatIp, lowIPv4, parseIp, parseRange, rangeContains } from '../../../src/fetch/ip-address.js';

describe('parseIp', () => {
  it.each([
    ['127.0.0.1', 4, 0x7f000001n],
    ['255.255.255.255', 4, 0xffffffffn],
    ['::1', 6, 1n],
    ['::', 6, 0n],
    ['[::1]', 6, 1n],
    ['fe80::1%eth0', 6, (0xfe80n << 112n) | 1n],
    ['::ffff:127.0.0.1', 6, (0xffffn << 32n) | 0x7f000001n],
    ['::ffff:7f00:1', 6, (0xffffn << 32n) | 0x7f000001n],
    ['1:2:3:4:5:6:7:8', 6, 0x00010002000300040005000600070008n],
    ['1:2:3:4:5:6:1.2.3.4', 6, 0x00010002000300040005000601020304n],
    ['2001:db8::8:800:200c:417a', 6, 0x20010db80000000000080800200c417an],
  ])('%s', (text, family, value) => {
    expect(parseIp(text)).toEqual({ family, value });
  });

  it.each(['example.com', '', '1.2.3', '256.1.1.1', '::g', '1.2.3.4.5'])('refuses %j', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });
});

describe('parseRange / rangeContains', () => {
  it('matches by prefix within one family', () => {
    const range = parseRange('10.0.0.0/8');
    expect(rangeContains(range, parseIp('10.255.1.2')!)).toBe(true);
    expect(rangeContains(range, parseIp('11.0.0.0')!)).toBe(false);
    expect(rangeContains(parseRange('fe80::/10'), parseIp('febf::1')!)).toBe(true);
    expect(rangeContains(parseRange('fe80::/10'), parseIp('fec0::1')!)).toBe(false);
    expect(rangeContains(parseRange('0.0.0.0/0'), parseIp('::1')!)).toBe(false);
  });

  it('treats a bare address as a single-address range', () => {
    expect(parseRange('127.0.0.1')).toEqual({ family: 4, base: 0x7f000001n, prefix: 32 });
    expect(parseRange('::1').prefix).toBe(128);
  });

  it.each(['10.0.0.0/33', '::/129', '10.0.0.0/-1', '10.0.0.0/x', 'nope/8', '10.0.0.0/'])(
    'throws on %j',
    (text) => {
      expect(() => parseRange(text)).toThrow(TypeError);
    },
  );
});

describe('formatIp / lowIPv4', () => {
  it('round-trips the IPv4 part of a mapped address', () => {
    expect(formatIp(lowIPv4(parseIp('::ffff:169.254.169.254')!))).toBe('169.254.169.254');
    expect(formatIp(parseIp('::1')!)).toBe('0:0:0:0:0:0:0:1');
  });
});
