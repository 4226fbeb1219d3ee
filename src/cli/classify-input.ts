/**
 * `integrity-worker classify --input pins.jsonl` (or `-` for stdin): one pin per line
 * (`{"id"?, "title"?, "description"?, "link"?, "image"?, "video"?}`, `image` and `video` a file path
 * or URL), one JSON result per line on stdout, in input order, written as soon as each pin is
 * decided; a progress line on stderr every second and at the end. A bad line (not JSON, wrong
 * fields, an unreadable or undecodable image or video) gets
 * `{"line": n, "error": {"code": "IW_...", "message": ...}}` and the run goes on; the exit code is 0
 * when every line was classified, 1 when some were errors.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { z } from 'zod';
import { IntegrityError, toIntegrityError } from '../errors.js';

const pinLine = z.object({
  id: z.union([z.string(), z.number()]).optional(),
  title: z.string().nullish(),
  description: z.string().nullish(),
  link: z.string().nullish(),
  image: z.string().min(1).nullish(),
  video: z.string().min(1).nullish(),
});
export type PinLine = z.infer<typeof pinLine>;

/** Parses one input line. Throws IW_INPUT_INVALID naming the first bad field. */
export function parsePinLine(text: string): PinLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new IntegrityError('IW_INPUT_INVALID', 'not a JSON object', { cause });
  }
  const result = pinLine.safeParse(value);
  if (!result.success) {
    const first = result.error.issues[0];
    const field = first?.path.join('.') || '(root)';
    throw new IntegrityError('IW_INPUT_INVALID', `field ${field}: ${first?.message ?? 'invalid'}`, {
      details: { field },
    });
  }
  const pin = result.data;
  if (!pin.image && !pin.video && !pin.title && !pin.description && !pin.link)
    throw new IntegrityError('IW_INPUT_INVALID', 'a pin needs an image, a video or some text');
  return pin;
}

export interface ClassifyLinesDeps {
  /** Classifies one parsed pin (a `ClassifyReport`); throws a coded error for a bad image or video. */
  classify(pin: PinLine): Promise<object>;
  readonly out: Writable;
  /** Where the progress line goes. */
  readonly progress: Writable & { isTTY?: boolean };
  readonly now?: () => number;
  /** How often the progress line is written, ms. @defaultValue 1000 */
  readonly progressEveryMs?: number;
}

export interface ClassifyLinesSummary {
  readonly lines: number;
  readonly ok: number;
  readonly errors: number;
}

/** Classifies every non-empty line of `lines`, streaming one result line per input line. */
export async function classifyLines(
  lines: AsyncIterable<string>,
  deps: ClassifyLinesDeps,
): Promise<ClassifyLinesSummary> {
  const now = deps.now ?? Date.now;
  const started = now();
  let lineNo = 0;
  let ok = 0;
  let errors = 0;
  let lastProgress = started;
  const progress = (final: boolean) => {
    const seconds = Math.max(0.001, (now() - started) / 1000);
    const text = `classify: ${ok + errors} pins, ${ok} ok, ${errors} errors, ${((ok + errors) / seconds).toFixed(1)} pins/s`;
    deps.progress.write(
      deps.progress.isTTY && !final ? `\r${text}` : `${deps.progress.isTTY ? '\r' : ''}${text}\n`,
    );
  };
  for await (const raw of lines) {
    lineNo++;
    if (raw.trim() === '') continue;
    let result: Record<string, unknown>;
    let id: string | number | undefined;
    try {
      const pin = parsePinLine(raw);
      id = pin.id;
      result = { line: lineNo, ...(id !== undefined && { id }), ...(await deps.classify(pin)) };
      ok++;
    } catch (error) {
      const coded = toIntegrityError(error);
      result = {
        line: lineNo,
        ...(id !== undefined && { id }),
        error: { code: coded.code, message: coded.message },
      };
      errors++;
    }
    if (!deps.out.write(`${JSON.stringify(result)}\n`))
      await new Promise((resolve) => deps.out.once('drain', resolve));
    if (now() - lastProgress >= (deps.progressEveryMs ?? 1000)) {
      lastProgress = now();
      progress(false);
    }
  }
  progress(true);
  return { lines: lineNo, ok, errors };
}

/** The lines of a file, or of stdin for `-`. */
export function inputLines(file: string): AsyncIterable<string> {
  const input = file === '-' ? process.stdin : createReadStream(file, { encoding: 'utf8' });
  return createInterface({ input, crlfDelay: Infinity });
}
