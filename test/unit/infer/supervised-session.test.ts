import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IntegrityError } from '../../../src/errors.js';
import { DynamicBatcher } from '../../../src/infer/dynamic-batcher.js';
import { ModelRepository } from '../../../src/infer/model-repository.js';
import type { SessionRunner } from '../../../src/infer/session-runner.js';
import { SupervisedSession, type SupervisorEvent } from '../../../src/infer/supervised-session.js';
import type { TensorMap } from '../../../src/infer/tensor-data.js';
import { createWorkerSession, type WorkerSessionRunner } from '../../../src/infer/worker-session.js';

/** A session that answers, or dies on request: `die()` rejects what is pending and resolves `crashed`. */
function fakeSession(name: string) {
  let crash: (e: Error) => void = () => {};
  const pending: ((e: Error) => void)[] = [];
  let dead: Error | undefined;
  const crashed = new Promise<Error>((resolve) => (crash = resolve));
  const session: SessionRunner & { die(): void; closed: boolean; runs: number } = {
    inputs: [],
    outputs: [],
    crashed,
    closed: false,
    runs: 0,
    run: (feeds: TensorMap) => {
      session.runs++;
      if (dead) return Promise.reject(dead);
      if (feeds['hang']) return new Promise<TensorMap>((_, reject) => pending.push(reject));
      return Promise.resolve({ who: { type: 'string', data: [name], dims: [1] } } as unknown as TensorMap);
    },
    close: async () => void (session.closed = true),
    die() {
      dead = new IntegrityError('IW_MODEL_UNAVAILABLE', `${name} died`);
      for (const reject of pending.splice(0)) reject(dead);
      crash(dead);
    },
  };
  return session;
}

const who = (out: TensorMap) => (out['who']!.data as unknown as string[])[0];
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));
const hang = { hang: { type: 'float32', data: new Float32Array(1), dims: [1] } } as TensorMap;

function supervised(starts: (() => Promise<SessionRunner>)[], options = {}) {
  const events: SupervisorEvent[] = [];
  const first = fakeSession('first');
  let n = 0;
  const session = new SupervisedSession(first, {
    model: 'm@1',
    baseDelayMs: 5,
    maxDelayMs: 40,
    waitMs: 1000,
    start: () => starts[Math.min(n++, starts.length - 1)]!(),
    observer: (e) => events.push(e),
    ...options,
  });
  return { session, first, events, started: () => n };
}

describe('SupervisedSession', () => {
  it('fails runs in flight at a crash with a retriable coded error, restarts, and serves again', async () => {
    const second = fakeSession('second');
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const { session, first, events } = supervised([() => gate.then(() => second)]);
    expect(who(await session.run({}))).toBe('first');
    const inFlight = session.run(hang);
    first.die();
    await expect(inFlight).rejects.toMatchObject({ code: 'IW_MODEL_UNAVAILABLE', retriable: true });
    await tick();
    expect(session.up).toBe(false);
    // A run while down waits for the new session instead of failing.
    const waiting = session.run({});
    open();
    expect(who(await waiting)).toBe('second');
    expect(session.up).toBe(true);
    expect(session.restarts).toBe(1);
    expect(events.map((e) => e.kind)).toEqual(['down', 'restarted']);
    await session.close();
    expect(second.closed).toBe(true);
  });

  it('retries a failing restart with growing backoff until one works', async () => {
    const fail = async (): Promise<SessionRunner> => {
      throw new Error('cannot load');
    };
    const good = fakeSession('good');
    const { session, first, events } = supervised([fail, fail, fail, async () => good]);
    first.die();
    await tick();
    expect(who(await session.run({}))).toBe('good');
    const failed = events.filter((e) => e.kind === 'restart-failed');
    expect(failed.map((e) => e.nextDelayMs)).toEqual([10, 20, 40]);
    expect(events.at(-1)).toMatchObject({ kind: 'restarted', attempts: 4 });
    await session.close();
  });

  it('fails a waiting run with IW_MODEL_UNAVAILABLE when no session comes back in time', async () => {
    const never = () => new Promise<SessionRunner>(() => {});
    const { session, first } = supervised([never], { waitMs: 30 });
    first.die();
    await tick();
    await expect(session.run({})).rejects.toMatchObject({ code: 'IW_MODEL_UNAVAILABLE', retriable: true });
    await session.close();
  });

  it('stops restarting once closed, and closes a session that finished starting too late', async () => {
    let finish: (s: SessionRunner) => void = () => {};
    const late = fakeSession('late');
    const { session, first, started } = supervised([
      () => new Promise<SessionRunner>((resolve) => (finish = resolve)),
    ]);
    first.die();
    await tick(20);
    expect(started()).toBe(1);
    const waiting = session.run({});
    await session.close();
    await expect(waiting).rejects.toMatchObject({ code: 'IW_MODEL_UNAVAILABLE' });
    finish(late);
    await tick();
    expect(late.closed).toBe(true);
    expect(session.up).toBe(false);
  });

  it('a batcher keeps the code, so the stage runner retries the batch', async () => {
    const { session, first } = supervised([async () => fakeSession('second')]);
    const batcher = new DynamicBatcher<number>({
      model: 'm@1',
      packer: { check: () => {}, pack: () => hang },
      run: (feeds) => session.run(feeds),
      outputName: 'y',
      maxBatchSize: 1,
      maxQueueDelayMs: 0,
    });
    const row = batcher.enqueue(1, undefined);
    await tick();
    first.die();
    await expect(row).rejects.toMatchObject({ code: 'IW_MODEL_UNAVAILABLE', retriable: true });
    await batcher.close();
    await session.close();
  });
});

