import type { Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ErrorCode } from '../../../src/errors.js';
import { AddressPolicy } from '../../../src/fetch/address-policy.js';
import { guardedConnector } from '../../../src/fetch/guarded-connector.js';
import type { Connector, HostResolver } from '../../../src/fetch/guarded-connector.js';

// No socket is ever opened here: the base connector is a fake that records what it was asked.
type Call = Parameters<Connector>[0];

function fakeBase(answers: Array<'ok' | 'refused' | 'hang'> = ['ok']) {
  const calls: Call[] = [];
  const sockets: Array<{ destroy: ReturnType<typeof vi.fn> }> = [];
  const late: Array<() => void> = [];
  const connect: Connector = (target, callback) => {
    calls.push(target);
    const answer = answers[calls.length - 1] ?? 'ok';
    const socket = { destroy: vi.fn() };
    sockets.push(socket);
    if (answer === 'ok') callback(null, socket as unknown as Socket);
    else if (answer === 'refused')
      callback(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), null);
    else late.push(() => callback(null, socket as unknown as Socket));
  };
  return { connect, calls, sockets, late };
}

function open(connector: Connector, hostname: string, protocol = 'https:') {
  return new Promise<{
    error: (Error & { code?: ErrorCode; details?: unknown }) | null;
    socket: Socket | null;
  }>((resolve) =>
    connector({ hostname, host: hostname, protocol, port: '' }, (error, socket) =>
      resolve({ error, socket }),
    ),
  );
}

const resolver = (table: Record<string, string[]>) => {
  const lookups: string[] = [];
  const resolve: HostResolver = async (host) => {
    lookups.push(host);
    return (table[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { resolve, lookups };
};

const policy = new AddressPolicy();

describe('guardedConnector', () => {
  afterEach(() => vi.useRealTimers());

  it('connects to the resolved, allowed address and keeps the host name for TLS', async () => {
    const base = fakeBase();
    const dns = resolver({ 'img.test': ['93.184.216.34'] });
    const connector = guardedConnector({
      resolve: dns.resolve,
      policy,
      connect: base.connect,
      connectTimeoutMs: 1000,
    });
    const { error, socket } = await open(connector, 'img.test');
    expect(error).toBeNull();
    expect(socket).toBe(base.sockets[0]);
    expect(dns.lookups).toEqual(['img.test']);
    expect(base.calls).toMatchObject([{ hostname: '93.184.216.34', servername: 'img.test' }]);
  });

  it.each([['10.0.0.1'], ['169.254.169.254'], ['192.168.1.1'], ['127.0.0.1'], ['::ffff:127.0.0.1']])(
    'refuses a host resolving to %s without calling the base connector',
    async (address) => {
      const base = fakeBase();
      const dns = resolver({ 'evil.test': [address] });
      const connector = guardedConnector({
        resolve: dns.resolve,
        policy,
        connect: base.connect,
        connectTimeoutMs: 1000,
      });
      const { error } = await open(connector, 'evil.test');
      expect(error?.code).toBe('IW_FETCH_ADDRESS_REFUSED');
      expect(error?.details).toMatchObject({ host: 'evil.test' });
      expect(base.calls).toEqual([]);
    },
  );

  it('refuses when any one of several addresses is refused', async () => {
    const base = fakeBase();
    const dns = resolver({ 'mixed.test': ['93.184.216.34', '10.0.0.1'] });
    const connector = guardedConnector({
      resolve: dns.resolve,
      policy,
      connect: base.connect,
      connectTimeoutMs: 1000,
    });
    expect((await open(connector, 'mixed.test')).error?.code).toBe('IW_FETCH_ADDRESS_REFUSED');
    expect(base.calls).toEqual([]);
  });

  it('checks an IP-literal host without DNS', async () => {
    const base = fakeBase();
    const dns = resolver({});
    const connector = guardedConnector({
      resolve: dns.resolve,
      policy,
      connect: base.connect,
      connectTimeoutMs: 1000,
    });
    expect((await open(connector, '169.254.169.254', 'http:')).error?.code).toBe('IW_FETCH_ADDRESS_REFUSED');
    expect((await open(connector, '93.184.216.34', 'http:')).error).toBeNull();
    expect(dns.lookups).toEqual([]);
    expect(base.calls).toMatchObject([{ hostname: '93.184.216.34', servername: undefined }]);
  });

  it('tries the next address when one fails to connect', async () => {
    const base = fakeBase(['refused', 'ok']);
    const dns = resolver({ 'two.test': ['2606:4700::1111', '93.184.216.34'] });
    const connector = guardedConnector({
      resolve: dns.resolve,
      policy,
      connect: base.connect,
      connectTimeoutMs: 1000,
    });
    const { error, socket } = await open(connector, 'two.test');
    expect(error).toBeNull();
    expect(socket).toBe(base.sockets[1]);
    expect(base.calls.map((c) => c.hostname)).toEqual(['2606:4700::1111', '93.184.216.34']);
  });

  it('reports the last connect error when every address fails', async () => {
    const base = fakeBase(['refused', 'refused']);
    const dns = resolver({ 'two.test': ['93.184.216.34', '93.184.216.35'] });
    const connector = guardedConnector({
      resolve: dns.resolve,
      policy,
      connect: base.connect,
      connectTimeoutMs: 1000,
    });
    expect((await open(connector, 'two.test')).error).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('fails with IW_FETCH_NETWORK when the host has no addresses', async () => {
    const base = fakeBase();
    const connector = guardedConnector({
      resolve: resolver({}).resolve,
      policy,
      connect: base.connect,
      connectTimeoutMs: 1000,
    });
    expect((await open(connector, 'empty.test')).error?.code).toBe('IW_FETCH_NETWORK');
  });

  it('times out a hanging DNS lookup', async () => {
    vi.useFakeTimers();
    const base = fakeBase();
    const hang: HostResolver = () => new Promise(() => {});
    const connector = guardedConnector({
      resolve: hang,
      policy,
      connect: base.connect,
      connectTimeoutMs: 500,
    });
    const result = open(connector, 'slow.test');
    await vi.advanceTimersByTimeAsync(500);
    const { error } = await result;
    expect(error?.code).toBe('IW_FETCH_TIMEOUT');
    expect(error?.details).toMatchObject({ phase: 'connect' });
    expect(base.calls).toEqual([]);
  });

  it('times out a hanging connect and destroys the socket if it arrives later', async () => {
    vi.useFakeTimers();
    const base = fakeBase(['hang']);
    const dns = resolver({ 'slow.test': ['93.184.216.34'] });
    const connector = guardedConnector({
      resolve: dns.resolve,
      policy,
      connect: base.connect,
      connectTimeoutMs: 500,
    });
    const result = open(connector, 'slow.test');
    await vi.advanceTimersByTimeAsync(500);
    expect((await result).error?.code).toBe('IW_FETCH_TIMEOUT');
    base.late[0]!();
    expect(base.sockets[0]!.destroy).toHaveBeenCalledOnce();
  });
});
