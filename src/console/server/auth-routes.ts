/** Session probe, login (rate-limited per address, audited) and logout. */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { IntegrityError } from '../../errors.js';
import { DUMMY_HASH, verifyPassword } from '../security/password.js';
import type { ConsoleDeps } from './console-deps.js';
import {
  LOGIN_CSRF_COOKIE,
  SESSION_COOKIE,
  cookieOptions,
  sessionOf,
  tokensEqual,
} from './security-hooks.js';

const loginBody = z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(1000) });

export function authRoutes(app: FastifyInstance, deps: ConsoleDeps): void {
  const { accounts } = deps.stores;
  const secure = deps.settings.secureCookies;

  app.get('/api/session', async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    const session = token ? await accounts.session(token) : undefined;
    if (session) {
      return { user: { username: session.username, role: session.role }, csrfToken: session.csrfToken };
    }
    const csrfToken = randomBytes(24).toString('base64url');
    reply.setCookie(LOGIN_CSRF_COOKIE, csrfToken, cookieOptions(secure, 3600));
    return { user: null, csrfToken };
  });

  app.post(
    '/api/login',
    {
      config: {
        rateLimit: { max: deps.settings.loginMaxPerMinute, timeWindow: 60_000 },
      },
    },
    async (request, reply) => {
      if (!tokensEqual(request.headers['x-csrf-token'], request.cookies[LOGIN_CSRF_COOKIE])) {
        throw new IntegrityError('IW_CONSOLE_CSRF', 'missing or wrong CSRF token');
      }
      const body = loginBody.safeParse(request.body);
      if (!body.success) throw new IntegrityError('IW_CONSOLE_BAD_REQUEST', 'username and password required');
      const user = await accounts.findUser(body.data.username);
      const ok = await verifyPassword(body.data.password, user?.passwordHash ?? DUMMY_HASH);
      await accounts.audit({
        at: Date.now(),
        actor: body.data.username,
        action: ok && user ? 'login' : 'login-failed',
        target: null,
        details: { ip: request.ip },
      });
      if (!ok || !user) throw new IntegrityError('IW_CONSOLE_UNAUTHENTICATED', 'wrong username or password');
      const { token, csrfToken } = await accounts.createSession(user.username, deps.settings.sessionTtlMs);
      reply.setCookie(
        SESSION_COOKIE,
        token,
        cookieOptions(secure, Math.floor(deps.settings.sessionTtlMs / 1000)),
      );
      reply.clearCookie(LOGIN_CSRF_COOKIE, { path: '/' });
      return { user: { username: user.username, role: user.role }, csrfToken };
    },
  );

  app.post('/api/logout', async (request, reply) => {
    const session = sessionOf(request);
    await accounts.deleteSession(request.cookies[SESSION_COOKIE]!);
    await accounts.audit({
      at: Date.now(),
      actor: session.username,
      action: 'logout',
      target: null,
      details: {},
    });
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });
}
