/**
 * `npm run models:retrain`: retrains text-spam from reviewer verdicts. Exports every verdict on
 * REVIEW_TOPIC joined with its pin's text from INPUT_TOPIC (scripts/models/verdict-export.ts) to a
 * JSON-lines file, then runs training/text_spam/retrain.py on it, which writes
 * `models/text-spam/<next>/` only when the candidate passes its gate against the serving version
 * (the report, var/retrain/RETRAIN.md, is written either way). Exit 0 whether or not the gate passed;
 * the last line printed says which.
 *
 *   npm run models:retrain -- [--models-dir DIR] [--report-dir DIR] [--serving VERSION] [--verdicts-out FILE]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/load-config.js';
import { AvroCodec } from '../../src/contracts/avro-codec.js';
import { HttpSchemaRegistry, registryAuthFromConfig } from '../../src/contracts/http-schema-registry.js';
import { kafkaFromConfig } from '../../src/kafka/kafka-from-config.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { exportVerdicts } from './verdict-export.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface RetrainOptions {
  modelsDir?: string;
  reportDir?: string;
  serving?: string;
  verdictsOut?: string;
  env?: NodeJS.ProcessEnv;
}

/** What retrain.py printed last: its summary. */
export interface RetrainSummary {
  passed: boolean;
  candidate: string;
  serving: string;
  written: string | null;
  report: string;
  heldout_errors: { candidate: number; serving: number };
  heldout: number;
  seconds: number;
}

export async function retrain(options: RetrainOptions = {}): Promise<RetrainSummary> {
  const env = options.env ?? process.env;
  const config = loadConfig(env);
  // Library lines go to stderr: stdout is the command's own report.
  const logger = createLogger(config.LOG_LEVEL, { command: 'models:retrain' }, pino.destination(2));
  const kafka = kafkaFromConfig(config, logger, '-retrain');
  const codec = new AvroCodec(
    new HttpSchemaRegistry({ baseUrl: config.SCHEMA_REGISTRY_URL, auth: registryAuthFromConfig(config) }),
  );
  const { rows, counts } = await exportVerdicts(kafka, codec, {
    reviews: config.REVIEW_TOPIC,
    pins: config.INPUT_TOPIC,
  });
  console.log(
    `verdicts ${counts.verdicts} from ${config.REVIEW_TOPIC}; ${counts.pinsRead} pins read from ` +
      `${config.INPUT_TOPIC}, ${counts.withoutPin} verdicts without their pin (no text, not used)`,
  );
  const out = resolve(options.verdictsOut ?? resolve(root, 'var/retrain/verdicts.jsonl'));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, rows.map((row) => `${JSON.stringify(row)}\n`).join(''));

  const python = execFileSync('bash', [resolve(root, 'scripts/python-env.sh'), 'requirements.txt'], {
    cwd: resolve(root, 'training'),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  const args = ['-m', 'text_spam.retrain', '--repo-root', root, '--verdicts', out];
  if (options.modelsDir) args.push('--models-dir', resolve(options.modelsDir));
  if (options.reportDir) args.push('--report-dir', resolve(options.reportDir));
  if (options.serving) args.push('--serving', options.serving);
  const stdout = execFileSync(python, args, {
    cwd: resolve(root, 'training'),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as RetrainSummary;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      'models-dir': { type: 'string' },
      'report-dir': { type: 'string' },
      serving: { type: 'string' },
      'verdicts-out': { type: 'string' },
    },
  });
  try {
    const summary = await retrain({
      modelsDir: values['models-dir'],
      reportDir: values['report-dir'],
      serving: values.serving,
      verdictsOut: values['verdicts-out'],
    });
    console.log(
      `${summary.candidate} vs serving ${summary.serving}: gate ${summary.passed ? 'PASSED' : 'REFUSED'}; held-out ` +
        `verdicts ${summary.heldout}, wrong: candidate ${summary.heldout_errors.candidate}, serving ` +
        `${summary.heldout_errors.serving}; ${summary.written ? `written to ${summary.written}` : 'nothing written'}; ` +
        `report ${summary.report}`,
    );
  } catch (error) {
    console.error(`models:retrain failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
