/**
 * Video bytes -> a few sampled frames (PNG, at most `frameMaxSide` pixels on their longest side) with
 * their timestamps, by ffprobe and ffmpeg in child processes (`video-tool.ts`: a deadline, killed past
 * it). ffmpeg reads only the downloaded bytes, written to a private temporary file: never a URL, with
 * `-protocol_whitelist file,pipe`, and the demuxer chosen from the sniffed container (`-f`), so no
 * playlist or reference can make it read anything else.
 *
 * Which frames: the first; a uniform sample, one frame every `I = probed / (maxFrames / 2)` seconds
 * without another pick; and every scene change (ffmpeg's `scene` score above `sceneThreshold`) at
 * least `I / 2` after the previous pick, so picks stay spread over the whole video and at most
 * `maxFrames` of them exist; only the first `maxProbeSeconds` are read.
 *
 * Errors (IntegrityError): `IW_VIDEO_UNSUPPORTED` (empty, or not MP4/QuickTime/WebM/Matroska),
 * `IW_VIDEO_DECODE` (ffprobe or ffmpeg cannot read it, or reports errors: truncated or corrupt),
 * `IW_VIDEO_NO_VIDEO_STREAM` (audio only), `IW_VIDEO_EMPTY` (no frame), `IW_VIDEO_TOO_LARGE` (frames
 * above `maxPixels`, from the header, before decoding), `IW_VIDEO_TIMEOUT`, `IW_VIDEO_TOOL_MISSING`.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IntegrityError } from '../errors.js';
import { sniffVideoType, VIDEO_DEMUXERS } from './sniff-video-type.js';
import { runTool } from './video-tool.js';

export interface VideoFrame {
  /** Presentation time of the frame, ms from the start of the video. */
  readonly timestampMs: number;
  /** The frame as a PNG, decoded like any image by the image scorer. */
  readonly png: Buffer;
}

export interface SampledVideo {
  readonly frames: readonly VideoFrame[];
  readonly width: number;
  readonly height: number;
  /** Duration from the container, ms; null when it does not say. */
  readonly durationMs: number | null;
}

export interface VideoFrameOptions {
  readonly ffmpegPath: string;
  readonly ffprobePath: string;
  /** Most frames sampled per video. */
  readonly maxFrames: number;
  /** Seconds of the video read at most. */
  readonly maxProbeSeconds: number;
  /** Deadline of probe and decode together, ms. */
  readonly timeoutMs: number;
  /** Largest frame, pixels (width x height), checked on the probed header. */
  readonly maxPixels: number;
  /** @defaultValue 448 (twice the model's 224) */
  readonly frameMaxSide?: number;
  /** @defaultValue 0.3 */
  readonly sceneThreshold?: number;
}

interface ProbedStream {
  codec_type?: string;
  width?: number;
  height?: number;
  nb_frames?: string;
  duration?: string;
}

const PROTOCOLS = ['-protocol_whitelist', 'file,pipe'];

/** libavutil's refusal of a picture above `-max_pixels`. */
const overPixelCap = (line: string): boolean => line.includes('exceeds specified max pixel count');

export class FfmpegFrameSampler {
  constructor(private readonly options: VideoFrameOptions) {}

