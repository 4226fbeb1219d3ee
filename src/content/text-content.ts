import { pinText } from '../preprocess/pin-text.js';

/** The text fields of a pin; null or undefined when absent. */
export interface TextFields {
  readonly title?: string | null | undefined;
  readonly description?: string | null | undefined;
  readonly link?: string | null | undefined;
}

/**
 * The model text of a pin (`src/preprocess/pin-text.ts`), or null when it has no text at all (every
 * field absent or blank): the one rule for "has text", used by the worker and `classify`.
 */
export function modelText(fields: TextFields): string | null {
  const { title, description, link } = fields;
  const hasText = [title, description, link].some((f) => f !== null && f !== undefined && f.trim() !== '');
  return hasText ? pinText({ title: title ?? '', description: description ?? '', link: link ?? '' }) : null;
}
