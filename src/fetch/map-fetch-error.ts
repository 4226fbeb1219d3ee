import { IntegrityError } from '../errors.js';

const TIMEOUT_PHASES: Readonly<Record<string, string>> = {
  UND_ERR_CONNECT_TIMEOUT: 'connect',
  UND_ERR_HEADERS_TIMEOUT: 'headers',
  UND_ERR_BODY_TIMEOUT: 'body',
  ETIMEDOUT: 'connect',
};

// Failures that say the same thing however often they are tried: an unknown host, a response that is
// not HTTP.
const PERMANENT_NETWORK = new Set(['ENOTFOUND', 'UND_ERR_INFO']);

// TLS verification failures (OpenSSL's codes, e.g. DEPTH_ZERO_SELF_SIGNED_CERT, CERT_HAS_EXPIRED,
// ERR_TLS_CERT_ALTNAME_INVALID) and handshake failures (ERR_SSL_*): a certificate does not heal by retrying.
const TLS_FAILURE = /CERT|SELF_SIGNED|UNABLE_TO_|ISSUER|^ERR_SSL_/;

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Turns what undici, `net` or DNS threw into the fetcher's error codes: timeouts into
 * `IW_FETCH_TIMEOUT`, every other transport failure into `IW_FETCH_NETWORK` (retriable unless the host
 * does not exist, its certificate fails verification or the server does not speak HTTP). IntegrityErrors keep code and flag and gain the
 * caller's `details` they lack; anything without an error code is a bug (`IW_INTERNAL`).
 */
export function mapFetchError(error: unknown, details: Record<string, unknown>): IntegrityError {
  if (error instanceof IntegrityError) {
    // The connector's errors know the address but not the hop; add what the caller knows.
    const missing = Object.keys(details).some((key) => !(key in (error.details ?? {})));
    if (!missing) return error;
    return new IntegrityError(error.code, error.message, {
      cause: error.cause,
      retriable: error.retriable,
      details: { ...details, ...error.details },
    });
  }
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code !== undefined && code in TIMEOUT_PHASES) {
    return new IntegrityError('IW_FETCH_TIMEOUT', `image fetch timed out: ${message}`, {
      cause: error,
      details: { ...details, phase: TIMEOUT_PHASES[code], errorCode: code },
    });
  }
  const tls = code !== undefined && TLS_FAILURE.test(code);
  if (code !== undefined && (tls || /^(E|UND_ERR|HPE_)/.test(code))) {
    return new IntegrityError('IW_FETCH_NETWORK', `image fetch failed: ${message}`, {
      cause: error,
      retriable: !(tls || PERMANENT_NETWORK.has(code) || code.startsWith('HPE_')),
      details: { ...details, errorCode: code },
    });
  }
  return new IntegrityError('IW_INTERNAL', `image fetch failed unexpectedly: ${message}`, {
    cause: error,
    details,
  });
}
