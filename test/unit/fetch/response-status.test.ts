import { describe, expect, it } from 'vitest';
import { parseRetryAfter, statusError } from '../../../src/fetch/response-status.js';

describe('statusError', () => {
  it.each([
    [404, 'IW_FETCH_HTTP_STATUS', false],
    [403, 'IW_FETCH_HTTP_STATUS', false],
    [410, 'IW_FETCH_HTTP_STATUS', false],
    [408, 'IW_FETCH_HTTP_STATUS', false],
    [204, 'IW_FETCH_HTTP_STATUS', false],
    [304, 'IW_FETCH_HTTP_STATUS', false],
    [429, 'IW_FETCH_HTTP_5XX', true],
    [500, 'IW_FETCH_HTTP_5XX', true],
    [503, 'IW_FETCH_HTTP_5XX', true],
    [599, 'IW_FETCH_HTTP_5XX', true],
  ])('%i -> %s', (status, code, retriable) => {
    const error = statusError(status, {}, { host: 'h' });
    expect(error.code).toBe(code);
    expect(error.retriable).toBe(retriable);
    expect(error.details).toMatchObject({ host: 'h', status });
  });

  it('carries Retry-After of a 503 or 429 in ms', () => {
    expect(statusError(503, { 'retry-after': '2' }, {}).details).toMatchObject({ retryAfterMs: 2000 });
    expect(statusError(429, {}, {}).details).not.toHaveProperty('retryAfterMs');
  });
});

describe('parseRetryAfter', () => {
  const now = () => Date.parse('2025-01-01T00:00:00Z');
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['soon', undefined],
    ['0', 0],
    [' 7 ', 7000],
    [['3', '9'], 3000],
    ['Wed, 01 Jan 2025 00:00:30 GMT', 30_000],
    ['Tue, 31 Dec 2024 23:00:00 GMT', 0],
  ] as const)('%j -> %j', (value, ms) => {
    expect(parseRetryAfter(value as string | string[] | undefined, now)).toBe(ms);
  });
});
