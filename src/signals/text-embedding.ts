import { embeddingOf } from './image-embedding.js';
import type { SignalPlugin } from './signal.js';

/**
 * `text.embedding`: the sentence embedding of the pin's model text (title, description and link, the
 * text `text.spam` reads: `src/content/text-content.ts`) by a text model with an embedding output
 * (text-embedding@1: all-MiniLM-L6-v2, 384 values, unit L2 norm), through the same tokenizer, batcher
 * and worker-thread session as every text model. Published as a ContentEmbedding of kind TEXT; the
 * policy never sees it.
 */
export const textEmbedding: SignalPlugin<'text'> = {
  name: 'text.embedding',
  content: 'text',
  model: 'repository',
  create(declaration, deps) {
    const scorer = deps.scorer(declaration.model);
    const embedding = embeddingOf(declaration, scorer);
    return {
      name: declaration.name,
      content: 'text',
      model: declaration.model,
      role: declaration.role,
      classes: [],
      embeddingOutput: embedding.output,
      prepare: (text) => scorer.prepare(text),
      infer: async (prepared) => ({ scores: {}, vector: await embedding.vectorOf(prepared) }),
    };
  },
};
