import { modelSignal, type SignalPlugin } from './signal.js';

/** `image.safety`: an image classifier (nsfwjs classes) over the pin's image bytes. */
export const imageSafety: SignalPlugin<'image'> = {
  name: 'image.safety',
  content: 'image',
  model: 'repository',
  create: (declaration, deps) =>
    modelSignal(declaration, 'image', deps.scorer(declaration.model), deps.decodedImages),
};
