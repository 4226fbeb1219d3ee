import { IntegrityError } from '../errors.js';
import type { Scorer } from '../infer/scorer.js';
import type { ClassScores, SignalValue } from '../scores.js';
import { FRAME_TIMESTAMP_SCORE, type FrameSampler, type SignalPlugin } from './signal.js';

/** Classes of the image-safety model that never make a frame worse (nsfwjs's benign classes). */
const BENIGN_CLASSES = new Set(['Drawing', 'Neutral']);

export interface PreparedFrames {
  readonly rows: readonly unknown[];
  readonly timestampsMs: readonly number[];
}

type Sampled = Awaited<ReturnType<FrameSampler['sample']>>;
const sampledBy = new WeakMap<FrameSampler, WeakMap<Uint8Array, Promise<Sampled>>>();

/**
 * The sampled frames of a video, decoded into the scorer's rows. Sampling is shared by the video
 * signals of one pin (the same Buffer: content is loaded once per pin), so `video.safety` and
 * `video.embedding` cost one ffmpeg run; the frames being the same Buffers, the scorer then shares
 * their decode and their session call too. A failure is shared by its waiters and then forgotten.
 */
export async function prepareFrames(
  sampler: FrameSampler,
  scorer: Scorer,
  bytes: Uint8Array,
): Promise<PreparedFrames> {
  let memo = sampledBy.get(sampler);
  if (!memo) sampledBy.set(sampler, (memo = new WeakMap()));
  let sampling = memo.get(bytes);
  if (!sampling) {
    sampling = sampler.sample(bytes);
    memo.set(bytes, sampling);
    sampling.catch(() => memo.delete(bytes));
  }
  const { frames } = await sampling;
  const rows = await Promise.all(frames.map((frame) => scorer.prepare(frame.png)));
  return { rows, timestampsMs: frames.map((f) => f.timestampMs) };
}

/** The frame sampler of a video signal's deps; IW_CONFIG_INVALID without one. */
export function frameSampler(name: string, sampler: FrameSampler | undefined): FrameSampler {
  if (sampler === undefined)
    throw new IntegrityError('IW_CONFIG_INVALID', `${name} needs a frame sampler (ffmpeg)`);
  return sampler;
}

/**
 * The index of the worst frame: the one whose highest score on a class other than the benign ones
 * (Drawing, Neutral) is the highest; the first of equals.
 */
export function worstFrame(classes: readonly string[], scored: readonly ClassScores[]): number {
  const flagging = classes.filter((c) => !BENIGN_CLASSES.has(c));
  const severity = (scores: ClassScores): number =>
    Math.max(...(flagging.length > 0 ? flagging : classes).map((c) => scores[c] ?? 0));
  let worst = 0;
  scored.forEach((scores, i) => {
    if (severity(scores) > severity(scored[worst]!)) worst = i;
  });
  return worst;
}

/**
 * `video.safety`: the image-safety model over a video's sampled frames (ffmpeg, `VideoFrameOptions`:
 * scene changes plus a uniform sample, capped). Each frame is scored by the same scorer, so through
 * the same dynamic batcher, as the pin images. The signal's scores are the worst frame's
 * ({@link worstFrame}); its timestamp is returned with the scores ({@link FRAME_TIMESTAMP_SCORE}) and
 * lands in the label's `frameTimestampMs`. Sampling and decoding are the `preprocess` stage (held by
 * the video gate), the frames' batch runs the `infer` stage.
 */
export const videoSafety: SignalPlugin<'video'> = {
  name: 'video.safety',
  content: 'video',
  model: 'repository',
  create: (declaration, deps) => {
    const sampler = frameSampler('video.safety', deps.videoFrames);
    const scorer = deps.scorer(declaration.model);
    return {
      name: declaration.name,
      content: 'video',
      model: declaration.model,
      role: declaration.role,
      classes: scorer.classes,
      prepare: (bytes) => prepareFrames(sampler, scorer, bytes),
      infer: async (prepared): Promise<SignalValue> => {
        const { rows, timestampsMs } = prepared as PreparedFrames;
        const scored = await Promise.all(rows.map((row) => scorer.infer(row)));
        const worst = worstFrame(scorer.classes, scored);
        return { scores: { ...scored[worst]!, [FRAME_TIMESTAMP_SCORE]: timestampsMs[worst]! } };
      },
      ...(deps.decodedVideos && { gate: deps.decodedVideos }),
    };
  },
};