describe('a model whose worker thread is terminated', () => {
  let root: string | undefined;
  afterEach(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('is replaced by a new thread that passed the checks and warm-up, and scores again', async () => {
    root = await mkdtemp(join(tmpdir(), 'iw-supervise-'));
    await cp('test/fixtures/models/tiny', join(root, 'tiny'), { recursive: true });
    const threads: WorkerSessionRunner[] = [];
    const events: SupervisorEvent[] = [];
    const repo = new ModelRepository({
      root,
      createSession: async (path, options) => {
        const s = await createWorkerSession(path, options);
        threads.push(s);
        return s;
      },
      supervision: { baseDelayMs: 10, observer: (e) => events.push(e) },
    });
    const model = await repo.load('tiny', '1');
    const x = () =>
      ({ x: { type: 'float32', data: new Float32Array([0, 0, 5]), dims: [1, 3] } }) as TensorMap;
    const before = (await model.session.run(x()))['probabilities']!.data as Float32Array;
    await threads[0]!.thread.terminate();
    await tick();
    expect(model.session.up).toBe(false);
    const after = (await model.session.run(x()))['probabilities']!.data as Float32Array;
    expect(Array.from(after)).toEqual(Array.from(before));
    expect(threads).toHaveLength(2);
    expect(threads[1]!.thread.threadId).not.toBe(threads[0]!.thread.threadId);
    expect(events.map((e) => e.kind)).toEqual(['down', 'restarted']);
    expect(model.session.up).toBe(true);
    await model.session.close();
  }, 20_000);

  it('stays down while the model file is broken, and comes back when it is restored', async () => {
    root = await mkdtemp(join(tmpdir(), 'iw-supervise-'));
    await cp('test/fixtures/models/tiny', join(root, 'tiny'), { recursive: true });
    let thread: WorkerSessionRunner | undefined;
    const events: SupervisorEvent[] = [];
    const repo = new ModelRepository({
      root,
      createSession: async (path, options) => (thread = await createWorkerSession(path, options)),
      supervision: { baseDelayMs: 10, maxDelayMs: 20, waitMs: 50, observer: (e) => events.push(e) },
    });
    const model = await repo.load('tiny', '1');
    const file = join(root, 'tiny', '1', 'model.onnx');
    const good = await import('node:fs/promises').then((fs) => fs.readFile(file));
    await writeFile(file, 'not a model');
    await thread!.thread.terminate();
    const x = { x: { type: 'float32', data: new Float32Array(3), dims: [1, 3] } } as TensorMap;
    await expect(model.session.run(x)).rejects.toMatchObject({ code: 'IW_MODEL_UNAVAILABLE' });
    while (!events.some((e) => e.kind === 'restart-failed')) await tick(5);
    expect(model.session.up).toBe(false);
    await writeFile(file, good);
    while (!model.session.up) await tick(5);
    expect(events.at(-1)).toMatchObject({ kind: 'restarted' });
    expect(events.find((e) => e.kind === 'restart-failed')).toMatchObject({
      error: { code: 'IW_MODEL_CHECKSUM' },
    });
    await model.session.close();
  }, 20_000);
});
