/** The fields of a pin the text-spam model reads. */
export interface PinTextFields {
  title: string;
  description: string;
  link: string;
}

/**
 * Turns a pin into the text the text-spam model scores: `title + "\n" + description + "\n" + link`.
 *
 * Training maps an e-mail the same way (Subject -> title, decoded body -> description, empty link;
 * `training/text_spam/corpus.py: pin_text`), so this must stay byte-identical to it. Nothing is
 * trimmed or rewritten here: the featurizer ignores whitespace, and any trimming rule would differ
 * between Python and JavaScript. A missing field is passed as the empty string.
 */
export function pinText(fields: PinTextFields): string {
  return `${fields.title}\n${fields.description}\n${fields.link}`;
}
