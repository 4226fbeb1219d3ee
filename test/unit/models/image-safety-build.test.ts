import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { convertNsfwjs, IMAGE_SAFETY_VERSIONS } from '../../../scripts/models/image-safety-build.js';
import { sha256Hex } from '../../../scripts/models/tfjs-to-onnx/source-files.js';

describe('models/image-safety is what the converter builds', () => {
  it.each(Object.entries(IMAGE_SAFETY_VERSIONS))('version %s: rebuild, manifest and file share one sha256', async (version, spec) => {
    const build = await convertNsfwjs(spec.model, spec.storage, spec.embedding?.layer);
    const manifest = JSON.parse(await readFile(`models/image-safety/${version}/manifest.json`, 'utf8')) as { sha256: string; bytes: number };
    const onDisk = sha256Hex(await readFile(`models/image-safety/${version}/model.onnx`));
    expect({ manifest: manifest.sha256, file: onDisk }).toEqual({ manifest: build.sha256, file: build.sha256 });
    expect(manifest.bytes).toBe(build.bytes.length);
  }, 60_000);
});
