import type { FrameVector } from '../scores.js';
import { embeddingOf } from './image-embedding.js';
import type { SignalPlugin } from './signal.js';
import { frameSampler, prepareFrames, worstFrame, type PreparedFrames } from './video-safety.js';

/**
 * `video.embedding` (opt-in, declared next to `video.safety` with the same model): the image model's
 * embedding output of **every sampled frame** (at most `VIDEO_MAX_FRAMES`, 16), unit L2 norm, from
 * the same session call as the frame's scores. The value's `frames` hold them in sampling order and
 * `vector` is the worst frame's (the one `video.safety` decides by). Published as one
 * ContentEmbedding per frame under the video's content key with its `frame` (index, timestamp), so
 * the near-duplicate index of that model output holds every frame of a flagged video (keyed by
 * content key and frame index) and an image re-pinned from any of them matches the video's pin.
 * The frames are sampled, decoded and run once for both video signals ({@link prepareFrames}, the
 * scorer's shared session call).
 */
export const videoEmbedding: SignalPlugin<'video'> = {
  name: 'video.embedding',
  content: 'video',
  model: 'repository',
  create(declaration, deps) {
    const sampler = frameSampler('video.embedding', deps.videoFrames);
    const scorer = deps.scorer(declaration.model);
    const embedding = embeddingOf(declaration, scorer);
    return {
      name: declaration.name,
      content: 'video',
      model: declaration.model,
      role: declaration.role,
      classes: [],
      embeddingOutput: embedding.output,
      prepare: (bytes) => prepareFrames(sampler, scorer, bytes),
      async infer(prepared) {
        const { rows, timestampsMs } = prepared as PreparedFrames;
        const scored = await Promise.all(rows.map((row) => scorer.infer(row)));
        const frames: FrameVector[] = await Promise.all(
          rows.map(async (row, index) => ({
            index,
            timestampMs: timestampsMs[index]!,
            vector: await embedding.vectorOf(row),
          })),
        );
        return { scores: {}, vector: frames[worstFrame(scorer.classes, scored)]!.vector, frames };
      },
      ...(deps.decodedVideos && { gate: deps.decodedVideos }),
    };
  },
};
