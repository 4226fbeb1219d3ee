import { IntegrityError } from '../errors.js';
import type { ClassScores, SignalValue } from '../scores.js';
import { FRAME_TIMESTAMP_SCORE, type SignalPlugin } from './signal.js';

/** Classes of the image-safety model that never make a frame worse (nsfwjs's benign classes). */
const BENIGN_CLASSES = new Set(['Drawing', 'Neutral']);

interface PreparedFrames {
  readonly rows: readonly unknown[];
  readonly timestampsMs: readonly number[];
}

/**
 * `video.safety`: the image-safety model over a video's sampled frames (ffmpeg, `VideoFrameOptions`:
 * scene changes plus a uniform sample, capped). Each frame is scored by the same scorer, so through
 * the same dynamic batcher, as the pin images. The signal's scores are the worst frame's: the frame
 * whose highest score on a class other than the benign ones (Drawing, Neutral) is the highest; its
 * timestamp is returned with the scores ({@link FRAME_TIMESTAMP_SCORE}) and lands in the label's
 * `frameTimestampMs`. Sampling and decoding are the `preprocess` stage (held by the video gate), the
 * frames' batch runs the `infer` stage.
 */
export const videoSafety: SignalPlugin<'video'> = {
  name: 'video.safety',
  content: 'video',
  model: 'repository',
  create: (declaration, deps) => {
    const sampler = deps.videoFrames;
    if (sampler === undefined)
      throw new IntegrityError('IW_CONFIG_INVALID', 'video.safety needs a frame sampler (ffmpeg)');
    const scorer = deps.scorer(declaration.model);
    const flagging = scorer.classes.filter((c) => !BENIGN_CLASSES.has(c));
    const severity = (scores: ClassScores): number =>
      Math.max(...(flagging.length > 0 ? flagging : scorer.classes).map((c) => scores[c] ?? 0));
    return {
      name: declaration.name,
      content: 'video',
      model: declaration.model,
      role: declaration.role,
      classes: scorer.classes,
      prepare: async (bytes): Promise<PreparedFrames> => {
        const { frames } = await sampler.sample(bytes);
        const rows = await Promise.all(frames.map((frame) => scorer.prepare(frame.png)));
        return { rows, timestampsMs: frames.map((f) => f.timestampMs) };
      },
      infer: async (prepared): Promise<SignalValue> => {
        const { rows, timestampsMs } = prepared as PreparedFrames;
        const scored = await Promise.all(rows.map((row) => scorer.infer(row)));
        let worst = 0;
        scored.forEach((scores, i) => {
          if (severity(scores) > severity(scored[worst]!)) worst = i;
        });
        return { scores: { ...scored[worst]!, [FRAME_TIMESTAMP_SCORE]: timestampsMs[worst]! } };
      },
      ...(deps.decodedVideos && { gate: deps.decodedVideos }),
    };
  },
};
