import type { ImageFetcher } from '../../fetch/image-fetcher.js';
import type { Logger } from '../../telemetry/logger.js';
import type { VerdictPublisher } from '../publish/verdict-publisher.js';
import type { ConsoleStores } from '../store/store-from-config.js';
import type { SessionRow } from '../store/store-types.js';

/** What the console's HTTP app is built from (constructed by the console's composition root). */
export interface ConsoleDeps {
  readonly stores: ConsoleStores;
  readonly publisher: VerdictPublisher;
  readonly fetcher: ImageFetcher;
  readonly logger: Logger;
  readonly settings: {
    readonly claimTtlMs: number;
    readonly sessionTtlMs: number;
    readonly loginMaxPerMinute: number;
    /** Cookies get `Secure` (the console serves HTTPS). */
    readonly secureCookies: boolean;
    /** The built web client; absent: API only. */
    readonly webDir?: string;
  };
  /** Prometheus text of the console's metrics. */
  readonly metricsText: () => Promise<string>;
  readonly isReady: () => boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The logged-in session; set by the auth hook on every /api route but session and login. */
    session: SessionRow | null;
  }
}
