/**
 * `integrity-worker classify <image file or URL> [--text ".."] [--title ..] [--link ..] [--json]`:
 * scores one pin with the configured models and policy, with no Kafka, registry or Redis. A URL is
 * downloaded by the same guarded fetcher the worker uses (FETCH_* variables apply). Models, policy
 * and threads come from the same environment variables as the worker (MODELS_DIR, IMAGE_MODEL, ...).
 *
 * Unlike the worker, which labels a pin whose image fails as UNSCORED, this command treats any bad
 * input (arguments, unreadable file, refused URL, undecodable image) as an error: it throws the
 * IntegrityError, which the dispatcher prints as `error IW_...` with exit code 2.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DisabledSignalCache } from '../cache/disabled-signal-cache.js';
import { loadConfig, type Config } from '../config/load-config.js';
import { contentOf } from '../content/content.js';
import { modelText } from '../content/text-content.js';
import { IntegrityError } from '../errors.js';
import { loadServing } from '../infer/serving.js';
import { PolicyEngine } from '../policy/policy-engine.js';
import { checkPolicyCovers, readPolicy, type Decision } from '../policy/policy.js';
import { DecodedImageGate } from '../preprocess/decoded-image-gate.js';
import { createSignals, declaredSignals, servedModels } from '../signals/catalog.js';
import { ScoreMemo } from '../signals/score-memo.js';
import type { Signal } from '../signals/signal.js';
import { SignalRunner } from '../signals/signal-runner.js';
import { DIRECT_STAGES } from '../stage-runner.js';

const USAGE =
  'usage: integrity-worker classify <image file or URL> [--text "description"] [--title ..] [--link ..] [--json]';

export interface SignalReport {
  model: { name: string; version: string };
  scores: Record<string, number> | null;
  decision: Decision;
  reasonCode?: string;
}

export interface ClassifyReport {
  /** One entry per declared signal (by default `image.safety` and `text.spam`). */
  signals: Record<string, SignalReport>;
  decision: Decision;
  policyVersion: string;
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        text: { type: 'string' },
        title: { type: 'string' },
        link: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (cause) {
    throw new IntegrityError('IW_INPUT_INVALID', `${(cause as Error).message}\n${USAGE}`, { cause });
  }
}

async function imageBytes(source: string, config: Config): Promise<Buffer> {
  if (/^https?:\/\//i.test(source)) {
    const { imageFetcherFromConfig } = await import('../fetch/fetcher-from-config.js');
    const fetcher = imageFetcherFromConfig(config);
    try {
      return (await fetcher.fetch(source)).bytes;
    } finally {
      await fetcher.close();
    }
  }
  try {
    return await readFile(source);
  } catch (cause) {
    throw new IntegrityError('IW_INPUT_INVALID', `cannot read image file ${source}`, { cause });
  }
}

/**
 * Scores one pin with the worker's own signal runner (no cache, no retries) and its one decision path
 * (`PolicyEngine.decideSignals`). Throws the failure of any signal that had content to read.
 */
export async function classifyPin(
  signals: readonly Signal[],
  policy: PolicyEngine,
  bytes: Buffer,
  fields: { title?: string | undefined; text?: string | undefined; link?: string | undefined },
): Promise<ClassifyReport> {
  const text = modelText({ title: fields.title, description: fields.text, link: fields.link });
  const runner = new SignalRunner(signals, new DisabledSignalCache(), new ScoreMemo(0), 'classify');
  const results = await runner.run(
    { image: contentOf('image', bytes), ...(text !== null && { text: contentOf('text', text) }) },
    DIRECT_STAGES,
  );
  for (const result of results) if (result.scores === null && result.error) throw result.error;
  const decided = policy.decideSignals(results);
  const reports: Record<string, SignalReport> = {};
  results.forEach((result, i) => {
    reports[result.signal] = {
      model: { name: result.model.name, version: result.model.version },
      scores: result.scores ? { ...result.scores } : null,
      decision: decided.signals[i]!.decision,
      ...(result.reasonCode !== null && { reasonCode: result.reasonCode }),
    };
  });
  return { signals: reports, decision: decided.decision, policyVersion: decided.policyVersion };
}

function format(report: ClassifyReport): string {
  const lines = Object.entries(report.signals).map(([signal, s]) => {
    const scores = s.scores
      ? Object.entries(s.scores)
          .map(([k, v]) => `${k} ${v.toFixed(4)}`)
          .join('  ')
      : `(${s.reasonCode})`;
    return `${signal.padEnd(13)} ${`${s.model.name}@${s.model.version}`.padEnd(15)} ${s.decision.padEnd(8)} ${scores}`;
  });
  return [...lines, `${'decision'.padEnd(13)} ${report.policyVersion.padEnd(15)} ${report.decision}`].join(
    '\n',
  );
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1)
    throw new IntegrityError('IW_INPUT_INVALID', `want one image file or URL\n${USAGE}`);
  const config = loadConfig();
  const bytes = await imageBytes(positionals[0]!, config);
  const declared = declaredSignals(config);
  const policy = new PolicyEngine(await readPolicy(config.POLICY_FILE));
  const serving = await loadServing(config, servedModels(declared));
  try {
    const signals = createSignals(declared, {
      scorer: (model) => serving.scorer(model),
      decodedImages: new DecodedImageGate({
        maxImages: 2 * config.IMAGE_MAX_BATCH,
        budgetPixels: config.IMAGE_DECODE_BUDGET_PIXELS,
        maxPixels: config.IMAGE_MAX_PIXELS,
      }),
    });
    checkPolicyCovers(policy.policy, signals);
    const report = await classifyPin(signals, policy, bytes, values);
    console.log(values.json ? JSON.stringify(report, null, 2) : format(report));
    return 0;
  } finally {
    await serving.close();
  }
}
