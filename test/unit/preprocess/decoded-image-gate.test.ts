import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DecodedImageGate } from '../../../src/preprocess/decoded-image-gate.js';

const png = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#888' } })
    .png()
    .toBuffer();

/** Runs `images` through the gate at once; returns the most that were inside `run` together. */
async function peakInside(gate: DecodedImageGate, images: Buffer[]): Promise<number> {
  let inside = 0;
  let peak = 0;
  await Promise.all(
    images.map((bytes) =>
      gate.run(bytes, async () => {
        peak = Math.max(peak, ++inside);
        await new Promise((r) => setTimeout(r, 30));
        inside--;
      }),
    ),
  );
  return peak;
}

describe('DecodedImageGate', () => {
  it('admits images by the pixels their headers claim, not only by count', async () => {
    const image = await png(100, 100);
    const gate = new DecodedImageGate({ maxImages: 16, budgetPixels: 25_000, maxPixels: 1e8 });
    expect(
      await peakInside(
        gate,
        // Copies: one buffer is one decoded image, whatever number of signals read it (below).
        Array.from({ length: 6 }, () => Buffer.from(image)),
      ),
    ).toBe(2);
    expect(gate.pixelsInUse).toBe(0);
  });

  it('still bounds by count', async () => {
    const gate = new DecodedImageGate({ maxImages: 3, budgetPixels: 1e9, maxPixels: 1e9 });
    expect(
      await peakInside(
        gate,
        Array.from({ length: 8 }, () => Buffer.from('not an image')),
      ),
    ).toBe(3);
  });

  it('runs an image larger than the whole budget alone', async () => {
    const [small, huge] = await Promise.all([png(10, 10), png(300, 300)]);
    const gate = new DecodedImageGate({ maxImages: 16, budgetPixels: 50_000, maxPixels: 1e8 });
    expect(await peakInside(gate, [huge, small, Buffer.from(huge)])).toBe(1);
  });

  it('charges nothing for bytes it cannot read or images the pixel cap refuses anyway', async () => {
    const gate = new DecodedImageGate({ maxImages: 16, budgetPixels: 100, maxPixels: 1000 });
    const refused = await png(200, 200);
    expect(
      await peakInside(gate, [refused, Buffer.from(refused), Buffer.from('junk'), Buffer.alloc(0)]),
    ).toBe(4);
  });

  it('admits work on the same buffer once, held until the last of it ends', async () => {
    const image = await png(100, 100);
    const gate = new DecodedImageGate({ maxImages: 16, budgetPixels: 10_000, maxPixels: 1e8 });
    // Two signals of one pin on its image, and another image waiting for the budget.
    const other = Buffer.from(image);
    expect(await peakInside(gate, [image, image, other])).toBe(2);
    expect(gate.pixelsInUse).toBe(0);
    let inUseWhileSecondRuns = 0;
    await Promise.all([
      gate.run(image, () => new Promise((r) => setTimeout(r, 10))),
      gate.run(image, async () => {
        await new Promise((r) => setTimeout(r, 40));
        inUseWhileSecondRuns = gate.pixelsInUse;
      }),
    ]);
    expect(inUseWhileSecondRuns).toBe(10_000);
    expect(gate.pixelsInUse).toBe(0);
  });

  it('releases the pixels when the work fails', async () => {
    const gate = new DecodedImageGate({ maxImages: 16, budgetPixels: 20_000, maxPixels: 1e8 });
    const image = await png(100, 100);
    await expect(gate.run(image, () => Promise.reject(new Error('decode failed')))).rejects.toThrow();
    expect(gate.pixelsInUse).toBe(0);
  });
});
