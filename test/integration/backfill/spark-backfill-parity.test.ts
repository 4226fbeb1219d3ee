/**
 * The Spark backfill (backfill/, PySpark in local[2]) against the real stack, and its parity with the
 * worker: the same pins go through the TypeScript worker and through the job, both with their default
 * models and policy (the job takes its models from the policy's rules); the scores must agree (text
 * and image within 1e-6), the decisions, the rules behind them and UNSCORED reasons must be identical,
 * and bad records must be dead-lettered with the same codes. The job schedules no rescans, so the
 * worker runs with RESCAN_MAX_ATTEMPTS=0: a transient failure gets the permanent rule at once in both. The image preprocessing is compared first on its own:
 * the Python decode (libvips) and resize port must give the worker's pixels and model input, byte for
 * byte, on every fixture image.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import type { IntegrityLabel } from '../../../src/contracts/generated/integrity-label.js';
import type { PinCreated } from '../../../src/contracts/generated/pin-created.js';
import { isIntegrityError } from '../../../src/errors.js';
import { decodeImage } from '../../../src/preprocess/image-decode.js';
import { imageTensorFromPixels, type ImagePreprocessSpec } from '../../../src/preprocess/image-tensor.js';
import { readPolicy } from '../../../src/policy/policy.js';
import { modelId } from '../../../src/scores.js';
import { registerContracts } from '../../support/contract-cases.js';
import { SCORABLE_IMAGES } from '../../support/fixture-images.js';
import { FIXTURE_IMAGES_DIR } from '../../support/image-server.js';
import { minimalPinCreated } from '../../support/records.js';
import { stackEnv } from '../../support/stack-env.js';
import {
  createWorkerTopics,
  deadLetterCollector,
  labelCollector,
  producePins,
  registry,
  startTestWorker,
  useWorkerTestBed,
  type RawRecord,
} from '../../support/worker-harness.js';

const exec = promisify(execFile);
const bed = useWorkerTestBed();
let python = '';
beforeAll(async () => {
  const { stdout } = await exec('bash', ['scripts/python-env.sh', 'backfill/requirements.txt']);
  python = stdout.trim();
}, 900_000);

describe('image preprocessing: Python port vs the worker', () => {
  let dir = '';
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('decodes every fixture image to the same pixels and model input, or refuses it with the same code', async () => {
    dir = await mkdtemp(join(tmpdir(), 'iw-preprocess-'));
    const files = (await readdir(FIXTURE_IMAGES_DIR)).filter((f) => f !== 'README.md').sort();
    const { stdout } = await exec(
      python,
      ['-m', 'iw_backfill.preprocess_dump', dir, ...files.map((f) => join(FIXTURE_IMAGES_DIR, f))],
      {
        cwd: 'backfill',
        maxBuffer: 1 << 24,
      },
    );
    const python_ = new Map(
      stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { file: string; error?: string })
        .map((j) => [j.file, j]),
    );
    const manifest = JSON.parse(await readFile('models/image-safety/1/manifest.json', 'utf8')) as {
      preprocess: ImagePreprocessSpec;
    };
    const spec = manifest.preprocess;
    let compared = 0;
    for (const file of files) {
      const bytes = await readFile(join(FIXTURE_IMAGES_DIR, file));
      let decoded;
      try {
        decoded = await decodeImage(bytes, { maxPixels: 50_000_000 });
      } catch (error) {
        if (!isIntegrityError(error)) throw error;
        expect({ file, code: python_.get(file)?.error }).toEqual({ file, code: error.code });
        continue;
      }
      expect({ file, error: python_.get(file)?.error }).toEqual({ file, error: undefined });
      const pixels = await readFile(join(dir, `${file}.rgb`));
      expect({ file, equal: Buffer.from(decoded.data).equals(pixels) }).toEqual({ file, equal: true });
      const tensor = imageTensorFromPixels(decoded, spec, new Float32Array(spec.width * spec.height * 3));
      const theirs = await readFile(join(dir, `${file}.f32`));
      expect({ file, equal: Buffer.from(tensor.buffer).equals(theirs) }).toEqual({ file, equal: true });
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(SCORABLE_IMAGES.length);
  }, 120_000);
});

const TEXTS: [string | null, string | null, string | null][] = [
  ['Blue ceramic vase', 'Hand-thrown stoneware with a cobalt glaze.', null],
  ['$$$ MAKE MONEY FAST $$$', 'Earn $5000 a week from home!!! Click now!!!', 'http://cash.example.biz/join'],
  ['FREE PILLS', 'Cheap meds, no prescription, order now and save 80%!!!', 'http://pharma.example.info/'],
  [null, 'Reading nook: a window seat and two cushions.', null],
  [
    'Café crème — ½ price ✓',
    'ｆｕｌｌｗｉｄｔｈ text and ﬁ ligatures',
    'https://www.shop.example.co.uk/x?y=1',
  ],
  ['Weeknight lentil soup', 'Red lentils, cumin and lemon; ready in 30 minutes.', null],
];

describe('Spark backfill in local[2] vs the worker', () => {
  it("gives the worker's scores, decisions and dead-letter codes on the same pins", async () => {
    const topics = await createWorkerTopics(bed.admin, 2);
    const url = (path: string) => bed.images.url(path);
    const image = (u: string, signature: string | null = null) => ({
      url: u,
      signature,
      width: null,
      height: null,
      mime: null,
    });
    const pins: PinCreated[] = [];
    SCORABLE_IMAGES.forEach((name, i) => {
      const [title, description, link] = TEXTS[i % TEXTS.length]!;
      pins.push(
        minimalPinCreated({
          pinId: `img-${i}`,
          title,
          description,
          link,
          image: image(url(`/images/${name}`)),
        }),
      );
    });
    TEXTS.forEach(([title, description, link], i) =>
      pins.push(minimalPinCreated({ pinId: `text-${i}`, title, description, link })),
    );
    pins.push(
      minimalPinCreated({
        pinId: 'sig-a',
        title: 'repin',
        image: image(url('/images/photo-flower.jpg'), 'fixture:flower'),
      }),
      minimalPinCreated({
        pinId: 'sig-b',
        title: 'repin',
        image: image(url('/images/photo-flower.jpg'), 'fixture:flower'),
      }),
      minimalPinCreated({ pinId: 'missing', title: 'gone', image: image(url('/status/404')) }),
      minimalPinCreated({ pinId: 'truncated', image: image(url('/images/bad-truncated.jpg')) }),
      minimalPinCreated({ pinId: 'svg', title: 'svg', image: image(url('/images/odd-drawing.svg')) }),
      minimalPinCreated({
        pinId: 'metadata',
        title: 'cloud',
        image: image('http://169.254.169.254/latest/meta-data/x.jpg'),
      }),
      minimalPinCreated({ pinId: 'private', title: 'lan', image: image('http://10.1.2.3/x.jpg') }),
    );
    const bad: RawRecord[] = [
      { key: 'bad-magic', value: Buffer.from([1, 0, 0, 0, 1, 2, 3]) },
      { key: 'short', value: Buffer.from([0, 0]) },
      { key: 'unknown-id', value: Buffer.from([0, 0x7f, 0xff, 0xff, 0x01, 2]) },
    ];
    await producePins(topics.pins, [...pins, ...bad]);

    // The worker, without cache or memory, so that every score is its own inference.
    const workerLabels = await labelCollector(topics.labels);
    const workerDead = await deadLetterCollector(topics.deadLetters);
    const defaults = loadConfig({});
    const models = [modelId(defaults.IMAGE_MODEL), modelId(defaults.TEXT_MODEL)];
    const { worker } = await startTestWorker(topics, {
      CACHE_ENABLED: 'false',
      MEMO_MAX_ENTRIES: '0',
      RESCAN_MAX_ATTEMPTS: '0',
      // The harness pins text-spam@1 for other tests; here the defaults of the config table.
      IMAGE_MODEL: models[0]!,
      TEXT_MODEL: models[1]!,
      POLICY_FILE: defaults.POLICY_FILE,
      // The job scores what the worker scores with its own models: image.safety and text.spam. The
      // near-duplicate signal needs the live embeddings index, which a backfill does not keep.
      SIGNALS: `image.safety=${models[0]!},text.spam=${models[1]!}`,
      // The backfill decodes every image at full size (backfill/iw_backfill/image.py has no
      // shrink-on-load); photo-retina.jpg is large enough to be shrunk by the worker's default.
      IMAGE_DECODE_SHRINK: 'off',
    });
    try {
      await workerLabels.waitFor(pins.length);
      await workerDead.waitFor(bad.length);
    } finally {
      await worker.stop();
      await Promise.all([workerLabels.stop(), workerDead.stop()]);
    }
    expect(workerLabels.records).toHaveLength(pins.length);

    // The backfill, into versioned topics of its own.
    const out = { labels: `${topics.labels}.backfill`, deadLetters: `${topics.labels}.backfill.deadletter` };
    await bed.admin.createTopics({
      topics: [out.labels, out.deadLetters].map((topic) => ({
        topic,
        numPartitions: 2,
        replicationFactor: 1,
      })),
      waitForLeaders: true,
    });
    await registerContracts(registry, {
      pins: topics.pins,
      labels: out.labels,
      deadLetters: out.deadLetters,
      rescans: `${out.labels}.rescan`, // registered only: the job schedules no rescans
    });
    const parquet = await mkdtemp(join(tmpdir(), 'iw-backfill-parquet-'));
    const { stdout } = await exec(
      python,
      [
        '-m',
        'iw_backfill.job',
        '--master',
        'local[2]',
        '--bootstrap-servers',
        stackEnv.kafkaBrokers.join(','),
        '--registry',
        stackEnv.schemaRegistryUrl,
        '--input-topic',
        topics.pins,
        '--from',
        'earliest',
        '--to',
        'latest',
        '--output-topic',
        out.labels,
        '--deadletter-topic',
        out.deadLetters,
        '--fetch-allow-private',
        '127.0.0.1',
        '--parquet',
        join(parquet, 'labels'),
      ],
      { cwd: 'backfill', maxBuffer: 1 << 24, timeout: 600_000 },
    );
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(summary).toMatchObject({
      labels: pins.length,
      dead_letters: bad.length,
      models,
      policy: (await readPolicy(defaults.POLICY_FILE)).version,
    });

    const backfillLabels = await labelCollector(out.labels);
    const backfillDead = await deadLetterCollector(out.deadLetters);
    await backfillLabels.waitFor(pins.length, 30_000);
    await backfillDead.waitFor(bad.length, 30_000);
    await Promise.all([backfillLabels.stop(), backfillDead.stop()]);
    await rm(parquet, { recursive: true, force: true });

    const byPin = (labels: { record: IntegrityLabel }[]) =>
      new Map(labels.map((l) => [l.record.pinId, l.record]));
    const mine = byPin(workerLabels.records);
    const theirs = byPin(backfillLabels.records);
    expect([...theirs.keys()].sort()).toEqual([...mine.keys()].sort());
    let maxText = 0;
    let maxImage = 0;
    let scoredImages = 0;
    for (const [pinId, label] of mine) {
      const other = theirs.get(pinId)!;
      expect({
        pinId,
        decision: other.decision,
        source: other.source,
        attempt: other.attempt,
        rescanNotBefore: other.rescanNotBefore,
      }).toEqual({
        pinId,
        decision: label.decision,
        source: label.source,
        attempt: 0,
        rescanNotBefore: null,
      });
      expect(other.signals.map((s) => s.signal)).toEqual(label.signals.map((s) => s.signal));
      for (const signal of label.signals) {
        const twin = other.signals.find((s) => s.signal === signal.signal)!;
        const seen = {
          pinId,
          signal: signal.signal,
          decision: twin.decision,
          rule: twin.rule,
          reason: twin.reasonCode,
          model: twin.model,
          policy: twin.policyVersion,
        };
        expect(seen).toEqual({
          pinId,
          signal: signal.signal,
          decision: signal.decision,
          rule: signal.rule,
          reason: signal.reasonCode,
          model: signal.model,
          policy: signal.policyVersion,
        });
        expect(Object.keys(twin.scores).sort()).toEqual(Object.keys(signal.scores).sort());
        for (const [name, score] of Object.entries(signal.scores)) {
          const delta = Math.abs(score - twin.scores[name]!);
          if (signal.signal === 'text.spam') maxText = Math.max(maxText, delta);
          else maxImage = Math.max(maxImage, delta);
        }
        if (signal.signal === 'image.safety' && signal.reasonCode === null) {
          scoredImages++;
          expect(twin.contentKey).toBe(signal.contentKey);
        }
        if (signal.signal === 'text.spam') expect(twin.contentKey).toBe(signal.contentKey);
      }
    }
    expect(scoredImages).toBeGreaterThanOrEqual(SCORABLE_IMAGES.length);
    expect(maxText).toBeLessThanOrEqual(1e-6);
    expect(maxImage).toBeLessThanOrEqual(1e-6);
    console.log(
      `backfill parity: ${mine.size} pins, max |d score| text ${maxText}, image ${maxImage}; job ${JSON.stringify(summary)}`,
    );

    const codes = (
      records: { record: { errorCode: string; source: { offset: number; partition: number } } }[],
    ) =>
      records
        .map((r) => `${r.record.source.partition}:${r.record.source.offset}:${r.record.errorCode}`)
        .sort();
    expect(codes(backfillDead.records)).toEqual(codes(workerDead.records));
  }, 900_000);
});
