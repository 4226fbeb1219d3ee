/**
 * The console's HTTP app (Fastify): security hooks, the API, and the built web client as static
 * files. Errors leave as `{ error: { code, message } }` with a status from the code; an unexpected
 * error is logged and answered 500 IW_INTERNAL without its message.
 */
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { isIntegrityError } from '../../errors.js';
import { authRoutes } from './auth-routes.js';
import type { ConsoleDeps } from './console-deps.js';
import { statusFor } from './http-errors.js';
import { overviewRoutes } from './overview-routes.js';
import { queueRoutes } from './queue-routes.js';
import { installSecurityHooks } from './security-hooks.js';

export async function buildConsoleApp(
  deps: ConsoleDeps,
  serverOptions: FastifyServerOptions & { https?: { cert: Buffer; key: Buffer } } = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: 64 * 1024,
    ...serverOptions,
  }) as unknown as FastifyInstance;
  await app.register(cookie);
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      error: { code: 'IW_CONSOLE_RATE_LIMITED', message: `too many attempts; retry in ${context.after}` },
    }),
  });
  installSecurityHooks(app, deps);
  app.setErrorHandler((error, _request, reply) => {
    if (isIntegrityError(error)) {
      return reply.code(statusFor(error.code)).send({ error: { code: error.code, message: error.message } });
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status === 429) return reply.code(429).send(error);
    if (status && status >= 400 && status < 500) {
      return reply.code(status).send({ error: { code: 'IW_CONSOLE_BAD_REQUEST', message: 'bad request' } });
    }
    deps.logger.error({ err: error }, 'console request failed');
    return reply.code(500).send({ error: { code: 'IW_INTERNAL', message: 'internal error' } });
  });
  authRoutes(app, deps);
  queueRoutes(app, deps);
  overviewRoutes(app, deps);
  const webDir = deps.settings.webDir && resolve(deps.settings.webDir);
  if (webDir && existsSync(webDir)) {
    await app.register(fastifyStatic, { root: webDir, index: ['index.html'], cacheControl: false });
  }
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send({ error: { code: 'IW_CONSOLE_NOT_FOUND', message: 'not found' } }),
  );
  return app;
}
