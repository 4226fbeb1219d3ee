/**
 * `integrity-worker classify [<image or video file, or image URL>] [--video <file or URL>] [--text ".."]
 * [--title ..] [--link ..] [--json]`: scores one pin (text alone when no image or video is given) with
 * the configured models and policy, with no Kafka, registry or Redis. `--input pins.jsonl` scores one
 * pin per line (see `classify-input.ts`), a line's `video` when a declared signal reads videos (as in
 * the worker). A URL is downloaded by the same guarded fetchers the worker uses (FETCH_* variables
 * apply, and VIDEO_* to videos); a video is sampled by the worker's frame sampler (ffmpeg). Models,
 * policy and threads come from the same environment variables as the worker (MODELS_DIR, IMAGE_MODEL,
 * SIGNALS, ...).
 *
 * Unlike the worker, which labels a pin whose image or video fails as UNSCORED with the failure's
 * code, this command treats any bad input (arguments, unreadable file, refused URL, undecodable image
 * or video) as an error with that same code: it throws the IntegrityError, which the dispatcher prints
 * as `error IW_...` with exit code 2 (with `--input`, the line's result is that error and the run goes on).
 */
import { access } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DisabledSignalCache } from '../cache/disabled-signal-cache.js';
import { loadConfig, type Config } from '../config/load-config.js';
import { contentOf, type Content } from '../content/content.js';
import { modelText } from '../content/text-content.js';
import { IntegrityError } from '../errors.js';
import { loadServing } from '../infer/serving.js';
import { PolicyEngine } from '../policy/policy-engine.js';
import type { SignalValue } from '../scores.js';
import { checkPolicyCovers, readPolicy, type Decision } from '../policy/policy.js';
import { decodedImageGateFromConfig } from '../preprocess/decoded-image-gate.js';
import { sniffVideoType } from '../preprocess/sniff-video-type.js';
import {
  checkVideoTools,
  frameSamplerFromConfig,
  videoGateFromConfig,
} from '../preprocess/video-from-config.js';
import {
  createSignals,
  decidingSignals,
  declaredSignals,
  defaultRules,
  readsVideo,
  searchesNearDuplicates,
  servedModels,
} from '../signals/catalog.js';
import { ScoreMemo } from '../signals/score-memo.js';
import { isEmbeddingResult, type AnySignal } from '../signals/signal.js';
import { SignalRunner } from '../signals/signal-runner.js';
import { DIRECT_STAGES } from '../stage-runner.js';
import { classifyLines, inputLines } from './classify-input.js';
import { lineVideos, PinMediaReader } from './classify-media.js';

const USAGE = [
  'usage: integrity-worker classify [<image or video file, or image URL>] [--video <file or URL>] [--text "description"] [--title ..] [--link ..] [--json]',
  '       integrity-worker classify --input pins.jsonl|-   (one JSON pin per line -> one JSON result per line)',
].join('\n');

export interface SignalReport {
  model: { name: string; version: string };
  scores: Record<string, number> | null;
  decision: Decision;
  /** The policy rule that decided (`thresholds`, `unscored.<CODE>`, ...: see the label's Signal.rule). */
  rule: string;
  reasonCode?: string;
  /** For video.safety: the timestamp (ms) of the frame that decided. */
  frameTimestampMs?: number;
}

/** An embedding signal's vector (unit L2 norm), as `classify --json` prints it. */
export interface EmbeddingReport {
  model: { name: string; version: string };
  output: string;
  dimension: number;
  vector: number[];
}

export interface ClassifyReport {
  /** One entry per declared signal the policy decides (by default `image.safety` and `text.spam`). */
  signals: Record<string, SignalReport>;
  /** One entry per embedding signal with a vector (by default `image.embedding`), when asked for. */
  embeddings?: Record<string, EmbeddingReport>;
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
        input: { type: 'string' },
        video: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (cause) {
    throw new IntegrityError('IW_INPUT_INVALID', `${(cause as Error).message}\n${USAGE}`, { cause });
  }
}

/**
 * Scores one pin with the worker's own signal runner (no cache, no retries) and its one decision path
 * (`PolicyEngine.decideSignals`). Throws the failure of any signal that had content to read.
 */
