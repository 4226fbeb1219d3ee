import type { ClassScores, SignalCache } from '../cache/signal-cache.js';
import { IntegrityError } from '../errors.js';
import { pinText } from '../preprocess/pin-text.js';
import type { ImageSignal, PinImageRef } from './image-signal.js';
import type { ScoreMemo } from './score-memo.js';
import { unscored, type SignalResult } from './signal-result.js';
import type { StageRunner } from './stage-runner.js';
import type { TextSignal } from './text-signal.js';

/** The parts of a PinCreated event that the signals read. */
export interface PinContent {
  readonly pinId: string;
  readonly title: string | null;
  readonly description: string | null;
  readonly link: string | null;
  readonly image: PinImageRef | null;
}

/**
 * Computes every signal of one pin: one lookup (in-process memory, then the shared cache) for all keys
 * known before any download, both signals in parallel, one pipelined cache write. A pin with neither image nor text is invalid input
 * (IW_INPUT_INVALID); a pin with only one of them gets the other signal UNSCORED (IW_CONTENT_ABSENT).
 */
export class PinProcessor {
  constructor(
    private readonly image: ImageSignal,
    private readonly text: TextSignal,
    private readonly cache: SignalCache,
    private readonly memo: ScoreMemo,
    private readonly models: { image: SignalResult['model']; text: SignalResult['model'] },
  ) {}

  async signals(pin: PinContent, stages: StageRunner): Promise<SignalResult[]> {
    const text = hasText(pin)
      ? pinText({ title: pin.title ?? '', description: pin.description ?? '', link: pin.link ?? '' })
      : null;
    if (text === null && pin.image === null) {
      throw new IntegrityError('IW_INPUT_INVALID', 'the pin has neither an image nor any text', {
        details: { pinId: pin.pinId },
      });
    }
    const textKeys = text === null ? undefined : this.text.keys(text);
    const textKey = textKeys?.cacheKey;
    const sigKey = pin.image ? this.image.signatureCacheKey(pin.image) : undefined;
    // Keys answered from memory never reach the shared cache.
    const remembered = new Map<string, ClassScores>();
    for (const key of [textKey, sigKey]) {
      const scores = key === undefined ? undefined : this.memo.peek(key);
      if (scores !== undefined) remembered.set(key!, scores);
    }
    const keys = [textKey, sigKey].filter((k): k is string => k !== undefined && !remembered.has(k));
    const hits = keys.length > 0 ? await stages.run('cache-lookup', () => this.cache.getMany(keys)) : [];
    const hit = (key: string | undefined) =>
      key === undefined ? undefined : (remembered.get(key) ?? hits[keys.indexOf(key)]);

    const [image, textResult] = await Promise.all([
      pin.image
        ? this.image.compute(pin.image, hit(sigKey), stages)
        : { result: unscored('image.safety', this.models.image, 'IW_CONTENT_ABSENT'), writes: [] },
      text !== null
        ? this.text.compute(text, textKeys!, hit(textKey), stages)
        : { result: unscored('text.spam', this.models.text, 'IW_CONTENT_ABSENT'), writes: [] },
    ]);
    const writes = [...image.writes, ...textResult.writes];
    if (writes.length > 0) await stages.run('cache-write', () => this.cache.setMany(writes));
    return [image.result, textResult.result];
  }
}

function hasText(pin: PinContent): boolean {
  return [pin.title, pin.description, pin.link].some((field) => field !== null && field.trim() !== '');
}
