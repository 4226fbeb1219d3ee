import { describe, expect, it } from 'vitest';
import { HostAllowlist } from '../../../src/fetch/host-allowlist.js';

describe('HostAllowlist', () => {
  const list = new HostAllowlist(['i.pinimg.com', '*.cdn.example', '127.0.0.1', '::1']);

  it.each([
    ['i.pinimg.com', true],
    ['I.PinImg.com', true],
    ['i.pinimg.com.', true],
    ['pinimg.com', false],
    ['x.i.pinimg.com', false],
    ['i.pinimg.com.evil.test', false],
    ['a.cdn.example', true],
    ['a.b.cdn.example', true],
    ['cdn.example', false],
    ['evilcdn.example', false],
    ['127.0.0.1', true],
    ['127.0.0.2', false],
    ['[::1]', true],
    ['', false],
  ])('%j -> %s', (host, allowed) => {
    expect(list.allows(host)).toBe(allowed);
  });

  it('compares IPv6 entries in the canonical form URLs use', () => {
    const v6 = new HostAllowlist(['::FFFF:127.0.0.1']);
    expect(v6.allows(new URL('http://[::ffff:7f00:1]/').hostname)).toBe(true);
  });

  it('lets * allow every host', () => {
    expect(new HostAllowlist(['*']).allows('anything.test')).toBe(true);
  });

  it('refuses nothing-allowed and malformed wildcard entries', () => {
    expect(new HostAllowlist([]).allows('i.pinimg.com')).toBe(false);
    for (const bad of ['', 'a.*.com', '*.', '*..com', '**.com', 'i*.com', '.example.com']) {
      expect(() => new HostAllowlist([bad])).toThrow(TypeError);
    }
  });
});
