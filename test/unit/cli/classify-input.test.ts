import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { run, type ClassifyReport } from '../../../src/cli/classify-command.js';
import { classifyLines, parsePinLine, type PinLine } from '../../../src/cli/classify-input.js';
import { IntegrityError, isIntegrityError } from '../../../src/errors.js';

async function* linesOf(...lines: string[]): AsyncIterable<string> {
  for (const line of lines) yield line;
}

const report = (decision: ClassifyReport['decision']): ClassifyReport => ({
  signals: {},
  decision,
  policyVersion: 'policy-test',
});

function sinks() {
  const out = new PassThrough();
  const err = new PassThrough();
  const written: string[] = [];
  const progress: string[] = [];
  out.on('data', (chunk: Buffer) => written.push(...chunk.toString().split('\n').filter(Boolean)));
  err.on('data', (chunk: Buffer) => progress.push(chunk.toString()));
  return { out, err, written, progress };
}

describe('parsePinLine', () => {
  it('accepts the fields of a pin and refuses bad lines with IW_INPUT_INVALID', () => {
    expect(parsePinLine('{"title":"a","image":"x.jpg","extra":1}')).toMatchObject({
      title: 'a',
      image: 'x.jpg',
    });
    for (const bad of ['not json', '[1]', '{"title":5}', '{}', '{"image":""}', 'null']) {
      let code: string | undefined;
      try {
        parsePinLine(bad);
      } catch (error) {
        code = isIntegrityError(error) ? error.code : 'other';
      }
      expect({ bad, code }).toEqual({ bad, code: 'IW_INPUT_INVALID' });
    }
  });
});

describe('classifyLines', () => {
  it('writes one result per line in order, a coded error line for a bad one, and goes on', async () => {
    const { out, err, written, progress } = sinks();
    const seen: PinLine[] = [];
    const summary = await classifyLines(
      linesOf('{"id":1,"title":"a"}', 'oops', '', '{"id":"b","image":"corrupt.jpg"}', '{"description":"c"}'),
      {
        classify: async (pin) => {
          seen.push(pin);
          if (pin.image) throw new IntegrityError('IW_IMAGE_DECODE', 'corrupt');
          return report('ALLOW');
        },
        out,
        progress: err,
      },
    );
    expect(summary).toEqual({ lines: 5, ok: 2, errors: 2 });
    expect(seen).toHaveLength(3);
    const results = written.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(
      results.map((r) => [r.line, r.id, r.decision, (r.error as { code?: string } | undefined)?.code]),
    ).toEqual([
      [1, 1, 'ALLOW', undefined],
      [2, undefined, undefined, 'IW_INPUT_INVALID'],
      [4, 'b', undefined, 'IW_IMAGE_DECODE'],
      [5, undefined, 'ALLOW', undefined],
    ]);
    expect(progress.join('')).toMatch(/^classify: 4 pins, 2 ok, 2 errors, [0-9.]+ pins\/s\n$/);
  });

  it('streams: a result is written before the next line is read', async () => {
    const { out, err, written } = sinks();
    const writtenWhenRead: number[] = [];
    async function* slowLines() {
      for (let i = 0; i < 3; i++) {
        await new Promise((resolve) => setImmediate(resolve));
        writtenWhenRead.push(written.length);
        yield `{"id":${i},"title":"t"}`;
      }
    }
    await classifyLines(slowLines(), { classify: async () => report('REVIEW'), out, progress: err });
    expect(writtenWhenRead).toEqual([0, 1, 2]);
  });

  it('writes a progress line while it runs', async () => {
    const { out, err, progress } = sinks();
    let t = 0;
    await classifyLines(linesOf('{"title":"a"}', '{"title":"b"}', '{"title":"c"}'), {
      classify: async () => report('ALLOW'),
      out,
      progress: err,
      now: () => (t += 600),
      progressEveryMs: 1000,
    });
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.at(-1)).toMatch(/^classify: 3 pins, 3 ok, 0 errors/);
  });
});

describe('integrity-worker classify on text alone', () => {
  it('needs no image: the image signal is absent and ignored', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    try {
      expect(await run(['--title', 'Knitting a simple beanie', '--json'])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    const result = JSON.parse(lines.join('\n')) as ClassifyReport;
    expect(result.signals['image.safety']).toMatchObject({
      decision: 'UNSCORED',
      reasonCode: 'IW_CONTENT_ABSENT',
      rule: 'unscored.IW_CONTENT_ABSENT', // policy-v1 names it (IGNORE)
    });
    expect(result.decision).toBe(result.signals['text.spam']!.decision);
  }, 30_000);

  it('refuses no input at all, and a missing --input file, with IW_INPUT_INVALID', async () => {
    await expect(run([])).rejects.toMatchObject({ code: 'IW_INPUT_INVALID' });
    await expect(run(['--input', '/nonexistent/pins.jsonl'])).rejects.toMatchObject({
      code: 'IW_INPUT_INVALID',
    });
    await expect(run(['a.jpg', '--input', 'x.jsonl'])).rejects.toMatchObject({ code: 'IW_INPUT_INVALID' });
  });
});
