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
import { loadConfig, type Config } from '../config/load-config.js';
import { IntegrityError } from '../errors.js';
import { loadServing, type Serving } from '../infer/serving.js';
import type { Decision } from '../policy/policy.js';
import { scoreWith } from '../pipeline/scorers.js';
import { pinText } from '../preprocess/pin-text.js';

const USAGE =
  'usage: integrity-worker classify <image file or URL> [--text "description"] [--title ..] [--link ..] [--json]';

export interface SignalReport {
  model: { name: string; version: string };
  scores: Record<string, number> | null;
  decision: Decision;
  reasonCode?: string;
}

export interface ClassifyReport {
  signals: Record<'image.safety' | 'text.spam', SignalReport>;
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

/** Scores one pin; `serving` is closed by the caller. */
export async function classifyPin(
  serving: Serving,
  bytes: Buffer,
  fields: { title?: string | undefined; text?: string | undefined; link?: string | undefined },
): Promise<ClassifyReport> {
  const hasText = [fields.title, fields.text, fields.link].some((f) => f !== undefined && f.trim() !== '');
  const text = pinText({
    title: fields.title ?? '',
    description: fields.text ?? '',
    link: fields.link ?? '',
  });
  const [imageScores, textScores] = await Promise.all([
    scoreWith(serving.image, bytes),
    hasText ? scoreWith(serving.text, text) : Promise.resolve(null),
  ]);
  const decided = serving.policy.decideAll({
    'image.safety': imageScores,
    'text.spam': textScores ?? undefined,
  });
  const report = (
    model: { name: string; version: string },
    scores: Record<string, number> | null,
    signal: string,
  ): SignalReport => ({
    model: { name: model.name, version: model.version },
    scores,
    decision: decided.signals[signal]?.decision ?? 'UNSCORED',
    ...(scores === null && { reasonCode: 'IW_CONTENT_ABSENT' }),
  });
  return {
    signals: {
      'image.safety': report(serving.image.model, imageScores, 'image.safety'),
      'text.spam': report(serving.text.model, textScores, 'text.spam'),
    },
    decision: decided.decision,
    policyVersion: decided.policyVersion,
  };
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
  const serving = await loadServing(config);
  try {
    const report = await classifyPin(serving, bytes, values);
    console.log(values.json ? JSON.stringify(report, null, 2) : format(report));
    return 0;
  } finally {
    await serving.close();
  }
}
