import { afterEach, describe, expect, it } from 'vitest';
import { itemIdFor } from '../../../src/console/store/label-store.js';
import { hashPassword, verifyPassword } from '../../../src/console/security/password.js';
import { consoleAppBed } from '../../support/console-app-bed.js';
import { minimalIntegrityLabel, minimalPinCreated, scoredSignal } from '../../support/records.js';

let bed: Awaited<ReturnType<typeof consoleAppBed>>;
afterEach(async () => bed?.close());

async function withReviewItem() {
  bed = await consoleAppBed();
  await bed.labels.applyPin(minimalPinCreated({ pinId: 'p1', title: '<script>alert(1)</script>' }), {
    topic: 'pins',
    partition: 0,
    offset: 0,
  });
  await bed.labels.applyLabel(
    minimalIntegrityLabel({
      pinId: 'p1',
      decision: 'REVIEW',
      signals: [scoredSignal({ signal: 'text.spam', decision: 'REVIEW', scores: { spam: 0.7 } })],
    }),
    'primary',
    { topic: 'labels', partition: 0, offset: 0 },
  );
  return itemIdFor('p1', 'text.spam');
}

describe('console security', () => {
  it('hashes passwords with scrypt and verifies only the right one', async () => {
    const hash = await hashPassword('s3cret-passphrase', { N: 1024, r: 8, p: 1 });
    expect(hash).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(await verifyPassword('s3cret-passphrase', hash)).toBe(true);
    expect(await verifyPassword('s3cret-passphrasE', hash)).toBe(false);
    expect(await verifyPassword('x', 'md5$abc')).toBe(false);
  });

  it('refuses every API route without a session, but not health', async () => {
    bed = await consoleAppBed();
    for (const url of ['/api/queue', '/api/overview', '/api/admin/audit-log']) {
      const response = await bed.app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('IW_CONSOLE_UNAUTHENTICATED');
    }
    expect((await bed.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('logs in with HttpOnly SameSite=Strict cookies; a wrong password is refused and audited', async () => {
    bed = await consoleAppBed();
    const bad = await bed.login('rita', 'wrong password!');
    expect(bad.response.statusCode).toBe(401);
    const good = await bed.login('rita');
    expect(good.response.statusCode).toBe(200);
    const cookie = good.response.cookies.find((c) => c.name === 'iw_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie.secure).toBeFalsy();
    const log = await bed.accounts.auditLog();
    expect(log.map((e) => `${e.actor}:${e.action}`)).toEqual(
      expect.arrayContaining(['rita:login-failed', 'rita:login']),
    );
  });

  it('marks the session cookie Secure (and sends HSTS) when the console serves TLS', async () => {
    bed = await consoleAppBed({ secureCookies: true });
    const { response } = await bed.login('rita');
    expect(response.cookies.find((c) => c.name === 'iw_session')).toMatchObject({
      secure: true,
      httpOnly: true,
    });
    expect(response.headers['strict-transport-security']).toBe('max-age=31536000');
  });

  it('refuses a login without the pre-session CSRF token', async () => {
    bed = await consoleAppBed();
    const response = await bed.app.inject({
      method: 'POST',
      url: '/api/login',
      payload: { username: 'rita', password: 'x' },
    });
    expect(response.json().error.code).toBe('IW_CONSOLE_CSRF');
  });

  it('rate-limits logins per address', async () => {
    bed = await consoleAppBed({ loginMaxPerMinute: 3 });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await bed.login('rita', 'wrong password!')).response.statusCode);
    expect(codes).toEqual([401, 401, 401, 429, 429]);
  });

  it('refuses a state-changing request without the CSRF token, and an admin route to a reviewer', async () => {
    const id = await withReviewItem();
    const rita = await bed.login('rita');
    const noToken = await bed.app.inject({
      method: 'POST',
      url: `/api/items/${id}/verdict`,
      cookies: rita.cookies,
      payload: { verdict: 'VIOLATES' },
    });
    expect(noToken.statusCode).toBe(403);
    expect(noToken.json().error.code).toBe('IW_CONSOLE_CSRF');
    const wrongToken = await bed.app.inject({
      method: 'POST',
      url: `/api/items/${id}/claim`,
      cookies: rita.cookies,
      headers: { 'x-csrf-token': `${rita.csrf.slice(1)}x` },
    });
    expect(wrongToken.json().error.code).toBe('IW_CONSOLE_CSRF');
    expect(bed.publisher.published).toEqual([]);
    const forbidden = await bed.app.inject({
      method: 'GET',
      url: '/api/admin/audit-log',
      cookies: rita.cookies,
    });
    expect(forbidden.json().error.code).toBe('IW_CONSOLE_FORBIDDEN');
    const adam = await bed.login('adam');
    expect(
      (await bed.app.inject({ method: 'GET', url: '/api/admin/audit-log', cookies: adam.cookies }))
        .statusCode,
    ).toBe(200);
  });

  it('lets one reviewer claim an item; the other cannot decide it; a verdict is published and audited', async () => {
    const id = await withReviewItem();
    const rita = await bed.login('rita');
    const adam = await bed.login('adam');
    const post = (who: typeof rita, path: string, payload?: object) =>
      bed.app.inject({
        method: 'POST',
        url: `/api/items/${id}/${path}`,
        cookies: who.cookies,
        headers: { 'x-csrf-token': who.csrf },
        ...(payload && { payload }),
      });
    expect((await post(rita, 'claim')).statusCode).toBe(200);
    const taken = await post(adam, 'verdict', { verdict: 'NOT_VIOLATING' });
    expect(taken.json().error.code).toBe('IW_CONSOLE_CLAIMED');
    expect((await post(rita, 'verdict', { verdict: 'VIOLATES' })).statusCode).toBe(200);
    expect(bed.publisher.published).toMatchObject([
      { pinId: 'p1', signal: 'text.spam', verdict: 'VIOLATES', queue: 'review', inclusionProbability: 1 },
    ]);
    expect(bed.publisher.published[0]!.reviewerId).toMatch(/^r-/);
    const queue = await bed.app.inject({ method: 'GET', url: '/api/queue', cookies: rita.cookies });
    expect(queue.json().items).toEqual([]);
    expect((await bed.accounts.auditLog()).find((e) => e.action === 'verdict')).toMatchObject({
      actor: 'rita',
      target: id,
    });
  });

  it('serves pin text as JSON data and sets a strict CSP on every response', async () => {
    await withReviewItem();
    const rita = await bed.login('rita');
    const queue = await bed.app.inject({ method: 'GET', url: '/api/queue', cookies: rita.cookies });
    expect(queue.headers['content-type']).toMatch(/^application\/json/);
    expect(queue.headers['content-security-policy']).toContain("script-src 'self'");
    expect(queue.headers['x-content-type-options']).toBe('nosniff');
    expect(queue.json().items[0].pin.title).toBe('<script>alert(1)</script>');
  });
});
