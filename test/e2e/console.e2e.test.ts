/**
 * The review console end to end: the real stack, a real worker, the console with its SQLite store,
 * and Debian's Chromium. A pin produced to Kafka reaches the queue as REVIEW; a reviewer logs in,
 * reveals, decides; the verdict is on the review topic and the precision figure moves. The pin's
 * `<script>` title renders as text; requests without a session, the CSRF token or the right role
 * are refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsole, type ConsoleHandle } from '../../src/console/console-main.js';
import { hashPassword } from '../../src/console/security/password.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { ReviewVerdict } from '../../src/contracts/generated/review-verdict.js';
import { REVIEW_VERDICT, SUBJECT_COMPATIBILITY, subjectForTopic } from '../../src/contracts/subjects.js';
import { registerSchema } from '../../src/contracts/schema-check.js';
import { createLogger } from '../../src/telemetry/logger.js';
import type { WorkerHandle } from '../../src/main.js';
import { launchChromium } from '../support/browser.js';
import { loopbackOnlyConnector } from '../support/loopback-only-connector.js';
import { minimalPinCreated } from '../support/records.js';
import { uniqueName } from '../support/stack-env.js';
import {
  codec,
  createWorkerTopics,
  kafka,
  producePins,
  registry,
  sleep,
  startTestWorker,
  useWorkerTestBed,
  workerEnv,
  type WorkerTopics,
} from '../support/worker-harness.js';

const PASSWORD = 'e2e reviewer passphrase';
const TITLE = '<script>window.__xss = 1</script> Great deals on cheap watches, buy now';
const bed = useWorkerTestBed();
let topics: WorkerTopics;
let reviews: string;
let worker: WorkerHandle;
let consoleApp: ConsoleHandle;
let browser: Browser;
let dir: string;
const pinId = uniqueName('pin');

async function until<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(200);
  }
}

async function logIn(page: Page, username: string): Promise<void> {
  await page.goto(consoleApp.url);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByText(`${username} (`).waitFor();
}

beforeAll(async () => {
  topics = await createWorkerTopics(bed.admin);
  reviews = `${topics.pins}.reviews`;
  await bed.admin.createTopics({
    topics: [{ topic: reviews, numPartitions: 1, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  await registerSchema(registry, subjectForTopic(reviews), REVIEW_VERDICT.schemaText, SUBJECT_COMPATIBILITY);
  ({ worker } = await startTestWorker(topics));
  dir = mkdtempSync(join(tmpdir(), 'iw-console-e2e-'));
  const config = loadConfig(
    workerEnv(topics, {
      REVIEW_TOPIC: reviews,
      CONSOLE_LABEL_TOPICS: `${topics.labels}=primary`,
      CONSOLE_STORE_URL: `sqlite:${join(dir, 'store.sqlite')}`,
      CONSOLE_GROUP_ID: uniqueName('console'),
      CONSOLE_PORT: '0',
      CONSOLE_AUDIT_RATE_ALLOW: '0',
      CONSOLE_AUDIT_RATE_BLOCK: '0',
    }),
  );
  consoleApp = await startConsole(config, {
    connector: loopbackOnlyConnector().connect,
    logger: createLogger('warn'),
  });
  const hash = await hashPassword(PASSWORD);
  await consoleApp.stores.accounts.addUser({ username: 'rita', role: 'reviewer', passwordHash: hash });
  await consoleApp.stores.accounts.addUser({ username: 'adam', role: 'admin', passwordHash: hash });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await consoleApp?.stop();
  await worker?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('review console in Chromium', () => {
  it('takes a pin from Kafka to a verdict on the review topic, and the precision figure moves', async () => {
    await producePins(topics.pins, [
      minimalPinCreated({
        pinId,
        title: TITLE,
        link: 'https://watches.example/deal',
        image: {
          url: bed.images.url('/images/photo-coffee.jpg'),
          signature: null,
          width: null,
          height: null,
          mime: null,
        },
      }),
    ]);
    const item = await until(async () =>
      (await consoleApp.stores.labels.listQueue()).find((i) => i.pinId === pinId),
    );
    expect(item).toMatchObject({ signal: 'text.spam', decision: 'REVIEW', queue: 'review' });

    const page = await browser.newPage();
    const outside: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(consoleApp.url) && !request.url().startsWith('blob:'))
        outside.push(request.url());
    });
    await logIn(page, 'rita');

    await page.goto(`${consoleApp.url}/#/overview`);
    await page.getByText('No verdicts yet').waitFor();

    await page.goto(`${consoleApp.url}/#/queue`);
    const detail = page.locator(`article.detail[data-item="${item.itemId}"]`);
    await detail.waitFor();
    expect(await detail.locator('.pin-title').textContent()).toBe(TITLE);
    expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator('script:not([src])').count()).toBe(0);
    await detail.locator('figure.image.blurred img').waitFor();
    expect(await detail.locator('img').getAttribute('src')).toMatch(/^blob:/);
    await page.keyboard.press('r');
    await detail.locator('figure.image:not(.blurred) img').waitFor();
    await page.keyboard.press('v');
    await page.getByText('Saved: text.spam violates.').waitFor();
    expect(outside).toEqual([]);

    const verdict = await readVerdict(reviews, pinId);
    expect(verdict).toMatchObject({
      pinId,
      signal: 'text.spam',
      verdict: 'VIOLATES',
      queue: 'review',
      inclusionProbability: 1,
      label: { modelName: 'text-spam', modelVersion: '1', decision: 'REVIEW', labelTopic: topics.labels },
    });
    expect(verdict.reviewerId).toMatch(/^r-/);

    await page.goto(`${consoleApp.url}/#/overview`);
    await page
      .locator('.card.precision[data-key="text.spam|text-spam@1|REVIEW"] .value')
      .getByText('100.0%')
      .waitFor();
    const metrics = await (await fetch(`${consoleApp.url}/metrics`)).text();
    expect(metrics).toMatch(/iw_review_precision\{[^}]*decision="REVIEW"[^}]*\} 1/);
    await page.close();
  });

  it('refuses requests without a session, without the CSRF token, or with the wrong role', async () => {
    expect((await fetch(`${consoleApp.url}/api/queue`)).status).toBe(401);
    const page = await browser.newPage();
    await logIn(page, 'rita');
    const request = page.context().request;
    const noCsrf = await request.post(`${consoleApp.url}/api/items/${'0'.repeat(24)}/claim`);
    expect(noCsrf.status()).toBe(403);
    expect((await noCsrf.json()).error.code).toBe('IW_CONSOLE_CSRF');
    const admin = await request.get(`${consoleApp.url}/api/admin/audit-log`);
    expect((await admin.json()).error.code).toBe('IW_CONSOLE_FORBIDDEN');
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'iw_session')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
    });
    await page.close();

    const adminPage = await browser.newPage();
    await logIn(adminPage, 'adam');
    await adminPage.goto(`${consoleApp.url}/#/audit`);
    await adminPage.getByRole('cell', { name: 'verdict', exact: true }).first().waitFor();
    await adminPage.close();
  });
});

async function readVerdict(topic: string, pin: string): Promise<ReviewVerdict> {
  const consumer = kafka.consumer({ groupId: uniqueName('verdicts') });
  const found: ReviewVerdict[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const { record } = await codec.decodeAs(REVIEW_VERDICT, message.value!);
      if (message.key?.toString() === pin) found.push(record);
    },
  });
  try {
    return await until(async () => found[0]);
  } finally {
    await consumer.disconnect();
  }
}
