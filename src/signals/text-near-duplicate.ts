import { IntegrityError } from '../errors.js';
import { TEXT_SIGNATURE_OUTPUT } from '../neighbours/text-signature.js';
import { modelId } from '../scores.js';
import { matchValue, NEAR_DUPLICATE_CLASSES, nearDuplicateDefaultRule } from './image-near-duplicate.js';
import type { SignalPlugin } from './signal.js';
import { checkSignatureModel } from './text-signature.js';

/**
 * `text.near_duplicate` (opt-in, declared next to `text.signature`, both with model
 * text-signature@1): the nearest text in the index of signatures of content decided REVIEW or
 * BLOCK (its own index: model text-signature@1, output char4-hashed; image and text vectors never
 * meet) to this pin's `text.signature`, with `image.near_duplicate`'s scores, match (content key,
 * pin, distance, decision) and policy semantics (default rule: inherit REVIEW/BLOCK as REVIEW).
 * The lexical signature, not MiniLM (`text.embedding`), because it matched edited re-posts better
 * at no model cost: models/text-embedding/1/NEAR-DUPLICATES.md.
 */
export const textNearDuplicate: SignalPlugin<'text'> = {
  name: 'text.near_duplicate',
  content: 'text',
  model: 'builtin',
  create(declaration, deps) {
    checkSignatureModel(declaration);
    const search = deps.nearDuplicates?.(declaration.model, TEXT_SIGNATURE_OUTPUT);
    if (!search) {
      throw new IntegrityError(
        'IW_CONFIG_INVALID',
        `SIGNALS: ${declaration.name}: no near-duplicate index for ${modelId(declaration.model)}`,
      );
    }
    return {
      name: declaration.name,
      content: 'text',
      model: declaration.model,
      role: declaration.role,
      classes: NEAR_DUPLICATE_CLASSES,
      derivedFrom: 'text.signature',
      derive: async (vector) => matchValue(search.index.nearest(vector), search.maxDistance),
    };
  },
  defaultRule: (declaration) => nearDuplicateDefaultRule(modelId(declaration.model)),
};
