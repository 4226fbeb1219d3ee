import { buildConnector } from 'undici';
import type { Connector } from '../../src/fetch/guarded-connector.js';

const LOOPBACK = new Set(['127.0.0.1', '::1']);

/**
 * A connector for fetcher tests that counts connection attempts and can only ever reach loopback:
 * asked for any other address it fails without touching the network and records the violation, so
 * that a bug in the address guard makes a test fail instead of sending traffic to 10.x or 169.254.x.
 */
export function loopbackOnlyConnector(timeoutMs = 2000, tls: { ca?: string | Buffer } = {}) {
  const real = buildConnector({ timeout: timeoutMs, ...tls });
  const attempts: string[] = [];
  const violations: string[] = [];
  const connect: Connector = (target, callback) => {
    attempts.push(target.hostname);
    if (!LOOPBACK.has(target.hostname)) {
      violations.push(target.hostname);
      callback(new Error(`test guard: refused to connect to non-loopback ${target.hostname}`), null);
      return;
    }
    real(target, callback);
  };
  return { connect, attempts, violations };
}
