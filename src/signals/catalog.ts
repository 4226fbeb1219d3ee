/**
 * Every signal kind the worker knows, and the declared list built from the configuration. Adding a
 * signal is one plug-in file, one line in {@link SIGNAL_PLUGINS} and its declaration in `SIGNALS`.
 */
import type { Config } from '../config/load-config.js';
import { IntegrityError } from '../errors.js';
import type { ModelRef, SignalDeclaration } from '../scores.js';
import { imageSafety } from './image-safety.js';
import type { Signal, SignalDeps, SignalPlugin } from './signal.js';
import { textSpam } from './text-spam.js';

export const SIGNAL_PLUGINS: readonly SignalPlugin[] = [imageSafety, textSpam];

/** The declared signals, in label order: `SIGNALS`, or by default image.safety and text.spam. */
export function declaredSignals(
  config: Pick<Config, 'SIGNALS' | 'IMAGE_MODEL' | 'TEXT_MODEL'>,
): readonly SignalDeclaration[] {
  const declared = config.SIGNALS ?? [
    { name: 'image.safety', model: config.IMAGE_MODEL, role: 'primary' },
    { name: 'text.spam', model: config.TEXT_MODEL, role: 'primary' },
  ];
  const names = declared.map((d) => d.name);
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated !== undefined)
    throw new IntegrityError('IW_CONFIG_INVALID', `SIGNALS: ${repeated} is declared twice`);
  for (const d of declared) pluginFor(d.name);
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
  return declared.filter((d) => pluginFor(d.name).model === 'repository').map((d) => d.model);
}

export function createSignals(declared: readonly SignalDeclaration[], deps: SignalDeps): Signal[] {
  return declared.map((d) => pluginFor(d.name).create(d, deps) as Signal);
}
