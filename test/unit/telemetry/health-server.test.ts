import { afterEach, describe, expect, it } from 'vitest';
import { HealthServer } from '../../../src/telemetry/health-server.js';

let server: HealthServer | undefined;
afterEach(() => server?.close());

describe('HealthServer', () => {
  it('answers /healthz always, /readyz by readiness, /metrics by the metrics handler', async () => {
    let ready = false;
    server = new HealthServer({
      host: '127.0.0.1',
      port: 0,
      isReady: () => ready,
      serveMetrics: (_request, response) => response.end('iw_labels_total 3\n'),
    });
    const port = await server.listen();
    const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/readyz')).status).toBe(503);
    ready = true;
    expect((await get('/readyz')).status).toBe(200);
    expect(await (await get('/metrics')).text()).toBe('iw_labels_total 3\n');
    expect((await get('/nope')).status).toBe(404);
  });

  it('POST /admin/reload needs the bearer token and answers 200 applied, 409 refused', async () => {
    let applied = true;
    let reloads = 0;
    server = new HealthServer({
      host: '127.0.0.1',
      port: 0,
      isReady: () => true,
      serveMetrics: (_request, response) => response.end(''),
      admin: {
        token: 'a-test-token-of-24-chars',
        reload: async () => {
          reloads++;
          return { applied };
        },
      },
    });
    const port = await server.listen();
    const post = (auth?: string, method = 'POST') =>
      fetch(`http://127.0.0.1:${port}/admin/reload`, {
        method,
        headers: auth ? { authorization: auth } : {},
      });
    expect((await post()).status).toBe(401);
    expect((await post('Bearer wrong-token-of-24-chars!')).status).toBe(401);
    expect((await post('Bearer a-test-token-of-24-chars', 'GET')).status).toBe(405);
    expect(reloads).toBe(0);
    expect((await post('Bearer a-test-token-of-24-chars')).status).toBe(200);
    applied = false;
    expect((await post('Bearer a-test-token-of-24-chars')).status).toBe(409);
    expect(reloads).toBe(2);
  });
});
