/**
 * Screenshots of a running console for the README (docs/console-*.png): logs in, decides a few
 * items so the overview has precision figures (with `--decide N`), and captures the queue and the
 * overview in Debian's Chromium.
 *
 *   tsx scripts/console/screenshots.ts --url http://127.0.0.1:8480 --user reviewer --password ... [--decide 6]
 */
import { parseArgs } from 'node:util';
import { launchChromium } from '../../test/support/browser.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:8480' },
    user: { type: 'string', default: 'reviewer' },
    password: { type: 'string' },
    decide: { type: 'string', default: '0' },
    out: { type: 'string', default: 'docs' },
  },
});
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(values.url);
  await page.getByLabel('Username').fill(values.user);
  await page.getByLabel('Password').fill(values.password ?? '');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('article.detail').waitFor();
  // Verdicts alternate so the figures are not all 100%: a demo, not a measurement.
  for (let i = 0; i < Number(values.decide); i++) {
    const before = await page.locator('article.detail').getAttribute('data-item');
    await page.keyboard.press(i % 3 === 2 ? 'n' : 'v');
    await page.locator(`article.detail:not([data-item="${before}"])`).waitFor();
  }
  await page
    .locator('article.detail img')
    .first()
    .waitFor({ timeout: 10_000 })
    .catch(() => undefined);
  await page.screenshot({ path: `${values.out}/console-queue.png` });
  await page.goto(`${values.url}/#/overview`);
  await page.locator('#chart-decisions').waitFor();
  await page.waitForTimeout(500);
  await page.screenshot({ path: `${values.out}/console-overview.png`, fullPage: true });
  console.log(`wrote ${values.out}/console-queue.png and ${values.out}/console-overview.png`);
} finally {
  await browser.close();
}