  async sample(bytes: Uint8Array): Promise<SampledVideo> {
    if (bytes.length === 0) throw new IntegrityError('IW_VIDEO_UNSUPPORTED', 'empty video');
    const mime = sniffVideoType(bytes);
    if (mime === undefined)
      throw new IntegrityError('IW_VIDEO_UNSUPPORTED', 'the bytes are not an accepted video container');
    const demuxer = VIDEO_DEMUXERS[mime];
    const deadline = performance.now() + this.options.timeoutMs;
    const dir = await mkdtemp(join(tmpdir(), 'iw-video-'));
    try {
      const input = join(dir, 'input');
      await writeFile(input, bytes, { mode: 0o600 });
      const probed = await this.probe(input, demuxer, deadline);
      const frames = await this.decode(input, demuxer, dir, probed.durationMs, deadline);
      return { frames, width: probed.width, height: probed.height, durationMs: probed.durationMs };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private tooLarge(stderr: readonly string[]): IntegrityError {
    return new IntegrityError('IW_VIDEO_TOO_LARGE', 'video frames exceed the pixel cap', {
      details: { maxPixels: this.options.maxPixels, stderr: stderr.filter(overPixelCap).slice(0, 1) },
    });
  }

  private async probe(input: string, demuxer: string, deadline: number) {
    const run = await runTool(
      this.options.ffprobePath,
      [
        '-v',
        'error',
        ...PROTOCOLS,
        // ffprobe decodes a frame when the header lacks parameters: under the same pixel cap.
        '-max_pixels',
        String(this.options.maxPixels),
        '-f',
        demuxer,
        '-show_entries',
        'format=duration:stream=codec_type,width,height,nb_frames,duration',
        '-of',
        'json',
        `file:${input}`,
      ],
      { deadline },
    );
    if (run.stderr.some(overPixelCap)) throw this.tooLarge(run.stderr);
    let report: { streams?: ProbedStream[]; format?: { duration?: string } };
    try {
      if (run.exitCode !== 0) throw new Error(`exit ${run.exitCode}`);
      report = JSON.parse(run.stdout) as typeof report;
    } catch (cause) {
      throw new IntegrityError('IW_VIDEO_DECODE', 'ffprobe cannot read the video', {
        cause,
        details: { stderr: run.stderr.slice(0, 5) },
      });
    }
    const streams = report.streams ?? [];
    const video = streams.find((s) => s.codec_type === 'video');
    if (video === undefined) {
      throw new IntegrityError('IW_VIDEO_NO_VIDEO_STREAM', 'the file has no video stream', {
        details: { streams: streams.map((s) => s.codec_type ?? 'unknown') },
      });
    }
    const width = video.width ?? 0;
    const height = video.height ?? 0;
    if (width * height > this.options.maxPixels) {
      throw new IntegrityError('IW_VIDEO_TOO_LARGE', `video frames have ${width}x${height} pixels`, {
        details: { width, height, maxPixels: this.options.maxPixels },
      });
    }
    const seconds = Number(video.duration ?? report.format?.duration);
    if (width === 0 || height === 0 || video.nb_frames === '0' || seconds === 0)
      throw new IntegrityError('IW_VIDEO_EMPTY', 'the video stream has no frames');
    const durationMs = Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) : null;
    return { width, height, durationMs };
  }

  private async decode(
    input: string,
    demuxer: string,
    dir: string,
    durationMs: number | null,
    deadline: number,
  ): Promise<VideoFrame[]> {
    const { maxFrames, maxProbeSeconds, maxPixels } = this.options;
    const side = this.options.frameMaxSide ?? 448;
    const probed = Math.min(maxProbeSeconds, durationMs === null ? maxProbeSeconds : durationMs / 1000);
    const interval = Math.max(0.04, probed / Math.max(1, Math.floor(maxFrames / 2)));
    const scene = this.options.sceneThreshold ?? 0.3;
    const gap = (interval / 2).toFixed(3);
    const select =
      `select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,${interval.toFixed(3)})` +
      `+gt(scene\\,${scene})*gte(t-prev_selected_t\\,${gap})'`;
    const scale = `scale='min(${side},iw)':'min(${side},ih)':force_original_aspect_ratio=decrease`;
    const run = await runTool(
      this.options.ffmpegPath,
      [
        '-nostdin',
        '-hide_banner',
        '-loglevel',
        'level+info',
        ...PROTOCOLS,
        '-threads',
        '1',
        '-max_pixels',
        String(maxPixels),
        '-f',
        demuxer,
        '-t',
        String(maxProbeSeconds),
        '-i',
        `file:${input}`,
        '-map',
        '0:v:0',
        '-an',
        '-sn',
        '-dn',
        '-vf',
        `${scale},${select},showinfo`,
        '-fps_mode',
        'passthrough',
        '-frames:v',
        String(maxFrames),
        '-c:v',
        'png',
        '-f',
        'image2',
        join(dir, 'frame-%03d.png'),
      ],
      { deadline },
    );
    if (run.stderr.some(overPixelCap)) throw this.tooLarge(run.stderr);
    const errors = run.stderr.filter((line) => line.includes('[error]') || line.includes('[fatal]'));
    // The stream ended before its first frame (ffmpeg: "Cannot determine format ... after EOF").
    if (errors.some((line) => line.includes('after EOF')))
      throw new IntegrityError('IW_VIDEO_EMPTY', 'the video stream ended before its first frame');
    if (run.exitCode !== 0 || errors.length > 0) {
      throw new IntegrityError('IW_VIDEO_DECODE', 'ffmpeg cannot decode the video', {
        details: { exitCode: run.exitCode, stderr: (errors.length > 0 ? errors : run.stderr).slice(-5) },
      });
    }
    const times = run.stderr
      .filter((line) => line.includes('Parsed_showinfo'))
      .map((line) => /pts_time:\s*(-?[0-9.]+)/.exec(line)?.[1])
      .filter((t): t is string => t !== undefined)
      .map((t) => Math.max(0, Math.round(Number(t) * 1000)));
    const files = (await readdir(dir)).filter((f) => f.startsWith('frame-')).sort();
    if (files.length === 0) throw new IntegrityError('IW_VIDEO_EMPTY', 'no frame could be decoded');
    if (times.length !== files.length) {
      throw new IntegrityError('IW_INTERNAL', 'ffmpeg frame timestamps do not match its frames', {
        details: { frames: files.length, timestamps: times.length },
      });
    }
    return Promise.all(
      files.map(async (file, i) => ({ timestampMs: times[i]!, png: await readFile(join(dir, file)) })),
    );
  }
}
