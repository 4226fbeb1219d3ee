import { IntegrityError } from '../errors.js';
import {
  textSignature as signatureOf,
  TEXT_SIGNATURE_MODEL,
  TEXT_SIGNATURE_OUTPUT,
} from '../neighbours/text-signature.js';
import { modelId, type SignalDeclaration } from '../scores.js';
import type { SignalPlugin } from './signal.js';

/** IW_CONFIG_INVALID unless the declaration names the signature's own model id (text-signature@1). */
export function checkSignatureModel(declaration: SignalDeclaration): void {
  if (modelId(declaration.model) !== modelId(TEXT_SIGNATURE_MODEL)) {
    throw new IntegrityError(
      'IW_CONFIG_INVALID',
      `SIGNALS: ${declaration.name} is computed by ${modelId(TEXT_SIGNATURE_MODEL)}, not ${modelId(declaration.model)}`,
    );
  }
}

/**
 * `text.signature` (opt-in, builtin: code, no ONNX model): the lexical signature of the pin's model
 * text (`src/neighbours/text-signature.ts`: hashed character 4-grams of the normalized text, 512
 * values, unit norm), published as a ContentEmbedding of kind TEXT under the model id
 * text-signature@1, output `char4-hashed`, so that the near-duplicate index of `text.near_duplicate`
 * is fed from the embeddings topic like the image one. A text with nothing left after normalization
 * (only links, tags or symbols) has no signature: UNSCORED with IW_CONTENT_ABSENT.
 */
export const textSignatureSignal: SignalPlugin<'text'> = {
  name: 'text.signature',
  content: 'text',
  model: 'builtin',
  create(declaration) {
    checkSignatureModel(declaration);
    return {
      name: declaration.name,
      content: 'text',
      model: declaration.model,
      role: declaration.role,
      classes: [],
      embeddingOutput: TEXT_SIGNATURE_OUTPUT,
      prepare: async (text) => text,
      infer: async (text) => {
        const vector = signatureOf(text as string);
        if (!vector)
          throw new IntegrityError('IW_CONTENT_ABSENT', 'text.signature: no words left to compare');
        return { scores: {}, vector };
      },
    };
  },
};
