/** IntegrityError codes -> HTTP statuses for the console's API; bodies are `{ error: { code, message } }`. */
import type { ErrorCode } from '../../errors.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  IW_CONSOLE_UNAUTHENTICATED: 401,
  IW_CONSOLE_FORBIDDEN: 403,
  IW_CONSOLE_CSRF: 403,
  IW_CONSOLE_RATE_LIMITED: 429,
  IW_CONSOLE_NOT_FOUND: 404,
  IW_CONSOLE_CLAIMED: 409,
  IW_CONSOLE_BAD_REQUEST: 400,
  IW_CONSOLE_USER_EXISTS: 409,
  IW_FETCH_BAD_URL: 502,
  IW_FETCH_HOST_REFUSED: 502,
  IW_FETCH_ADDRESS_REFUSED: 502,
  IW_FETCH_HTTP_STATUS: 502,
  IW_FETCH_HTTP_5XX: 502,
  IW_FETCH_TIMEOUT: 504,
  IW_FETCH_NETWORK: 502,
  IW_FETCH_TOO_MANY_REDIRECTS: 502,
  IW_IMAGE_TOO_LARGE: 502,
  IW_IMAGE_UNSUPPORTED: 502,
  IW_PUBLISH_FAILED: 503,
  IW_REGISTRY_UNREACHABLE: 503,
};

export function statusFor(code: ErrorCode): number {
  return STATUS[code] ?? 500;
}
