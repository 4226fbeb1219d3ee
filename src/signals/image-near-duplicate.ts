import { IntegrityError } from '../errors.js';
import type { SignalRule } from '../policy/policy.js';
import type { NearestMatch } from '../neighbours/near-duplicate-index.js';
import { modelId, type ClassScores, type SignalDeclaration } from '../scores.js';
import type { NearDuplicateSearch, SignalDeps, SignalPlugin } from './signal.js';

/** The signal whose vector `image.near_duplicate` searches with. */
const SOURCE = 'image.embedding';

/**
 * `image.near_duplicate`: indexed content (embeddings of images decided REVIEW or BLOCK, fed from
 * the embeddings topic) that this pin's image copies. With verification (NEAR_DUPLICATE_VERIFIER=orb,
 * the default) the match is the first of the K nearest indexed images within the loose distance
 * that ORB + RANSAC verifies, or that the strict embedding distance accepts where verification cannot
 * run (near-duplicate-verifier.ts); without it (`none`), the nearest within the calibrated distance
 * (NEAR_DUPLICATE_MAX_DISTANCE). The signal names the match (content key, pin, distance, decision)
 * and scores the matched decision: `BLOCK` or `REVIEW` is 1, the other 0; `similarity` is 1 -
 * distance of the nearest content either way (0 for an empty index). Without a match every score but
 * `similarity` is 0. What a match means is the policy's: {@link nearDuplicateDefaultRule} unless the
 * policy file has a rule for the signal.
 */
export const imageNearDuplicate: SignalPlugin<'image'> = {
  name: 'image.near_duplicate',
  content: 'image',
  model: 'repository',
  create(declaration, deps) {
    const search = nearDuplicateSearch(declaration, deps);
    return {
      name: declaration.name,
      content: 'image',
      model: declaration.model,
      role: declaration.role,
      classes: NEAR_DUPLICATE_CLASSES,
      derivedFrom: SOURCE,
      derive: async (vector, _frames, context) => {
        const verification = search.verification;
        if (!verification) return matchValue(search.index.nearest(vector), search.maxDistance);
        const nearest = search.index.nearestMany(vector, verification.candidates);
        const candidates = nearest.filter((c) => c.distance <= verification.looseDistance);
        const { match } = await verification.verifier.firstMatch(candidates, () =>
          context
            ? context.verificationImage()
            : Promise.reject(new Error('the runner passed no verification image')),
        );
        return { scores: matchScores(nearest[0], match), match };
      },
    };
  },
  defaultRule: (declaration) => nearDuplicateDefaultRule(modelId(declaration.model)),
};

/** The scores a near-duplicate signal returns. */
export const NEAR_DUPLICATE_CLASSES: readonly string[] = ['BLOCK', 'REVIEW', 'similarity'];

/** The index a near-duplicate signal searches (its model's embedding output); IW_CONFIG_INVALID without one. */
export function nearDuplicateSearch(declaration: SignalDeclaration, deps: SignalDeps): NearDuplicateSearch {
  const output = deps.scorer(declaration.model).embedding?.output;
  const search = output === undefined ? undefined : deps.nearDuplicates?.(declaration.model, output);
  if (!search) {
    throw new IntegrityError(
      'IW_CONFIG_INVALID',
      `SIGNALS: ${declaration.name}: no near-duplicate index for ${modelId(declaration.model)}`,
    );
  }
  return search;
}

/**
 * The scores and match of the nearest indexed content: within `maxDistance` it is the match and its
 * decision scores 1; `similarity` is 1 - distance of the nearest either way (0 for an empty index).
 */
export function matchValue(
  nearest: NearestMatch | undefined,
  maxDistance: number,
): { scores: ClassScores; match: NearestMatch | null } {
  const near = nearest !== undefined && nearest.distance <= maxDistance ? nearest : null;
  return { scores: matchScores(nearest, near), match: near };
}

/** The matched decision scores 1 (none without a match); `similarity` is the nearest content's. */
export function matchScores(nearest: NearestMatch | undefined, match: NearestMatch | null): ClassScores {
  return {
    BLOCK: match?.decision === 'BLOCK' ? 1 : 0,
    REVIEW: match?.decision === 'REVIEW' ? 1 : 0,
    similarity: nearest ? Math.min(1, Math.max(0, 1 - nearest.distance)) : 0,
  };
}

/**
 * What a near-duplicate means when the policy file does not say: the matched content's REVIEW or
 * BLOCK is inherited as REVIEW (a person confirms a copy before it is blocked). A policy overrides it
 * with its own rule for the signal, e.g. `"block": { "BLOCK": 1 }` to inherit BLOCK.
 */
export function nearDuplicateDefaultRule(model: string): SignalRule {
  return { model, review: { BLOCK: 1, REVIEW: 1 }, block: {} };
}
