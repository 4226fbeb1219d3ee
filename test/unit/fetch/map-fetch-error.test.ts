import { errors } from 'undici';
import { describe, expect, it } from 'vitest';
import { IntegrityError } from '../../../src/errors.js';
import { mapFetchError } from '../../../src/fetch/map-fetch-error.js';

const withCode = (code: string) => Object.assign(new Error(code), { code });

describe('mapFetchError', () => {
  it.each([
    [new errors.ConnectTimeoutError(), 'IW_FETCH_TIMEOUT', true, 'connect'],
    [new errors.HeadersTimeoutError(), 'IW_FETCH_TIMEOUT', true, 'headers'],
    [new errors.BodyTimeoutError(), 'IW_FETCH_TIMEOUT', true, 'body'],
    [new errors.SocketError('other side closed'), 'IW_FETCH_NETWORK', true, undefined],
    [withCode('ECONNREFUSED'), 'IW_FETCH_NETWORK', true, undefined],
    [withCode('ECONNRESET'), 'IW_FETCH_NETWORK', true, undefined],
    [withCode('EAI_AGAIN'), 'IW_FETCH_NETWORK', true, undefined],
    [withCode('ENOTFOUND'), 'IW_FETCH_NETWORK', false, undefined],
    [withCode('HPE_INVALID_CONSTANT'), 'IW_FETCH_NETWORK', false, undefined],
    [withCode('ERR_TLS_CERT_ALTNAME_INVALID'), 'IW_FETCH_NETWORK', false, undefined],
    [withCode('DEPTH_ZERO_SELF_SIGNED_CERT'), 'IW_FETCH_NETWORK', false, undefined],
    [withCode('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'IW_FETCH_NETWORK', false, undefined],
    [withCode('CERT_HAS_EXPIRED'), 'IW_FETCH_NETWORK', false, undefined],
    [withCode('ERR_SSL_WRONG_VERSION_NUMBER'), 'IW_FETCH_NETWORK', false, undefined],
    [new TypeError('a bug'), 'IW_INTERNAL', false, undefined],
  ])('%s -> %s', (error, code, retriable, phase) => {
    const mapped = mapFetchError(error, { host: 'h' });
    expect(mapped.code).toBe(code);
    expect(mapped.retriable).toBe(retriable);
    expect(mapped.cause).toBe(error);
    expect(mapped.details).toMatchObject({ host: 'h', ...(phase ? { phase } : {}) });
  });

  it('passes IntegrityErrors through, adding the context details they lack', () => {
    const own = new IntegrityError('IW_FETCH_ADDRESS_REFUSED', 'no', {
      details: { host: 'evil.test', address: '10.0.0.1' },
    });
    expect(mapFetchError(own, { host: 'evil.test' })).toBe(own);
    const enriched = mapFetchError(own, { host: 'other', redirects: 2 });
    expect(enriched).toMatchObject({ code: 'IW_FETCH_ADDRESS_REFUSED', retriable: false });
    expect(enriched.details).toEqual({ host: 'evil.test', address: '10.0.0.1', redirects: 2 });
  });
});
