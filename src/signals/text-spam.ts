import { modelSignal, type SignalPlugin } from './signal.js';

/** `text.spam`: a text classifier (ham, spam) over the pin's model text. */
export const textSpam: SignalPlugin<'text'> = {
  name: 'text.spam',
  content: 'text',
  model: 'repository',
  create: (declaration, deps) => modelSignal(declaration, 'text', deps.scorer(declaration.model)),
};
