/**
 * A Triton-shaped model repository on disk: `<root>/<name>/<version>/{manifest.json, <file>}`.
 * `load` resolves only for a model that is ready to serve: manifest valid, file checksum equal,
 * session names and shapes equal to the manifest, and one warm-up inference done.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { IntegrityError } from '../errors.js';
import { readModelManifest, type ModelManifest } from './model-manifest.js';
import { checkSessionContract } from './session-contract.js';
import type { SessionFactory, SessionOptions, SessionRunner } from './session-runner.js';
import { zeroTensor, type TensorMap } from './tensor-data.js';
import { createWorkerSession } from './worker-session.js';

export interface LoadedModel {
  /** `name@version`: carried by every score, cache key and label. */
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly dir: string;
  readonly manifest: ModelManifest;
  readonly session: SessionRunner;
  /** Time the warm-up inference took, in milliseconds. */
  readonly warmupMs: number;
}

export interface ModelRepositoryOptions {
  /** The repository root, e.g. `models/`. */
  root: string;
  /** Thread counts and optimization level for every session. */
  session?: SessionOptions;
  /**
   * Where sessions run.
   * @defaultValue createWorkerSession (a worker thread per model)
   */
  createSession?: SessionFactory;
  /** @defaultValue performance.now */
  now?: () => number;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export class ModelRepository {
  readonly #options: ModelRepositoryOptions;

  constructor(options: ModelRepositoryOptions) {
    this.#options = options;
  }

  /**
   * Loads `name@version`. Errors: IW_MODEL_NOT_FOUND (directory, manifest or model file missing),
   * IW_MODEL_MANIFEST (bad manifest, or it disagrees with the model), IW_MODEL_CHECKSUM (sha256
   * differs), IW_INFERENCE_FAILED (the session cannot be created or the warm-up fails).
   */
  async load(name: string, version: string): Promise<LoadedModel> {
    const dir = join(this.#options.root, name, version);
    const manifestFile = join(dir, 'manifest.json');
    const manifest = await readModelManifest(manifestFile);
    if (manifest.name !== name || manifest.version !== version) {
      throw new IntegrityError(
        'IW_MODEL_MANIFEST',
        `${manifestFile}: field name/version: says ${manifest.name}@${manifest.version}`,
        {
          details: { file: manifestFile, field: 'name' },
        },
      );
    }
    const modelFile = join(dir, manifest.file);
    await stat(modelFile).catch((cause: unknown) => {
      throw new IntegrityError('IW_MODEL_NOT_FOUND', `${modelFile}: missing`, {
        cause,
        details: { file: modelFile },
      });
    });
    const actual = await sha256File(modelFile);
    if (actual !== manifest.sha256) {
      throw new IntegrityError(
        'IW_MODEL_CHECKSUM',
        `${modelFile}: sha256 ${actual}, manifest says ${manifest.sha256}`,
        {
          details: { file: modelFile, expected: manifest.sha256, actual },
        },
      );
    }
    const create = this.#options.createSession ?? createWorkerSession;
    const session = await create(modelFile, this.#options.session ?? {}).catch((cause: unknown) => {
      throw new IntegrityError('IW_INFERENCE_FAILED', `${modelFile}: cannot create a session`, {
        cause,
        retriable: false,
      });
    });
    try {
      checkSessionContract(manifestFile, manifest, session);
      const warmupMs = await this.#warmUp(modelFile, manifest, session);
      return { id: `${name}@${version}`, name, version, dir, manifest, session, warmupMs };
    } catch (error) {
      await session.close();
      throw error;
    }
  }

  async #warmUp(modelFile: string, manifest: ModelManifest, session: SessionRunner): Promise<number> {
    const now = this.#options.now ?? (() => performance.now());
    const feeds: TensorMap = {};
    for (const input of manifest.inputs) feeds[input.name] = zeroTensor(input.dtype, input.shape);
    const started = now();
    try {
      await session.run(feeds);
    } catch (cause) {
      throw new IntegrityError('IW_INFERENCE_FAILED', `${modelFile}: warm-up inference failed`, {
        cause,
        retriable: false,
      });
    }
    return now() - started;
  }
}
