/**
 * The label store's contract, run against both engines: SQLite (a fresh file) and PostgreSQL (the
 * stack's server, a schema of its own per test). Same code, same expectations.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LabelStore, itemIdFor } from '../../src/console/store/label-store.js';
import { AccountStore } from '../../src/console/store/account-store.js';
import { PostgresDriver } from '../../src/console/store/postgres-driver.js';
import type { SqlDriver } from '../../src/console/store/sql-driver.js';
import { SqliteDriver } from '../../src/console/store/sqlite-driver.js';
import { StoreStats } from '../../src/console/store/store-stats.js';
import { estimateRates } from '../../src/console/stats/estimates.js';
import { minimalIntegrityLabel, minimalPinCreated, reviewVerdict, scoredSignal } from '../support/records.js';
import { stackEnv, uniqueName } from '../support/stack-env.js';

type Engine = { name: string; open: () => Promise<SqlDriver> };
const cleanups: (() => Promise<void>)[] = [];

const engines: Engine[] = [
  {
    name: 'sqlite',
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'iw-store-'));
      const driver = new SqliteDriver(join(dir, 'store.sqlite'));
      cleanups.push(async () => (await driver.close(), rmSync(dir, { recursive: true, force: true })));
      return driver;
    },
  },
  {
    name: 'postgres',
    open: async () => {
      const schema = uniqueName('store').replace(/-/g, '_');
      const admin = new PostgresDriver(stackEnv.postgresUrl);
      await admin.exec(`CREATE SCHEMA ${schema}`);
      const driver = new PostgresDriver(stackEnv.postgresUrl, { schema });
      cleanups.push(async () => {
        await driver.close();
        await admin.exec(`DROP SCHEMA ${schema} CASCADE`);
        await admin.close();
      });
      return driver;
    },
  },
];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const T0 = Date.UTC(2026, 10, 30, 12);
const pos = (topic: string, offset: number, partition = 0) => ({ topic, partition, offset });
const textSignal = (decision: 'ALLOW' | 'REVIEW' | 'BLOCK', spam: number) =>
  scoredSignal({
    signal: 'text.spam',
    model: { name: 'text-spam', version: '1' },
    decision,
    scores: { spam, ham: 1 - spam },
  });
const label = (
  pinId: string,
  decision: 'ALLOW' | 'REVIEW' | 'BLOCK',
  spam: number,
  at = T0,
  eventId?: string,
) =>
  minimalIntegrityLabel({
    pinId,
    labeledAt: at,
    decision,
    signals: [textSignal(decision, spam)],
    ...(eventId && { sourceEventId: eventId }),
  });

describe.each(engines)('label store on $name', (engine) => {
  async function open(rates = { allow: 0, block: 0 }) {
    const driver = await engine.open();
    const store = new LabelStore(driver, rates, (_s, _p, scores) =>
      (scores.spam ?? 0) >= 0.5
        ? { reason: 'spam', rule: 'spam >= 0.5 -> REVIEW', riskScore: scores.spam ?? 0 }
        : { riskScore: scores.spam ?? 0 },
    );
    await store.migrate();
    return { store, driver, stats: new StoreStats(driver), accounts: new AccountStore(driver) };
  }

  it('joins a REVIEW label with its pin in the queue, whichever arrives first, and records offsets', async () => {
    const { store } = await open();
    await store.applyLabel(label('p1', 'REVIEW', 0.7), 'primary', pos('labels', 4));
    await store.applyPin(
      minimalPinCreated({ pinId: 'p1', title: '<script>alert(1)</script>', link: 'https://Spam.example/x' }),
      pos('pins', 9, 2),
    );
    const [item] = await store.listQueue();
    expect(item).toMatchObject({
      pinId: 'p1',
      signal: 'text.spam',
      queue: 'review',
      inclusionProbability: 1,
      decision: 'REVIEW',
      model: 'text-spam@1',
      reason: 'spam',
      rule: 'spam >= 0.5 -> REVIEW',
      status: 'open',
      pin: { title: '<script>alert(1)</script>', linkDomain: 'spam.example', hasImage: false },
    });
    expect(item!.scores.spam).toBeCloseTo(0.7);
    expect((await store.nextOffsets()).sort((a, b) => a.topic.localeCompare(b.topic))).toEqual([
      pos('labels', 5),
      pos('pins', 10, 2),
    ]);
  });

  it('keeps the latest label per pin: an older one adds history only; an ALLOW takes the item out', async () => {
    const { store, stats } = await open();
    await store.applyLabel(label('p1', 'REVIEW', 0.7, T0 + 10), 'primary', pos('labels', 1));
    await store.applyLabel(label('p1', 'ALLOW', 0.1, T0), 'primary', pos('labels', 2));
    expect(await store.listQueue()).toHaveLength(1);
    await store.applyLabel(label('p1', 'ALLOW', 0.1, T0 + 20), 'primary', pos('labels', 3));
    expect(await store.listQueue()).toHaveLength(0);
    const buckets = await stats.decisionsOverTime(60_000, 0);
    expect(buckets.reduce((n, b) => n + b.count, 0)).toBe(3);
    // T0 + 10 and T0 + 20 fall in T0's minute: one bucket per decision, starting on the minute.
    expect(buckets.map((b) => [b.bucketStart, b.decision, b.count])).toEqual([
      [T0, 'ALLOW', 2],
      [T0, 'REVIEW', 1],
    ]);
  });

  it("lets a rescan's label (higher attempt, same event) supersede the first scan's, even replayed later", async () => {
    const { store } = await open();
    const event = '00000000-0000-4000-8000-00000000e001';
    const held = { ...label('p1', 'ALLOW', 0.1, T0, event), attempt: 0, rescanNotBefore: T0 + 60_000 };
    const rescanned = { ...label('p1', 'REVIEW', 0.7, T0 + 60_000, event), attempt: 1 };
    await store.applyLabel(held, 'primary', pos('labels', 0));
    await store.applyLabel(rescanned, 'primary', pos('labels', 1));
    expect((await store.listQueue()).map((i) => [i.pinId, i.decision])).toEqual([['p1', 'REVIEW']]);
    // A replay republishes the first scan's label later (a newer labeled-at, the lower attempt).
    await store.applyLabel({ ...held, labeledAt: T0 + 120_000 }, 'primary', pos('labels', 2));
    expect((await store.listQueue()).map((i) => [i.pinId, i.decision])).toEqual([['p1', 'REVIEW']]);
    // A new event for the pin is decided by time again.
    await store.applyLabel(label('p1', 'ALLOW', 0.1, T0 + 180_000), 'primary', pos('labels', 3));
    expect(await store.listQueue()).toEqual([]);
  });

  it('shows the rule the label names when the policy file does not explain it (unscored.default)', async () => {
    const { store } = await open();
    const unscored = scoredSignal({
      signal: 'image.safety',
      decision: 'REVIEW',
      scores: {},
      reasonCode: 'IW_IMAGE_DECODE',
      rule: 'unscored.default',
    });
    await store.applyLabel(
      minimalIntegrityLabel({ pinId: 'p9', decision: 'REVIEW', signals: [unscored] }),
      'primary',
      pos('labels', 0),
    );
    expect(await store.listQueue()).toMatchObject([
      { pinId: 'p9', reason: 'IW_IMAGE_DECODE', rule: 'unscored.default' },
    ]);
  });

  it('drops a view of an older layout at start and keeps accounts (the ingest rebuilds the view)', async () => {
    const { store, driver, accounts } = await open();
    await accounts.addUser({ username: 'ann', role: 'reviewer', passwordHash: 'x' });
    await store.applyLabel(label('p1', 'REVIEW', 0.7), 'primary', pos('labels', 0));
    await driver.query("UPDATE store_meta SET value = '1' WHERE name = 'view_version'");
    await store.migrate();
    expect(await store.listQueue()).toEqual([]);
    expect(await store.nextOffsets()).toEqual([]);
    expect(await accounts.findUser('ann')).toBeDefined();
    await store.migrate();
    await store.applyLabel(label('p1', 'REVIEW', 0.7), 'primary', pos('labels', 0));
    await store.migrate();
    expect(await store.listQueue()).toHaveLength(1);
  });

  it('draws ALLOW and BLOCK into the audit queue at the configured rate, the same draw on every rebuild', async () => {
    const { store } = await open({ allow: 0.5, block: 1 });
    for (let i = 0; i < 40; i++) {
      await store.applyLabel(
        label(`a${i}`, 'ALLOW', 0.01, T0, `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`),
        'primary',
        pos('labels', i),
      );
    }
    await store.applyLabel(label('b1', 'BLOCK', 0.99), 'primary', pos('labels', 100));
    const audit = await store.listQueue({ queue: 'audit', limit: 500 });
    const allowed = audit.filter((i) => i.decision === 'ALLOW');
    expect(allowed.length).toBeGreaterThan(5);
    expect(allowed.length).toBeLessThan(35);
    expect(allowed.every((i) => i.inclusionProbability === 0.5)).toBe(true);
    expect(audit.find((i) => i.pinId === 'b1')).toMatchObject({ inclusionProbability: 1, queue: 'audit' });
    await store.clearView();
    expect(await store.listQueue({ limit: 500 })).toHaveLength(0);
    for (let i = 0; i < 40; i++) {
      await store.applyLabel(
        label(`a${i}`, 'ALLOW', 0.01, T0, `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`),
        'primary',
        pos('labels', i),
      );
    }
    const again = await store.listQueue({ queue: 'audit', limit: 500 });
    expect(again.map((i) => i.pinId).sort()).toEqual(allowed.map((i) => i.pinId).sort());
  });

  it('filters by signal, model, reason and domain, and sorts by score', async () => {
    const { store } = await open();
    await store.applyPin(minimalPinCreated({ pinId: 'p1', link: 'https://a.example/' }), pos('pins', 0));
    await store.applyPin(minimalPinCreated({ pinId: 'p2', link: 'https://b.example/' }), pos('pins', 1));
    await store.applyLabel(label('p1', 'REVIEW', 0.6, T0), 'primary', pos('labels', 0));
    await store.applyLabel(label('p2', 'REVIEW', 0.9, T0 + 1), 'primary', pos('labels', 1));
    expect((await store.listQueue()).map((i) => i.pinId)).toEqual(['p1', 'p2']);
    expect((await store.listQueue({ sort: 'score' })).map((i) => i.pinId)).toEqual(['p2', 'p1']);
    expect((await store.listQueue({ domain: 'b.example' })).map((i) => i.pinId)).toEqual(['p2']);
    expect(await store.listQueue({ signal: 'image.safety' })).toEqual([]);
    expect(await store.listQueue({ model: 'text-spam@2' })).toEqual([]);
    expect(await store.listQueue({ reason: 'spam', model: 'text-spam@1' })).toHaveLength(2);
  });

  it('gives a claim to one reviewer at a time until it expires', async () => {
    const { store } = await open();
    await store.applyLabel(label('p1', 'REVIEW', 0.7), 'primary', pos('labels', 0));
    const id = itemIdFor('p1', 'text.spam');
    const results = await Promise.all([store.claim(id, 'ann', T0, 1000), store.claim(id, 'bob', T0, 1000)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const holder = results[0] ? 'ann' : 'bob';
    const other = holder === 'ann' ? 'bob' : 'ann';
    expect(await store.claim(id, other, T0 + 500, 1000)).toBe(false);
    expect(await store.claim(id, other, T0 + 1001, 1000)).toBe(true);
    await store.release(id, other);
    expect((await store.getItem(id, T0 + 1002))!.claimedBy).toBeNull();
  });

  it('applies a verdict once, closes its item, and weights it by its inclusion probability', async () => {
    const { store, stats } = await open({ allow: 1, block: 0 });
    await store.applyLabel(label('p1', 'REVIEW', 0.7), 'primary', pos('labels', 0));
    await store.applyLabel(label('p2', 'ALLOW', 0.1), 'primary', pos('labels', 1));
    const answered = {
      modelName: 'text-spam',
      modelVersion: '1',
      policyVersion: 'policy-v1',
      labeledAt: T0,
      labelTopic: 'labels',
    };
    const v1 = reviewVerdict({
      pinId: 'p1',
      verdict: 'VIOLATES',
      queue: 'review',
      inclusionProbability: 1,
      label: { ...answered, decision: 'REVIEW' },
    });
    await store.applyVerdict(v1);
    await store.applyVerdict(v1, pos('reviews', 0));
    await store.applyVerdict(
      reviewVerdict({
        verdictId: '1b7c1f4e-6a55-4c21-9d3e-1f2a3b4c5d6e',
        pinId: 'p2',
        verdict: 'NOT_VIOLATING',
        queue: 'audit',
        inclusionProbability: 0.25,
        label: { ...answered, decision: 'ALLOW' },
      }),
    );
    expect(await store.listQueue()).toEqual([]);
    const verdicts = await stats.verdicts();
    expect(verdicts).toHaveLength(2);
    expect(estimateRates(verdicts).map((e) => [e.decision, e.n, e.violatingRate])).toEqual([
      ['ALLOW', 1, 0],
      ['REVIEW', 1, 1],
    ]);
    expect(await store.nextOffsets()).toContainEqual(pos('reviews', 1));
  });

  it('reports UNSCORED reasons, flagged domains and shadow agreement', async () => {
    const { store, stats } = await open();
    await store.applyPin(minimalPinCreated({ pinId: 'p1', link: 'https://spam.example/' }), pos('pins', 0));
    await store.applyLabel(label('p1', 'BLOCK', 0.99), 'primary', pos('labels', 0));
    await store.applyLabel(label('p1', 'REVIEW', 0.7), 'shadow', pos('shadow', 0));
    await store.applyLabel(
      minimalIntegrityLabel({
        pinId: 'p2',
        signals: [
          scoredSignal({
            signal: 'image.safety',
            decision: 'UNSCORED',
            scores: {},
            reasonCode: 'IW_FETCH_TIMEOUT',
          }),
        ],
      }),
      'primary',
      pos('labels', 1),
    );
    expect(await stats.unscoredReasons()).toEqual([
      { signal: 'image.safety', reason: 'IW_FETCH_TIMEOUT', count: 1 },
    ]);
    expect(await stats.topFlaggedDomains()).toEqual([{ domain: 'spam.example', count: 1 }]);
    expect(await stats.shadowAgreement()).toEqual([{ role: 'shadow', topic: 'shadow', pins: 1, agree: 0 }]);
  });

  it('keeps accounts and sessions apart from the view; refuses a second account of one name', async () => {
    const { store, accounts } = await open();
    const user = await accounts.addUser({ username: 'ann', role: 'reviewer', passwordHash: 'x' });
    expect(user.reviewerId).toMatch(/^r-[0-9a-f]{16}$/);
    await expect(
      accounts.addUser({ username: 'ann', role: 'admin', passwordHash: 'y' }),
    ).rejects.toMatchObject({ code: 'IW_CONSOLE_USER_EXISTS' });
    const { token, csrfToken } = await accounts.createSession('ann', 1000, T0);
    expect(await accounts.session(token, T0 + 999)).toMatchObject({
      username: 'ann',
      csrfToken,
      role: 'reviewer',
    });
    expect(await accounts.session(token, T0 + 1000)).toBeUndefined();
    expect(await accounts.session('not-a-token', T0)).toBeUndefined();
    await accounts.audit({
      at: T0,
      actor: 'ann',
      action: 'verdict',
      target: 'p1',
      details: { verdict: 'VIOLATES' },
    });
    await store.clearView();
    expect(await accounts.findUser('ann')).toBeDefined();
    expect(await accounts.auditLog()).toEqual([
      { at: T0, actor: 'ann', action: 'verdict', target: 'p1', details: { verdict: 'VIOLATES' } },
    ]);
  });
});
