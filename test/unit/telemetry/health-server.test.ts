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
});
