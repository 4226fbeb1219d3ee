import { describe, expect, it } from 'vitest';
import { AddressPolicy } from '../../../src/fetch/address-policy.js';

const policy = new AddressPolicy();

describe('AddressPolicy', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fec0::1', 'private'],
    ['100.64.0.1', 'shared-cgnat'],
    ['100.127.255.255', 'shared-cgnat'],
    ['169.254.169.254', 'link-local'],
    ['169.254.0.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.0.8', 'reserved'],
    ['192.0.2.1', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['2001:db8::1', 'documentation'],
    ['198.18.0.1', 'benchmark'],
    ['198.19.255.255', 'benchmark'],
    ['2001::1', 'ipv6-transition'],
    // IPv6 spellings of refused IPv4 addresses
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:10.0.0.1', 'private'],
    ['::127.0.0.1', 'loopback'],
    ['::8.8.8.8', 'ipv6-transition'],
    ['64:ff9b::a00:1', 'private'],
    ['64:ff9b::169.254.169.254', 'link-local'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:a9fe:a9fe::1', 'link-local'],
    ['example.com', 'not-an-ip'],
  ])('refuses %s (%s)', (address, reason) => {
    expect(policy.check(address)).toMatchObject({ allowed: false, reason });
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '151.101.0.84',
    '172.15.255.255',
    '172.32.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '169.253.255.255',
    '192.169.0.1',
    '223.255.255.255',
    '2606:4700::1111',
    '2a04:4e42::84',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ])('allows public %s', (address) => {
    expect(policy.check(address)).toEqual({ allowed: true, address });
  });

  it('allows refused addresses listed in allowPrivate, and only those', () => {
    const tests = new AddressPolicy(['127.0.0.1', '10.1.0.0/16', 'fd00::/8']);
    expect(tests.check('127.0.0.1').allowed).toBe(true);
    expect(tests.check('::ffff:127.0.0.1').allowed).toBe(true);
    expect(tests.check('10.1.2.3').allowed).toBe(true);
    expect(tests.check('fd00::5').allowed).toBe(true);
    expect(tests.check('127.0.0.2')).toMatchObject({ allowed: false, reason: 'loopback' });
    expect(tests.check('10.2.0.1')).toMatchObject({ allowed: false, reason: 'private' });
    expect(tests.check('::1')).toMatchObject({ allowed: false, reason: 'loopback' });
    expect(tests.check('169.254.169.254')).toMatchObject({ allowed: false, reason: 'link-local' });
  });

  it('throws on a malformed allowPrivate entry', () => {
    expect(() => new AddressPolicy(['localhost'])).toThrow(TypeError);
    expect(() => new AddressPolicy(['10.0.0.0/40'])).toThrow(TypeError);
  });
});
