import type { Config } from '../config/load-config.js';
import { IntegrityError } from '../errors.js';
import { WeightedBudget } from '../weighted-budget.js';
import { FfmpegFrameSampler } from './video-frames.js';
import { runTool } from './video-tool.js';

type VideoConfig = Pick<
  Config,
  | 'FFMPEG_PATH'
  | 'FFPROBE_PATH'
  | 'VIDEO_MAX_FRAMES'
  | 'VIDEO_MAX_PROBE_S'
  | 'VIDEO_DECODE_TIMEOUT_MS'
  | 'IMAGE_MAX_PIXELS'
  | 'VIDEO_MAX_CONCURRENT'
>;

/** The frame sampler the configuration asks for (`FFMPEG_PATH`, `VIDEO_*`, `IMAGE_MAX_PIXELS`). */
export function frameSamplerFromConfig(config: VideoConfig): FfmpegFrameSampler {
  return new FfmpegFrameSampler({
    ffmpegPath: config.FFMPEG_PATH,
    ffprobePath: config.FFPROBE_PATH,
    maxFrames: config.VIDEO_MAX_FRAMES,
    maxProbeSeconds: config.VIDEO_MAX_PROBE_S,
    timeoutMs: config.VIDEO_DECODE_TIMEOUT_MS,
    maxPixels: config.IMAGE_MAX_PIXELS,
  });
}

/**
 * At most `VIDEO_MAX_CONCURRENT` videos sampled and scored at once, from the start of sampling to the
 * end of their frames' batch (16 decoded 448-pixel frames are ~10 MB; each ffmpeg runs one thread).
 */
export function videoGateFromConfig(config: VideoConfig) {
  const slots = new WeightedBudget(config.VIDEO_MAX_CONCURRENT);
  return {
    async run<T>(_bytes: Uint8Array, work: () => Promise<T>): Promise<T> {
      const lease = await slots.acquire(1);
      try {
        return await work();
      } finally {
        lease.release();
      }
    },
  };
}

/** Checks at start that ffmpeg and ffprobe run (IW_VIDEO_TOOL_MISSING), so no video pin finds out. */
export async function checkVideoTools(config: Pick<Config, 'FFMPEG_PATH' | 'FFPROBE_PATH'>): Promise<void> {
  for (const tool of [config.FFMPEG_PATH, config.FFPROBE_PATH]) {
    const run = await runTool(tool, ['-version'], { deadline: performance.now() + 10_000 });
    if (run.exitCode !== 0) {
      throw new IntegrityError('IW_VIDEO_TOOL_MISSING', `${tool} -version exited with ${run.exitCode}`);
    }
  }
}
