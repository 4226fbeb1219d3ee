import { embeddingOf } from './image-embedding.js';
import type { SignalPlugin } from './signal.js';
import { frameSampler, prepareFrames, worstFrame, type PreparedFrames } from './video-safety.js';

/**
 * `video.embedding` (opt-in, declared next to `video.safety` with the same model): the image model's
 * embedding output of the video's worst frame (the frame `video.safety` decides by), unit L2 norm.
 * Published as a ContentEmbedding under the video's content key, so the near-duplicate index of that
 * model output holds videos beside images and an image re-pinned from that frame matches the video's
 * pin. One vector per video: a ContentEmbedding is one vector per content key (the index keeps the
 * first vector of a key) and cannot say which frame it came from. The frames are sampled, decoded and
 * run once for both video signals ({@link prepareFrames}, the scorer's shared session call).
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
        const { rows } = prepared as PreparedFrames;
        const scored = await Promise.all(rows.map((row) => scorer.infer(row)));
        return { scores: {}, vector: await embedding.vectorOf(rows[worstFrame(scorer.classes, scored)]) };
      },
      ...(deps.decodedVideos && { gate: deps.decodedVideos }),
    };
  },
};
