/**
 * The console's guards, as Fastify hooks: security headers on every response; on `/api/*` (but the
 * session probe and login) a valid session cookie, and on every state-changing method the session's
 * CSRF token in `x-csrf-token` (synchronizer token; SameSite=Strict cookies are the second wall).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { IntegrityError } from '../../errors.js';
import type { ConsoleDeps } from './console-deps.js';

export const SESSION_COOKIE = 'iw_session';
/** Pre-login CSRF token (double submit): login is state-changing too. */
export const LOGIN_CSRF_COOKIE = 'iw_login_csrf';
const OPEN_API = new Set(['/api/session', '/api/login']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const CSP = [
  "default-src 'self'",
  "img-src 'self' blob:",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

export function cookieOptions(secure: boolean, maxAgeS?: number) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'strict' as const,
    secure,
    ...(maxAgeS !== undefined && { maxAge: maxAgeS }),
  };
}

export function installSecurityHooks(app: FastifyInstance, deps: ConsoleDeps): void {
  app.decorateRequest('session', null);
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cross-origin-opener-policy', 'same-origin');
    if (deps.settings.secureCookies) reply.header('strict-transport-security', 'max-age=31536000');
    return payload;
  });
  app.addHook('preHandler', async (request: FastifyRequest, _reply: FastifyReply) => {
    const path = request.url.split('?')[0]!;
    if (!path.startsWith('/api/') || OPEN_API.has(path)) return;
    const token = request.cookies[SESSION_COOKIE];
    const session = token ? await deps.stores.accounts.session(token) : undefined;
    if (!session) throw new IntegrityError('IW_CONSOLE_UNAUTHENTICATED', 'log in first');
    if (
      !SAFE_METHODS.has(request.method) &&
      !tokensEqual(request.headers['x-csrf-token'], session.csrfToken)
    ) {
      throw new IntegrityError('IW_CONSOLE_CSRF', 'missing or wrong CSRF token');
    }
    if (path.startsWith('/api/admin/') && session.role !== 'admin') {
      throw new IntegrityError('IW_CONSOLE_FORBIDDEN', 'admins only');
    }
    request.session = session;
  });
}

export function tokensEqual(header: string | string[] | undefined, expected: string | undefined): boolean {
  if (typeof header !== 'string' || !expected || header.length !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < header.length; i++) diff |= header.charCodeAt(i) ^ expected.charCodeAt(i);
  return diff === 0;
}

/** The session of a request that passed the hook (routes under /api/ only). */
export function sessionOf(request: FastifyRequest) {
  if (!request.session) throw new IntegrityError('IW_CONSOLE_UNAUTHENTICATED', 'log in first');
  return request.session;
}
