/**
 * Checks that a session really is the model its manifest describes: the same input and output
 * names, element types, ranks and fixed dims. A mismatch is IW_MODEL_MANIFEST naming the manifest
 * file and the field, found before the model serves anything.
 */
import { IntegrityError } from '../errors.js';
import type { ManifestEmbedding, ManifestInput, ManifestOutput, ModelManifest } from './model-manifest.js';
import type { SessionRunner, ValueInfo } from './session-runner.js';

function mismatch(file: string, field: string, message: string): IntegrityError {
  return new IntegrityError('IW_MODEL_MANIFEST', `${file}: field ${field}: ${message}`, {
    details: { file, field },
  });
}

function checkValue(
  file: string,
  field: string,
  declared: ManifestInput | ManifestOutput | ManifestEmbedding,
  real: ValueInfo,
): void {
  if (real.type !== undefined && real.type !== declared.dtype) {
    throw mismatch(file, `${field}.dtype`, `manifest says ${declared.dtype}, the model has ${real.type}`);
  }
  if (real.shape.length === 0) return; // the model does not declare a shape: nothing to compare
  if (real.shape.length !== declared.shape.length) {
    throw mismatch(
      file,
      `${field}.shape`,
      `rank ${declared.shape.length} in the manifest, ${real.shape.length} in the model`,
    );
  }
  declared.shape.forEach((dim, i) => {
    const actual = real.shape[i];
    // A symbolic dim in the model must be dynamic in the manifest, and a fixed one must agree.
    const ok = typeof actual === 'number' && actual > 0 ? dim === actual : dim === -1;
    if (!ok) throw mismatch(file, `${field}.shape.${i}`, `manifest ${dim}, model ${String(actual)}`);
  });
}

function checkNames(
  file: string,
  kind: 'inputs' | 'outputs',
  declared: readonly { name: string }[],
  real: readonly ValueInfo[],
): void {
  const want = declared.map((d) => d.name).sort();
  const have = real.map((r) => r.name).sort();
  if (want.join('\u0000') !== have.join('\u0000')) {
    throw mismatch(file, kind, `manifest names [${want.join(', ')}], the model has [${have.join(', ')}]`);
  }
}

export function checkSessionContract(file: string, manifest: ModelManifest, session: SessionRunner): void {
  checkNames(file, 'inputs', manifest.inputs, session.inputs);
  const embeddings = manifest.embeddings ?? [];
  checkNames(file, 'outputs', [...manifest.outputs, ...embeddings], session.outputs);
  manifest.inputs.forEach((d, i) =>
    checkValue(
      file,
      `inputs.${i}`,
      d,
      session.inputs.find((r) => r.name === d.name)!,
    ),
  );
  manifest.outputs.forEach((d, i) =>
    checkValue(
      file,
      `outputs.${i}`,
      d,
      session.outputs.find((r) => r.name === d.name)!,
    ),
  );
  embeddings.forEach((d, i) =>
    checkValue(
      file,
      `embeddings.${i}`,
      d,
      session.outputs.find((r) => r.name === d.name)!,
    ),
  );
}
