import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { isIntegrityError } from '../../../src/errors.js';
import {
  inProcessInliers,
  SERVED_VERIFICATION_RULE,
} from '../../../src/neighbours/near-duplicate-verification.js';
import { OrbThread } from '../../../src/neighbours/orb-thread.js';
import { mirrorGrey, orbFeatures } from '../../../src/neighbours/orb-verifier.js';
import { orbGrey } from '../../../src/preprocess/orb-grey.js';

const photo = (name: string) => readFile(`test/fixtures/images/${name}`);
const threads: OrbThread[] = [];
const threadOf = (options: Partial<ConstructorParameters<typeof OrbThread>[0]> = {}) => {
  const t = new OrbThread({ longerSidePx: 512, maxPixels: 50e6, maxQueue: 8, ...options });
  threads.push(t);
  return t;
};
const reasonOf = (error: unknown) =>
  isIntegrityError(error, 'IW_NEAR_DUPLICATE_UNVERIFIED') ? error.details?.['reason'] : error;

afterEach(async () => {
  await Promise.all(threads.splice(0).map((t) => t.close()));
});

describe('OrbThread (ORB off the main thread)', () => {
  it('extracts the same features and counts the same inliers as in process', async () => {
    const chelsea = await photo('photo-chelsea.jpg');
    const thread = threadOf();
    const query = await thread.query(chelsea);
    const grey = await orbGrey(chelsea, SERVED_VERIFICATION_RULE.longerSidePx);
    const direct = await orbFeatures(grey);
    expect(query.direct.count).toBe(direct.count);
    expect(Buffer.from(query.direct.descriptors).equals(Buffer.from(direct.descriptors))).toBe(true);
    expect(Array.from(query.direct.points)).toEqual(Array.from(direct.points));
    expect(query.mirrored.count).toBe((await orbFeatures(mirrorGrey(grey))).count);
    const indexed = await thread.index(await photo('photo-coffee.jpg'));
    expect(await thread.inliers(query, indexed)).toEqual(await inProcessInliers(query, indexed));
    expect((await thread.inliers(query, await thread.index(chelsea))).inliers).toBeGreaterThan(100);
  }, 90_000);

  it('refuses work beyond its queue with verifier-busy', async () => {
    const bytes = await photo('photo-chelsea.jpg');
    const thread = threadOf({ maxQueue: 1 });
    const first = thread.query(bytes);
    await expect(thread.query(bytes)).rejects.toSatisfy((e) => reasonOf(e) === 'verifier-busy');
    await expect(first).resolves.toMatchObject({ direct: { count: expect.any(Number) } });
  }, 90_000);

  it('answers undecodable bytes with no-query-image', async () => {
    const thread = threadOf();
    await expect(thread.query(new Uint8Array([1, 2, 3]))).rejects.toSatisfy(
      (e) => reasonOf(e) === 'no-query-image',
    );
  }, 90_000);

  it('fails pending work when its thread dies, then fails fast, then starts a new thread', async () => {
    const bytes = await photo('photo-chelsea.jpg');
    const failures: unknown[] = [];
    const thread = threadOf({ restartAfterMs: 300, onFailure: (e) => failures.push(e) });
    await thread.index(bytes);
    const pending = thread.query(bytes);
    await thread.thread!.terminate();
    await expect(pending).rejects.toSatisfy((e) => reasonOf(e) === 'verifier-failed');
    expect(failures).toHaveLength(1);
    await expect(thread.index(bytes)).rejects.toSatisfy((e) => reasonOf(e) === 'verifier-failed');
    await new Promise((r) => setTimeout(r, 350));
    await expect(thread.index(bytes)).resolves.toMatchObject({ count: expect.any(Number) });
  }, 90_000);
});
