import { describe, expect, it } from 'vitest';
import { ERROR_CODES, IntegrityError, isIntegrityError, toIntegrityError } from '../../src/errors.js';

describe('IntegrityError', () => {
  it('takes retriable from the code table unless overridden', () => {
    expect(new IntegrityError('IW_FETCH_TIMEOUT', 'slow').retriable).toBe(true);
    expect(new IntegrityError('IW_WIRE_BAD_MAGIC', 'x').retriable).toBe(false);
    expect(new IntegrityError('IW_FETCH_TIMEOUT', 'x', { retriable: false }).retriable).toBe(false);
  });

  it('keeps the cause and freezes details', () => {
    const cause = new Error('root');
    const error = new IntegrityError('IW_INTERNAL', 'wrapped', { cause, details: { a: 1 } });
    expect(error.cause).toBe(cause);
    expect(Object.isFrozen(error.details)).toBe(true);
  });

  it('wraps foreign errors and keeps its own', () => {
    const own = new IntegrityError('IW_IMAGE_DECODE', 'bad');
    expect(toIntegrityError(own)).toBe(own);
    const wrapped = toIntegrityError(new TypeError('boom'), 'IW_INFERENCE_FAILED');
    expect(wrapped.code).toBe('IW_INFERENCE_FAILED');
    expect(isIntegrityError(wrapped, 'IW_INFERENCE_FAILED')).toBe(true);
    expect(isIntegrityError(wrapped, 'IW_INTERNAL')).toBe(false);
  });

  it('uses stable IW_ codes only', () => {
    for (const code of Object.keys(ERROR_CODES)) expect(code).toMatch(/^IW_[A-Z0-9_]+$/);
  });
});
