/**
 * Rebuilds `models/image-safety/<version>/` from the pinned nsfwjs package, or with `--check` proves
 * that a rebuild gives the sha256 its manifest and file carry (exit 1 otherwise).
 *   tsx scripts/models/convert-nsfwjs.ts [--check] [--version 1] [--storage uint8|float32 --out dir]
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { convertNsfwjs, IMAGE_SAFETY_VERSIONS, imageSafetyManifest, modelDir, readManifest } from './image-safety-build.js';
import type { WeightStorage } from './tfjs-to-onnx/onnx-graph.js';
import { sha256Hex } from './tfjs-to-onnx/source-files.js';

const { values } = parseArgs({
  options: {
    check: { type: 'boolean', default: false },
    version: { type: 'string', multiple: true },
    storage: { type: 'string' },
    out: { type: 'string' },
  },
});
const versions = values.version ?? Object.keys(IMAGE_SAFETY_VERSIONS);
let failed = false;
for (const version of versions) {
  const spec = IMAGE_SAFETY_VERSIONS[version];
  if (!spec) throw new Error(`unknown image-safety version ${version}`);
  const storage = (values.storage as WeightStorage | undefined) ?? spec.storage;
  const started = performance.now();
  const build = await convertNsfwjs(spec.model, storage, spec.embedding?.layer);
  const ms = (performance.now() - started).toFixed(0);
  const dir = values.out ?? modelDir(version);
  if (values.check) {
    const manifest = await readManifest(version);
    const onDisk = await readFile(path.join(dir, 'model.onnx')).then(sha256Hex, () => 'missing');
    const ok = manifest?.sha256 === build.sha256 && onDisk === build.sha256;
    failed ||= !ok;
    console.log(`image-safety@${version}: rebuilt ${build.sha256} manifest ${String(manifest?.sha256)} file ${onDisk} ${ok ? 'OK' : 'STALE'}`);
    continue;
  }
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'model.onnx'), build.bytes);
  if (values.out === undefined) {
    const manifest = imageSafetyManifest(version, build, await readManifest(version));
    await writeFile(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  }
  console.log(`image-safety@${version}: ${spec.model} -> ${dir}/model.onnx ${build.bytes.length} bytes sha256 ${build.sha256} (${storage}, ${ms} ms)`);
}
if (failed) process.exitCode = 1;
