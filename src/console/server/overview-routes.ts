/** The overview's data, the admin-only audit log, health and metrics. */
import type { FastifyInstance } from 'fastify';
import { buildOverview } from '../stats/overview.js';
import type { ConsoleDeps } from './console-deps.js';

export function overviewRoutes(app: FastifyInstance, deps: ConsoleDeps): void {
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_request, reply) => {
    const ready = deps.isReady();
    return reply.code(ready ? 200 : 503).send({ ready });
  });
  // Aggregates only (no pin, text or account), for Prometheus, which cannot log in.
  app.get('/metrics', async (_request, reply) =>
    reply.header('content-type', 'text/plain; version=0.0.4').send(await deps.metricsText()),
  );
  app.get('/api/overview', async () => buildOverview(deps.stores.stats));
  app.get('/api/admin/audit-log', async () => ({ entries: await deps.stores.accounts.auditLog() }));
}
