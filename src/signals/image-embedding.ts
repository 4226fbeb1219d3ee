import { IntegrityError } from '../errors.js';
import type { Scorer } from '../infer/scorer.js';
import { l2Normalize } from '../neighbours/vector-math.js';
import { modelId } from '../scores.js';
import type { SignalDeclaration } from '../scores.js';
import type { SignalPlugin } from './signal.js';

/**
 * The embedding output of a declaration's model and the unit vector of one prepared row (the same
 * session call as the row's scores); IW_CONFIG_INVALID when the model has no embedding output. Shared
 * by the embedding signals of every content kind.
 */
export function embeddingOf(
  declaration: SignalDeclaration,
  scorer: Scorer,
): { output: string; vectorOf(prepared: unknown): Promise<Float32Array> } {
  const { embedding, embed } = scorer;
  if (!embedding || !embed) {
    throw new IntegrityError(
      'IW_CONFIG_INVALID',
      `SIGNALS: ${declaration.name}: ${modelId(declaration.model)} has no embedding output (manifest embeddings)`,
    );
  }
  return {
    output: embedding.output,
    async vectorOf(prepared) {
      // A copy: the row is shared with the scores' caller.
      const row = (await embed.call(scorer, prepared)).slice();
      return embedding.normalized ? row : l2Normalize(row);
    },
  };
}

/**
 * `image.embedding`: the image model's embedding output (image-safety@1: the 1280 pooled MobileNetV2
 * features), unit L2 norm, from the same decode and the same session call as `image.safety`'s scores
 * (the scorer shares both). Published as a ContentEmbedding; the policy never sees it.
 */
export const imageEmbedding: SignalPlugin<'image'> = {
  name: 'image.embedding',
  content: 'image',
  model: 'repository',
  create(declaration, deps) {
    const scorer = deps.scorer(declaration.model);
    const embedding = embeddingOf(declaration, scorer);
    return {
      name: declaration.name,
      content: 'image',
      model: declaration.model,
      role: declaration.role,
      classes: [],
      embeddingOutput: embedding.output,
      prepare: (bytes) => scorer.prepare(bytes),
      infer: async (prepared) => ({ scores: {}, vector: await embedding.vectorOf(prepared) }),
      gate: deps.decodedImages,
    };
  },
};
