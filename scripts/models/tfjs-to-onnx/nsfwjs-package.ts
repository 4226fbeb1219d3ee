import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { evaluateUmdExport, readPinnedFiles } from './source-files.js';
import type { TfjsWeightsManifestGroup } from './weights.js';

export const NSFWJS_VERSION = '4.4.0';

/** sha256 of the model files of nsfwjs@4.4.0, measured once; any other bytes stop the conversion. */
export const PINNED_FILES = {
  mobilenet_v2: {
    'model.min.js': 'c32f104fd562b08cdff5ed69dfe1209643afa47e792fb12751d2949aa61a397a',
    'group1-shard1of1.min.js': 'ef2e0a63f7d2c4960b37b024b669313f65d3c45cd59e9042636c55b39de53517',
  },
  mobilenet_v2_mid: {
    'model.min.js': 'a7a9e701491e2449b221dab7c424957f853e700602b5575da33cfd745616f964',
    'group1-shard1of2.min.js': 'f2e79a209e44d668220ec5f1533a98f2be954e3953685bf074d201b82fefc29a',
    'group1-shard2of2.min.js': 'f291df992a0131741372506a6072fb9f1645bff7c973c983fd6276f5f9625d5e',
  },
} as const satisfies Record<string, Record<string, string>>;

export type NsfwjsModelName = keyof typeof PINNED_FILES;

/** A tfjs model.json as nsfwjs ships it, with its weight shards decoded and concatenated. */
export interface TfjsArtifacts {
  modelJson: { format?: string; modelTopology: unknown; weightsManifest: TfjsWeightsManifestGroup[] };
  weightData: Uint8Array;
  /** sha256 of every source file, as checked. */
  files: Record<string, string>;
  /** Path of the model folder inside the package, e.g. `dist/models/mobilenet_v2`. */
  packagePath: string;
}

/** The root folder of the installed nsfwjs, after checking that it is the pinned version. */
export async function nsfwjsRoot(): Promise<string> {
  const main = createRequire(import.meta.url).resolve('nsfwjs');
  let dir = path.dirname(main);
  while (dir !== path.dirname(dir)) {
    const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8').catch(() => '{}')) as {
      name?: string;
      version?: string;
    };
    if (pkg.name === 'nsfwjs') {
      if (pkg.version !== NSFWJS_VERSION) throw new Error(`nsfwjs ${pkg.version} is installed; ${NSFWJS_VERSION} is pinned`);
      return dir;
    }
    dir = path.dirname(dir);
  }
  throw new Error('nsfwjs is not installed');
}

/**
 * Loads a model of the pinned nsfwjs the way nsfwjs does: `model.min.js` exports the model.json
 * object, each `group1-shardNofM.min.js` exports a base64 string of one raw shard.
 */
export async function loadNsfwjsModel(model: NsfwjsModelName): Promise<TfjsArtifacts> {
  const packagePath = `dist/models/${model}`;
  const dir = path.join(await nsfwjsRoot(), packagePath);
  const pinned = PINNED_FILES[model];
  const files = await readPinnedFiles(dir, pinned);
  const modelJson = evaluateUmdExport(files.get('model.min.js')!.toString('utf8'), 'model.min.js') as TfjsArtifacts['modelJson'];
  const shards: Buffer[] = [];
  for (const group of modelJson.weightsManifest) {
    for (const shardPath of group.paths) {
      const source = files.get(`${shardPath}.min.js`);
      if (!source) throw new Error(`shard ${shardPath} is not among the pinned files`);
      const base64 = evaluateUmdExport(source.toString('utf8'), shardPath);
      if (typeof base64 !== 'string') throw new Error(`shard ${shardPath} does not export a string`);
      shards.push(Buffer.from(base64, 'base64'));
    }
  }
  const weightData = new Uint8Array(Buffer.concat(shards));
  return { modelJson, weightData, files: { ...pinned }, packagePath };
}
