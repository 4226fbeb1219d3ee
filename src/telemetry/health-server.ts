import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HealthServerOptions {
  host: string;
  port: number;
  /** Ready means: every model has a live, warmed session and the Kafka consumer runs. */
  isReady: () => boolean;
  serveMetrics: (request: IncomingMessage, response: ServerResponse) => void;
}

/** `/healthz` (the process answers), `/readyz` (it can do its job) and `/metrics` (Prometheus text). */
export class HealthServer {
  private server: Server | undefined;

  constructor(private readonly options: HealthServerOptions) {}

  /** Resolves with the bound port (useful with port 0). */
  async listen(): Promise<number> {
    const server = createServer((request, response) => this.route(request, response));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
  }

  private route(request: IncomingMessage, response: ServerResponse): void {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/metrics') return this.options.serveMetrics(request, response);
    if (path === '/healthz') return reply(response, 200, { status: 'ok' });
    if (path === '/readyz') {
      const ready = this.options.isReady();
      return reply(response, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready' });
    }
    reply(response, 404, { error: 'not found' });
  }
}

function reply(response: ServerResponse, status: number, body: object): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
