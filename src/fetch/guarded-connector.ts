import type { Socket } from 'node:net';
import type { buildConnector } from 'undici';
import { IntegrityError } from '../errors.js';
import type { AddressPolicy } from './address-policy.js';
import { parseIp } from './ip-address.js';

/** undici's socket opener: called with the origin to connect to, answers with a socket or an error. */
export type Connector = buildConnector.connector;

export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** Resolves a host name to every address it has (the shape of `dns.promises.lookup(h, { all: true })`). */
export type HostResolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export interface GuardedConnectorOptions {
  readonly resolve: HostResolver;
  readonly policy: AddressPolicy;
  /** Opens a socket to `options.hostname`, which is always an IP address the policy allowed. */
  readonly connect: Connector;
  /** Deadline for resolving and connecting together, in ms. */
  readonly connectTimeoutMs: number;
}

/**
 * Wraps a connector so that no socket is ever opened to a refused address. It resolves the host once,
 * refuses the connection when any resolved address is refused (`IW_FETCH_ADDRESS_REFUSED`, no socket
 * opened), then connects to the validated IP itself, trying the addresses in order. Checking and
 * connecting use the same resolution, so DNS rebinding has no window between the two. TLS still
 * verifies the certificate against the host name (passed as `servername`).
 */
export function guardedConnector(options: GuardedConnectorOptions): Connector {
  return (target, callback) => {
    let settled = false;
    const finish = (error: Error | null, socket: Socket | null): void => {
      if (settled) {
        socket?.destroy();
        return;
      }
      settled = true;
      clearTimeout(timer);
      if (error) callback(error, null);
      else callback(null, socket!);
    };
    const timer = setTimeout(() => {
      finish(
        new IntegrityError('IW_FETCH_TIMEOUT', 'connect deadline passed', {
          details: { phase: 'connect', host: target.hostname, timeoutMs: options.connectTimeoutMs },
        }),
        null,
      );
    }, options.connectTimeoutMs);
    resolveAllowed(target.hostname, options).then(
      (addresses) => connectFirst(target, addresses, options.connect, () => settled, finish),
      (error: Error) => finish(error, null),
    );
  };
}

async function resolveAllowed(hostname: string, options: GuardedConnectorOptions): Promise<string[]> {
  const literal = parseIp(hostname) !== undefined;
  const resolved = literal ? [{ address: hostname, family: 0 }] : await options.resolve(hostname);
  if (resolved.length === 0) {
    throw new IntegrityError('IW_FETCH_NETWORK', 'host has no addresses', { details: { host: hostname } });
  }
  for (const { address } of resolved) {
    const verdict = options.policy.check(address);
    if (!verdict.allowed) {
      throw new IntegrityError('IW_FETCH_ADDRESS_REFUSED', 'host resolves to a refused address', {
        details: { host: hostname, address: verdict.address, reason: verdict.reason },
      });
    }
  }
  return resolved.map((r) => r.address);
}

function connectFirst(
  target: buildConnector.Options,
  addresses: readonly string[],
  connect: Connector,
  gaveUp: () => boolean,
  finish: (error: Error | null, socket: Socket | null) => void,
  index = 0,
): void {
  const address = addresses[index]!;
  const literal = parseIp(target.hostname) !== undefined;
  connect(
    {
      ...target,
      hostname: address,
      // Certificates name the host, not the address we picked for it.
      servername: target.servername || (literal ? undefined : target.hostname),
    },
    (error, socket) => {
      if (error && index + 1 < addresses.length && !gaveUp()) {
        connectFirst(target, addresses, connect, gaveUp, finish, index + 1);
      } else {
        finish(error, socket);
      }
    },
  );
}
