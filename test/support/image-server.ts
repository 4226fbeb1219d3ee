import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where real test photos live (optional); in-memory `files` take precedence. */
export const FIXTURE_IMAGES_DIR = fileURLToPath(new URL('../fixtures/images/', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.svg': 'image/svg+xml',
  '.html': 'text/html',
};

export interface ImageServerOptions {
  /** Bodies served by name, e.g. `{ 'tiny.png': png }`; looked up before `fixturesDir`. */
  readonly files?: Readonly<Record<string, Buffer>>;
  /** @defaultValue {@link FIXTURE_IMAGES_DIR} */
  readonly fixturesDir?: string;
  /** Serve HTTPS with this key and certificate (PEM) instead of HTTP. */
  readonly tls?: { readonly key: Buffer | string; readonly cert: Buffer | string };
}

export interface ImageServer {
  /** `http://127.0.0.1:<port>` (`https:` with `tls`) */
  readonly origin: string;
  readonly port: number;
  /** Absolute URL of a path on this server. */
  url(path: string): string;
  /** Requests received for a path (query ignored): 0 proves a refused URL never reached the server. */
  hits(path: string): number;
  /** The User-Agent header of every request for a path (query ignored), in arrival order. */
  userAgents(path: string): (string | undefined)[];
  /** Most requests this server was answering at the same time, per host header (name:port). */
  peakConcurrency(host: string): number;
  /** TCP connections accepted since start. */
  connections(): number;
  close(): Promise<void>;
}

/**
 * A local HTTP server (127.0.0.1, random port) for fetcher and worker tests. Routes, `<name>` being a
 * file name:
 *
 * - `/images/<name>`: the file, with the Content-Type its extension implies
 * - `/typed/<url-encoded content type>/<name>`: the file under a chosen (lying) Content-Type
 * - `/status/<code>`: that status with a short text body (`?retryAfter=<s>` adds Retry-After)
 * - `/flaky/<code>/<n>/<name>`: `<code>` for the first n hits, then the file
 * - `/slow-headers/<ms>/<name>`: waits before sending anything
 * - `/slow-first/<ms>/<n>/<name>`: waits `<ms>` before answering the first n hits, then the file at once
 * - `/trickle/<ms>/<name>`: 16 bytes every `<ms>` (Content-Length set)
 * - `/declared-length/<bytes>/<name>`: Content-Length `<bytes>`, the file's first 64 bytes, then silence
 * - `/endless/<name>`: chunked: the file, then 16 KiB of zeros per tick until the client hangs up
 * - `/redirect/<n>/<name>?form=relative|absolute|dot`: a chain of n 302s, then the file
 * - `/redirect-to?location=<url>&status=<3xx>`: one redirect anywhere; `/no-location`: 302 without one
 * - `/loop/a`, `/loop/b`: redirect to each other forever
 * - `/reset`: destroys the socket without answering
 */
export async function startImageServer(options: ImageServerOptions = {}): Promise<ImageServer> {
  const files = options.files ?? {};
  const fixturesDir = options.fixturesDir ?? FIXTURE_IMAGES_DIR;
  const hitCounts = new Map<string, number>();
  const agents = new Map<string, (string | undefined)[]>();
  const active = new Map<string, number>();
  const peaks = new Map<string, number>();
  let connectionCount = 0;

  const load = async (name: string): Promise<Buffer | undefined> => {
    if (name in files) return files[name];
    if (name.includes('/') || name.includes('..')) return undefined;
    return readFile(join(fixturesDir, name)).catch(() => undefined);
  };

  const sendFile = async (res: ServerResponse, name: string, type?: string): Promise<void> => {
    const body = await load(name);
    if (!body) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('no such file');
    res.writeHead(200, {
      'content-type': type ?? TYPES[extname(name)] ?? 'application/octet-stream',
      'content-length': body.length,
    });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const count = (hitCounts.get(url.pathname) ?? 0) + 1;
    hitCounts.set(url.pathname, count);
    agents.set(url.pathname, [...(agents.get(url.pathname) ?? []), req.headers['user-agent']]);
    const host = req.headers.host ?? '';
    active.set(host, (active.get(host) ?? 0) + 1);
    peaks.set(host, Math.max(peaks.get(host) ?? 0, active.get(host)!));
    res.once('close', () => active.set(host, active.get(host)! - 1));
    const [route = '', a = '', b = '', c = ''] = url.pathname.split('/').slice(1).map(decodeURIComponent);
    const every = (ms: number, tick: () => void): void => {
      const interval = setInterval(tick, ms);
      res.once('close', () => clearInterval(interval));
    };

    switch (route) {
      case 'images':
        return sendFile(res, a);
      case 'typed':
        return sendFile(res, b, a);
      case 'status': {
        const retryAfter = url.searchParams.get('retryAfter');
        res.writeHead(Number(a), {
          'content-type': 'text/plain',
          ...(retryAfter ? { 'retry-after': retryAfter } : {}),
        });
        return void res.end(`status ${a}`);
      }
      case 'flaky':
        if (count <= Number(b)) return void res.writeHead(Number(a)).end(`flaky ${count}`);
        return sendFile(res, c);
      case 'slow-first': {
        if (count > Number(b)) return sendFile(res, c);
        const timer = setTimeout(() => void sendFile(res, c), Number(a));
        return void res.once('close', () => clearTimeout(timer));
      }
      case 'slow-headers': {
        const timer = setTimeout(() => void sendFile(res, b), Number(a));
        return void res.once('close', () => clearTimeout(timer));
      }
      case 'trickle': {
        const body = (await load(b)) ?? Buffer.alloc(0);
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': body.length });
        let offset = 0;
        return every(Number(a), () => {
          res.write(body.subarray(offset, offset + 16));
          offset += 16;
          if (offset >= body.length) res.end();
        });
      }
      case 'declared-length': {
        const body = (await load(b)) ?? Buffer.alloc(0);
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': Number(a) });
        return void res.write(body.subarray(0, 64));
      }
      case 'endless': {
        res.writeHead(200, { 'content-type': 'image/png' });
        res.write((await load(a)) ?? Buffer.alloc(0));
        const zeros = Buffer.alloc(16 * 1024);
        return every(1, () => void res.write(zeros));
      }
      case 'redirect': {
        const left = Number(a);
        if (left <= 0) return sendFile(res, b);
        const next = `/redirect/${left - 1}/${encodeURIComponent(b)}${url.search}`;
        const form = url.searchParams.get('form') ?? 'relative';
        const location =
          form === 'absolute'
            ? `http://127.0.0.1:${port}${next}`
            : form === 'dot'
              ? `../${left - 1}/${b}${url.search}`
              : next;
        return void res.writeHead(302, { location }).end();
      }
      case 'redirect-to':
        res.writeHead(Number(url.searchParams.get('status') ?? 302), {
          location: url.searchParams.get('location') ?? '/',
        });
        return void res.end();
      case 'no-location':
        return void res.writeHead(302).end();
      case 'loop':
        return void res.writeHead(302, { location: a === 'a' ? '/loop/b' : '/loop/a' }).end();
      case 'reset':
        return void req.socket.destroy();
      default:
        return void res.writeHead(404).end('no such route');
    }
  };

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((error: unknown) => {
      console.error('[image-server]', error);
      res.destroy();
    });
  };
  const server = options.tls ? createTlsServer({ ...options.tls }, listener) : createServer(listener);
  server.on('connection', () => connectionCount++);
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  const origin = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;

  return {
    origin,
    port,
    url: (path) => new URL(path, origin).href,
    hits: (path) => hitCounts.get(new URL(path, origin).pathname) ?? 0,
    userAgents: (path) => agents.get(new URL(path, origin).pathname) ?? [],
    peakConcurrency: (host) => peaks.get(host) ?? 0,
    connections: () => connectionCount,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((done, fail) => server.close((error) => (error ? fail(error) : done())));
    },
  };
}
