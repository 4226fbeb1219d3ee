/** A console HTTP app over an in-memory SQLite store, for tests that need no Kafka (unit tier). */
import pino from 'pino';
import type { ReviewVerdict } from '../../src/contracts/generated/review-verdict.js';
import type { VerdictPublisher } from '../../src/console/publish/verdict-publisher.js';
import { hashPassword } from '../../src/console/security/password.js';
import { buildConsoleApp } from '../../src/console/server/console-app.js';
import { AccountStore } from '../../src/console/store/account-store.js';
import { LabelStore } from '../../src/console/store/label-store.js';
import { SqliteDriver } from '../../src/console/store/sqlite-driver.js';
import { StoreStats } from '../../src/console/store/store-stats.js';
import type { ImageFetcher } from '../../src/fetch/image-fetcher.js';

/** A real publisher that keeps what it was given (the Kafka one is tested in the e2e tier). */
export class RecordingPublisher implements VerdictPublisher {
  readonly published: ReviewVerdict[] = [];
  async publish(verdict: ReviewVerdict): Promise<void> {
    this.published.push(verdict);
  }
  async close(): Promise<void> {}
}

export const PASSWORD = 'correct horse battery';

export async function consoleAppBed(
  options: { loginMaxPerMinute?: number; fetcher?: ImageFetcher; secureCookies?: boolean } = {},
) {
  const driver = new SqliteDriver(':memory:');
  const labels = new LabelStore(driver, { allow: 0, block: 0 });
  await labels.migrate();
  const accounts = new AccountStore(driver);
  const stats = new StoreStats(driver);
  const fast = { N: 1024, r: 8, p: 1 };
  await accounts.addUser({
    username: 'rita',
    role: 'reviewer',
    passwordHash: await hashPassword(PASSWORD, fast),
  });
  await accounts.addUser({
    username: 'adam',
    role: 'admin',
    passwordHash: await hashPassword(PASSWORD, fast),
  });
  const publisher = new RecordingPublisher();
  const app = await buildConsoleApp({
    stores: { labels, accounts, stats, close: () => driver.close() },
    publisher,
    fetcher: options.fetcher ?? {
      fetch: () => Promise.reject(new Error('no images here')),
      close: async () => {},
    },
    logger: pino({ level: 'silent' }),
    settings: {
      claimTtlMs: 60_000,
      sessionTtlMs: 3_600_000,
      loginMaxPerMinute: options.loginMaxPerMinute ?? 100,
      secureCookies: options.secureCookies ?? false,
    },
    metricsText: async () => '',
    isReady: () => true,
  });
  /** Logs in as `username`: the cookie header to send and the session's CSRF token. */
  async function login(username: string, password = PASSWORD) {
    const probe = await app.inject({ method: 'GET', url: '/api/session' });
    const pre = probe.cookies.find((c) => c.name === 'iw_login_csrf')!;
    const response = await app.inject({
      method: 'POST',
      url: '/api/login',
      headers: { 'x-csrf-token': probe.json<{ csrfToken: string }>().csrfToken },
      cookies: { iw_login_csrf: pre.value },
      payload: { username, password },
    });
    const session = response.cookies.find((c) => c.name === 'iw_session');
    return {
      response,
      cookies: { iw_session: session?.value ?? '' },
      csrf: response.json<{ csrfToken?: string }>().csrfToken ?? '',
    };
  }
  return {
    app,
    labels,
    accounts,
    publisher,
    login,
    close: async () => (await app.close(), await driver.close()),
  };
}