export async function classifyPin(
  signals: readonly AnySignal[],
  policy: PolicyEngine,
  bytes: Buffer | null,
  fields: {
    title?: string | null | undefined;
    text?: string | null | undefined;
    link?: string | null | undefined;
  },
  /** `video`: the pin's video content (`PinMediaReader.video`), when a declared signal reads videos. */
  options: { embeddings?: boolean; video?: Content<Buffer> | null } = {},
): Promise<ClassifyReport> {
  const text = modelText({
    title: fields.title ?? null,
    description: fields.text ?? null,
    link: fields.link ?? null,
  });
  const video = options.video ?? null;
  if (bytes === null && text === null && video === null)
    throw new IntegrityError('IW_INPUT_INVALID', 'a pin needs an image, a video or some text');
  const runner = new SignalRunner(
    signals,
    new DisabledSignalCache(),
    new ScoreMemo<SignalValue>(0),
    'classify',
  );
  const all = await runner.run(
    {
      ...(bytes !== null && { image: contentOf('image', bytes) }),
      ...(text !== null && { text: contentOf('text', text) }),
      ...(video !== null && { video }),
    },
    DIRECT_STAGES,
  );
  for (const result of all) if (result.scores === null && result.error) throw result.error;
  const results = all.filter((r) => !isEmbeddingResult(r));
  const decided = policy.decideSignals(results);
  const reports: Record<string, SignalReport> = {};
  results.forEach((result, i) => {
    reports[result.signal] = {
      model: { name: result.model.name, version: result.model.version },
      scores: result.scores ? { ...result.scores } : null,
      decision: decided.signals[i]!.decision,
      rule: decided.signals[i]!.rule,
      ...(result.reasonCode !== null && { reasonCode: result.reasonCode }),
      ...(result.reasonCode === null &&
        result.frameTimestampMs !== undefined && { frameTimestampMs: result.frameTimestampMs }),
    };
  });
  const embeddings: Record<string, EmbeddingReport> = {};
  for (const r of all) {
    if (r.embeddingOutput === undefined || !r.vector) continue;
    embeddings[r.signal] = {
      model: { name: r.model.name, version: r.model.version },
      output: r.embeddingOutput,
      dimension: r.vector.length,
      vector: Array.from(r.vector),
    };
  }
  return {
    signals: reports,
    ...(options.embeddings && { embeddings }),
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
    const frame = s.frameTimestampMs === undefined ? '' : `  (frame at ${s.frameTimestampMs} ms)`;
    return `${signal.padEnd(13)} ${`${s.model.name}@${s.model.version}`.padEnd(15)} ${s.decision.padEnd(8)} ${scores}${frame}`;
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
  const onePin = positionals.length > 0 || values.video !== undefined;
  if (positionals.length > 1 || (values.input !== undefined && onePin))
    throw new IntegrityError(
      'IW_INPUT_INVALID',
      `want at most one image or video file (or image URL) and --video, or --input\n${USAGE}`,
    );
  if (values.input !== undefined && values.input !== '-')
    await access(values.input).catch((cause: unknown) => {
      throw new IntegrityError('IW_INPUT_INVALID', `cannot read ${values.input}`, { cause });
    });
  const nothing = [values.title, values.text, values.link, values.input].every((v) => v === undefined);
  if (!onePin && nothing)
    throw new IntegrityError('IW_INPUT_INVALID', `want an image, a video, some text or --input\n${USAGE}`);
  const config = loadConfig();
  const media = new PinMediaReader(config);
  try {
    if (values.input !== undefined) {
      const input = values.input;
      return await classifyWith(config, false, async (signals, policy, readsVideos) => {
        const videoOf = lineVideos(readsVideos, media, process.stderr);
        const summary = await classifyLines(inputLines(input), {
          classify: async (pin) =>
            classifyPin(
              signals,
              policy,
              pin.image ? await media.image(pin.image) : null,
              { title: pin.title, text: pin.description, link: pin.link },
              { embeddings: values.json, video: await videoOf(pin) },
            ),
          out: process.stdout,
          progress: process.stderr,
        });
        return summary.errors === 0 ? 0 : 1;
      });
    }
    const read = positionals[0] === undefined ? null : await media.image(positionals[0]);
    // A video file (sniffed, like the worker does) is the pin's video, an image file its image.
    const isVideo = read !== null && sniffVideoType(read) !== undefined;
    if (isVideo && values.video !== undefined)
      throw new IntegrityError('IW_INPUT_INVALID', `want one video: a video file or --video\n${USAGE}`);
    const video = isVideo
      ? contentOf('video', read)
      : values.video === undefined
        ? null
        : await media.video(values.video);
    const bytes = isVideo ? null : read;
    return await classifyWith(config, video !== null, async (signals, policy) => {
      const report = await classifyPin(signals, policy, bytes, values, { embeddings: values.json, video });
      console.log(values.json ? JSON.stringify(report, null, 2) : format(report));
      return 0;
    });
  } finally {
    await media.close();
  }
}

/**
 * Loads models and policy as the worker does, runs `work`, closes the models. With a video to score and
 * no declared signal reading videos, `video.safety=<IMAGE_MODEL>` is declared for this run. When a
 * declared signal reads videos, ffmpeg and ffprobe are checked first, as at the worker's start
 * (IW_VIDEO_TOOL_MISSING), and `work` is told so.
 */
async function classifyWith(
  config: Config,
  withVideo: boolean,
  work: (signals: readonly AnySignal[], policy: PolicyEngine, readsVideos: boolean) => Promise<number>,
): Promise<number> {
  // No embeddings topic offline, so no near-duplicate index to search: those signals are left out.
  let declared = declaredSignals(config).filter((d) => !searchesNearDuplicates(d.name));
  if (withVideo && !readsVideo(declared))
    declared = [...declared, { name: 'video.safety', model: config.IMAGE_MODEL, role: 'primary' }];
  const videos = readsVideo(declared);
  if (videos) await checkVideoTools(config);
  const policy = new PolicyEngine(await readPolicy(config.POLICY_FILE), defaultRules(declared));
  const serving = await loadServing(config, servedModels(declared));
  try {
    const signals = createSignals(declared, {
      scorer: (model) => serving.scorer(model),
      decodedImages: decodedImageGateFromConfig(config),
      ...(videos && {
        videoFrames: frameSamplerFromConfig(config),
        decodedVideos: videoGateFromConfig(config),
      }),
    });
    checkPolicyCovers(policy.policy, decidingSignals(signals));
    return await work(signals, policy, videos);
  } finally {
    await serving.close();
  }
}
