/**
 * The manifest that sits next to every model file (`models/<name>/<version>/manifest.json`): what the
 * file is, how to feed it, what its outputs mean, where it came from and its default thresholds.
 * The schema is the contract shared by the model builders (image-model, text-model) and the serving
 * side; sections that only the builder reads (`source`, `training`, `metrics`, `build`) are kept
 * open so a builder can record more without a serving change.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { IntegrityError } from '../errors.js';

/** Tensor element types the serving side knows how to build. */
export const DTYPES = ['float32', 'int64', 'int32', 'uint8'] as const;
export type Dtype = (typeof DTYPES)[number];

/** A dimension: a positive size, or -1 for a dynamic one (batch, padded length). */
const dimension = z
  .number()
  .int()
  .refine((d) => d === -1 || d > 0, 'a dimension is -1 or positive');

const input = z.looseObject({
  name: z.string().min(1),
  dtype: z.enum(DTYPES),
  shape: z.array(dimension).min(1),
  layout: z.string().optional(),
});

const output = z.looseObject({
  name: z.string().min(1),
  dtype: z.enum(DTYPES),
  shape: z.array(dimension).min(1),
  classes: z.array(z.string().min(1)).min(1),
});

/** An output of one vector per input (e.g. pooled features); not class scores, so no classes. */
const embeddingOutput = z.looseObject({
  name: z.string().min(1),
  dtype: z.literal('float32'),
  shape: z.tuple([z.literal(-1), z.number().int().positive()]),
  /** Whether the model already L2-normalises it; the serving side normalises when false. */
  normalized: z.boolean(),
});

const imagePreprocess = z.looseObject({
  kind: z.literal('image'),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  resize: z.string().min(1),
  channels: z.literal('RGB').default('RGB'),
  scale: z.number().positive(),
  mean: z.array(z.number()).length(3),
  std: z.array(z.number().positive()).length(3),
});

/** Text preprocessing is owned by its featurizer; every extra field is kept for it to check. */
const textPreprocess = z.looseObject({ kind: z.literal('text') });

const classThresholds = z.record(z.string(), z.number().min(0).max(1));

/**
 * The distribution of the model's scores on offline evaluation data, per class over fixed bins: the
 * reference the worker's drift metric (PSI) compares live scores with. Written by
 * `npm run models:reference`.
 */
const scoreReference = z.looseObject({
  /** Bin edges, increasing, from 0 to 1 (n + 1 edges for n bins). */
  bins: z.array(z.number().min(0).max(1)).min(3),
  /** Count of evaluation scores per bin, per class. */
  classes: z.record(z.string(), z.array(z.number().int().min(0))),
  samples: z.number().int().positive(),
  source: z.string().min(1),
});

export const modelManifestSchema = z
  .looseObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes'),
    version: z.string().regex(/^[0-9]+$/, 'a positive integer as a string, like Triton versions'),
    task: z.string().min(1),
    file: z.string().regex(/^[^/\\]+$/, 'a file name inside the version directory'),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits'),
    bytes: z.number().int().positive().optional(),
    inputs: z.array(input).min(1),
    /** Class-score outputs; empty only for an embedding model (task `text-embedding`), which has `embeddings`. */
    outputs: z.array(output),
    /** Outputs beside the scores, computed in the same forward pass (or the only ones). */
    embeddings: z.array(embeddingOutput).optional(),
    preprocess: z.discriminatedUnion('kind', [imagePreprocess, textPreprocess]),
    source: z.looseObject({}),
    training: z.looseObject({}),
    metrics: z.looseObject({}),
    thresholds: z.looseObject({ review: classThresholds, block: classThresholds }),
    build: z.looseObject({}),
    reference: scoreReference.optional(),
  })
  .superRefine((m, ctx) => {
    if (m.outputs.length === 0 && (m.embeddings ?? []).length === 0)
      ctx.addIssue({ code: 'custom', path: ['outputs'], message: 'no outputs and no embeddings' });
    // Every output row must be as wide as its class list, or scores would be misattributed.
    m.outputs.forEach((o, i) => {
      const width = o.shape.at(-1);
      if (width !== -1 && width !== o.classes.length) {
        ctx.addIssue({ code: 'custom', path: ['outputs', i, 'shape'], message: 'last dim != classes' });
      }
    });
    const classes = new Set(m.outputs.flatMap((o) => o.classes));
    if (m.reference) {
      const { bins } = m.reference;
      if (bins.some((b, i) => i > 0 && b <= bins[i - 1]!))
        ctx.addIssue({ code: 'custom', path: ['reference', 'bins'], message: 'bins must increase' });
      for (const [name, counts] of Object.entries(m.reference.classes)) {
        if (!classes.has(name))
          ctx.addIssue({ code: 'custom', path: ['reference', 'classes', name], message: 'unknown class' });
        if (counts.length !== bins.length - 1)
          ctx.addIssue({
            code: 'custom',
            path: ['reference', 'classes', name],
            message: 'one count per bin',
          });
      }
    }
    for (const level of ['review', 'block'] as const) {
      for (const name of Object.keys(m.thresholds[level])) {
        if (!classes.has(name)) {
          ctx.addIssue({ code: 'custom', path: ['thresholds', level, name], message: 'unknown class' });
        }
      }
    }
  });

export type ModelManifest = z.infer<typeof modelManifestSchema>;
export type ScoreReference = z.infer<typeof scoreReference>;
export type ManifestInput = ModelManifest['inputs'][number];
export type ManifestOutput = ModelManifest['outputs'][number];
export type ManifestEmbedding = NonNullable<ModelManifest['embeddings']>[number];
export type ImagePreprocess = z.infer<typeof imagePreprocess>;
export type TextPreprocess = z.infer<typeof textPreprocess>;

/**
 * Validates an already parsed manifest. Throws IW_MODEL_MANIFEST naming `file` and the first bad
 * field path (details carry every issue).
 */
export function parseModelManifest(value: unknown, file: string): ModelManifest {
  const result = modelManifestSchema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }));
  const first = issues[0];
  throw new IntegrityError(
    'IW_MODEL_MANIFEST',
    `${file}: field ${first?.path ?? '(root)'}: ${first?.message ?? 'invalid'}`,
    { details: { file, field: first?.path, issues } },
  );
}

/** Reads and validates a manifest file. A missing file is IW_MODEL_NOT_FOUND; bad JSON IW_MODEL_MANIFEST. */
export async function readModelManifest(file: string): Promise<ModelManifest> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new IntegrityError('IW_MODEL_NOT_FOUND', `${file}: cannot read the manifest`, {
      cause,
      details: { file },
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new IntegrityError('IW_MODEL_MANIFEST', `${file}: not JSON`, {
      cause,
      details: { file, field: '(root)' },
    });
  }
  return parseModelManifest(value, file);
}
