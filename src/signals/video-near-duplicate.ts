import type { NearestMatch } from '../neighbours/near-duplicate-index.js';
import { modelId } from '../scores.js';
import {
  matchValue,
  NEAR_DUPLICATE_CLASSES,
  nearDuplicateDefaultRule,
  nearDuplicateSearch,
} from './image-near-duplicate.js';
import type { SignalPlugin } from './signal.js';

/** The signal whose frame vectors `video.near_duplicate` searches with. */
const SOURCE = 'video.embedding';

/**
 * `video.near_duplicate` (opt-in, declared next to `video.embedding` with the same model): every
 * sampled frame of the video is looked up in the near-duplicate index that `image.near_duplicate`
 * searches (flagged images, and the frames of flagged videos), and the nearest content over all
 * frames decides, with `image.near_duplicate`'s scores and policy semantics (default rule: inherit
 * REVIEW/BLOCK as REVIEW). The label names the match (content key, pin, distance, decision, and the
 * matched frame's timestamp when the match is a video) and, in `frameTimestampMs`, which frame of
 * this video matched (the frame nearest to indexed content; none when nothing is within the distance).
 * A cached value written before frame vectors were cached has none: the deciding frame's vector is
 * searched alone and no frame is named.
 */
export const videoNearDuplicate: SignalPlugin<'video'> = {
  name: 'video.near_duplicate',
  content: 'video',
  model: 'repository',
  create(declaration, deps) {
    const search = nearDuplicateSearch(declaration, deps);
    return {
      name: declaration.name,
      content: 'video',
      model: declaration.model,
      role: declaration.role,
      classes: NEAR_DUPLICATE_CLASSES,
      derivedFrom: SOURCE,
      async derive(vector, frames) {
        if (!frames || frames.length === 0)
          return matchValue(search.index.nearest(vector), search.maxDistance);
        let best: { nearest: NearestMatch; timestampMs: number } | undefined;
        for (const frame of frames) {
          const nearest = search.index.nearest(frame.vector);
          if (nearest && (!best || nearest.distance < best.nearest.distance))
            best = { nearest, timestampMs: frame.timestampMs };
        }
        const value = matchValue(best?.nearest, search.maxDistance);
        return value.match ? { ...value, frameTimestampMs: best!.timestampMs } : value;
      },
    };
  },
  defaultRule: (declaration) => nearDuplicateDefaultRule(modelId(declaration.model)),
};
