/** The README's configuration table, rendered from {@link ENV_VARIABLES} (a test keeps them equal). */
import { ENV_VARIABLES } from './env-variables.js';

export function renderConfigTable(): string {
  const rows = Object.entries(ENV_VARIABLES).map(
    ([name, v]) =>
      `| \`${name}\` | ${v.defaultText.includes('(') ? v.defaultText : `\`${v.defaultText}\``} | ${v.doc} |`,
  );
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}
