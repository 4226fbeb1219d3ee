/**
 * Every signal kind the worker knows, and the declared list built from the configuration. Adding a
 * signal is one plug-in file, one line in {@link SIGNAL_PLUGINS} and its declaration in `SIGNALS`.
 */
import type { Config } from '../config/load-config.js';
import { IntegrityError } from '../errors.js';
import { modelId, type ModelRef, type SignalDeclaration } from '../scores.js';
import type { SignalRule } from '../policy/policy.js';
import { imageEmbedding } from './image-embedding.js';
import { imageNearDuplicate } from './image-near-duplicate.js';
import { imageSafety } from './image-safety.js';
import type { AnySignal, SignalDeps, SignalPlugin } from './signal.js';
import { textEmbedding } from './text-embedding.js';
import { textNearDuplicate } from './text-near-duplicate.js';
import { textSignatureSignal } from './text-signature.js';
import { textSpam } from './text-spam.js';
import { videoEmbedding } from './video-embedding.js';
import { videoNearDuplicate } from './video-near-duplicate.js';
import { videoSafety } from './video-safety.js';

export const SIGNAL_PLUGINS: readonly SignalPlugin[] = [
  imageSafety,
  textSpam,
  imageEmbedding,
  imageNearDuplicate,
  videoSafety,
  videoEmbedding,
  textEmbedding,
  videoNearDuplicate,
  textSignatureSignal,
  textNearDuplicate,
] as SignalPlugin[];

/**
 * The declared signals, in label order: `SIGNALS`, or by default image.safety and text.spam, then
 * image.embedding and image.near_duplicate of IMAGE_MODEL.
 */
export function declaredSignals(
  config: Pick<Config, 'SIGNALS' | 'IMAGE_MODEL' | 'TEXT_MODEL'>,
): readonly SignalDeclaration[] {
  const declared = config.SIGNALS ?? [
    { name: 'image.safety', model: config.IMAGE_MODEL, role: 'primary' },
    { name: 'text.spam', model: config.TEXT_MODEL, role: 'primary' },
    { name: 'image.embedding', model: config.IMAGE_MODEL, role: 'primary' },
    { name: 'image.near_duplicate', model: config.IMAGE_MODEL, role: 'primary' },
  ];
  const slots = declared.map((d) => `${d.name}:${d.role}`);
  const repeated = slots.find((slot, i) => slots.indexOf(slot) !== i);
  if (repeated !== undefined)
    throw new IntegrityError('IW_CONFIG_INVALID', `SIGNALS: ${repeated} is declared twice`);
  for (const d of declared) {
    pluginFor(d.name);
    if (d.role !== 'primary' && !declared.some((p) => p.name === d.name && p.role === 'primary'))
      throw new IntegrityError('IW_CONFIG_INVALID', `SIGNALS: ${d.name}:${d.role} has no primary`);
  }
  return declared;
}

export function pluginFor(name: string): SignalPlugin {
  const plugin = SIGNAL_PLUGINS.find((p) => p.name === name);
  if (!plugin) {
    throw new IntegrityError(
      'IW_CONFIG_INVALID',
      `SIGNALS: unknown signal ${name} (known: ${SIGNAL_PLUGINS.map((p) => p.name).join(', ')})`,
    );
  }
  return plugin;
}

/** The model-repository versions serving must load for these signals. */
export function servedModels(declared: readonly SignalDeclaration[]): ModelRef[] {
  const models = declared.filter((d) => pluginFor(d.name).model === 'repository').map((d) => d.model);
  return [...new Map(models.map((m) => [modelId(m), m])).values()];
}

export function createSignals(declared: readonly SignalDeclaration[], deps: SignalDeps): AnySignal[] {
  return declared.map((d) => pluginFor(d.name).create(d, deps) as AnySignal);
}

/** The rules of plug-ins that have one, by signal name, for a policy file that names none. */
export function defaultRules(declared: readonly SignalDeclaration[]): Record<string, SignalRule> {
  return Object.fromEntries(
    declared.flatMap((d) => {
      const rule = pluginFor(d.name).defaultRule?.(d);
      return rule ? [[d.name, rule]] : [];
    }),
  );
}

/** The signals the policy decides: all but embedding signals, whose product is a vector. */
export function decidingSignals<S extends AnySignal>(signals: readonly S[]): S[] {
  return signals.filter((s) => !('embeddingOutput' in s) || s.embeddingOutput === undefined);
}

/** True for the signals that search the near-duplicate index (it is fed from the embeddings topic). */
export function searchesNearDuplicates(name: string): boolean {
  return name.endsWith('.near_duplicate');
}

/** True for the signals whose vectors go to the embeddings topic: `*.embedding` and the text signature. */
export function publishesEmbedding(name: string): boolean {
  return name.endsWith('.embedding') || name === 'text.signature';
}

/** True when a declared signal reads videos (the worker then needs ffmpeg and a video fetcher). */
export function readsVideo(declared: readonly SignalDeclaration[]): boolean {
  return declared.some((d) => pluginFor(d.name).content === 'video');
}
