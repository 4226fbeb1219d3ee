import { afterEach, describe, expect, it, vi } from 'vitest';
import { run, type ClassifyReport } from '../../../src/cli/classify-command.js';

async function classify(argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
  try {
    return { code: await run(argv), out: lines.join('\n') };
  } finally {
    spy.mockRestore();
  }
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('integrity-worker classify', () => {
  it('prints both signals with model versions, scores, decisions and the policy version', async () => {
    const { code, out } = await classify([
      'test/fixtures/images/photo-astronaut.jpg',
      '--title',
      'Cheap watches',
      '--text',
      'FREE money, click now',
      '--link',
      'http://cheap.example.com/',
      '--json',
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(out) as ClassifyReport;
    expect(report.policyVersion).toBe('policy-v5');
    const image = report.signals['image.safety']!;
    const text = report.signals['text.spam']!;
    expect(image.model).toEqual({ name: 'image-safety', version: '1' });
    expect(text.model).toEqual({ name: 'text-spam', version: '4' });
    expect(Object.keys(image.scores!)).toEqual(['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy']);
    expect(Object.keys(text.scores!)).toEqual(['ham', 'spam']);
    for (const s of [image, text]) {
      expect(Object.values(s.scores!).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(['ALLOW', 'REVIEW', 'BLOCK']).toContain(s.decision);
    }
    // A real photo of a person in a space suit: the image model's top class is Neutral.
    const top = Object.entries(image.scores!).sort((a, b) => b[1] - a[1])[0]![0];
    expect(top).toBe('Neutral');
  }, 30_000);

  it('says UNSCORED with IW_CONTENT_ABSENT for a pin without text', async () => {
    const report = JSON.parse(
      (await classify(['test/fixtures/images/drawing-house.png', '--json'])).out,
    ) as ClassifyReport;
    expect(report.signals['text.spam']).toMatchObject({
      scores: null,
      decision: 'UNSCORED',
      reasonCode: 'IW_CONTENT_ABSENT',
    });
    expect(report.decision).toBe(report.signals['image.safety']!.decision);
  }, 30_000);

  it('scores a video file with video.safety (declared for the run): the worst frame and its timestamp', async () => {
    const { code, out } = await classify(['test/fixtures/videos/clip-spliced.mp4', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(out) as ClassifyReport;
    const video = report.signals['video.safety']!;
    expect(video.model).toEqual({ name: 'image-safety', version: '1' });
    expect(Object.keys(video.scores!)).toEqual(['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy']);
    // The photo spliced in from 2.000 s to 3.000 s is the clip's worst frame.
    expect(video.frameTimestampMs).toBeGreaterThanOrEqual(2000);
    expect(video.frameTimestampMs).toBeLessThan(3000);
    expect(report.signals['image.safety']).toMatchObject({ reasonCode: 'IW_CONTENT_ABSENT' });
    expect(report.decision).toBe(video.decision);
    await expect(run(['test/fixtures/videos/bad-truncated.mp4'])).rejects.toMatchObject({
      code: 'IW_VIDEO_DECODE',
    });
  }, 60_000);

  it('fails with a code on bad input', async () => {
    await expect(run(['missing.jpg'])).rejects.toMatchObject({ code: 'IW_INPUT_INVALID' });
    await expect(run(['a.jpg', 'b.jpg'])).rejects.toMatchObject({ code: 'IW_INPUT_INVALID' });
    await expect(run(['a.jpg', '--nope'])).rejects.toMatchObject({ code: 'IW_INPUT_INVALID' });
    await expect(run(['test/fixtures/images/bad-text.jpg'])).rejects.toMatchObject({
      code: 'IW_IMAGE_UNSUPPORTED',
    });
    await expect(run(['http://127.0.0.1:9/x.jpg'])).rejects.toMatchObject({
      code: 'IW_FETCH_ADDRESS_REFUSED',
    });
    vi.stubEnv('MODELS_DIR', 'test/fixtures/models');
    await expect(run(['test/fixtures/images/drawing-house.png'])).rejects.toMatchObject({
      code: 'IW_MODEL_NOT_FOUND',
    });
  }, 30_000);
});
