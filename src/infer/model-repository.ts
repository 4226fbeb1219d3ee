/**
 * A Triton-shaped model repository on disk: `<root>/<name>/<version>/{manifest.json, <file>}`.
 * `load` resolves only for a model that is ready to serve: manifest valid, file checksum equal,
 * session names and shapes equal to the manifest, and one warm-up inference done. The session is
 * supervised: when it dies it is replaced by a new one that passes the same checks and warm-up.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { IntegrityError } from '../errors.js';
import { readModelManifest, type ModelManifest } from './model-manifest.js';
import { checkSessionContract } from './session-contract.js';
import type { SessionFactory, SessionOptions, SessionRunner } from './session-runner.js';
import { SupervisedSession, type SupervisedSessionOptions } from './supervised-session.js';
import { zeroTensor, type TensorMap } from './tensor-data.js';
import { createWorkerSession } from './worker-session.js';

export interface LoadedModel {
  /** `name@version`: carried by every score, cache key and label. */
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly dir: string;
  readonly manifest: ModelManifest;
  /** Supervised: `session.up` is false while a dead session is being replaced. */
  readonly session: SupervisedSession;
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
  /** Restart backoff, wait and the observer of crashes and restarts (see {@link SupervisedSession}). */
  supervision?: Omit<SupervisedSessionOptions, 'model' | 'start'>;
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
    const id = `${name}@${version}`;
    const start = () => this.#start(modelFile, manifestFile, manifest);
    const first = await start();
    const session = new SupervisedSession(first.session, {
      ...this.#options.supervision,
      model: id,
      start: async () => (await start()).session,
    });
    return { id, name, version, dir, manifest, session, warmupMs: first.warmupMs };
  }

  /** A new session for a file that still has the manifest's checksum, checked and warmed up. */
  async #start(
    modelFile: string,
    manifestFile: string,
    manifest: ModelManifest,
  ): Promise<{ session: SessionRunner; warmupMs: number }> {
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
      return { session, warmupMs: await this.#warmUp(modelFile, manifest, session) };
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
