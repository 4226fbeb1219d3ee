/**
 * ffmpeg and ffprobe as child processes with a deadline: a tool still running at the deadline is
 * killed (SIGKILL) and the call fails with `IW_VIDEO_TIMEOUT`, so a video that never ends (or a
 * decoder that loops) never stalls the worker. A tool that cannot be started is `IW_VIDEO_TOOL_MISSING`.
 */
import { spawn } from 'node:child_process';
import { IntegrityError } from '../errors.js';

export interface ToolRun {
  readonly exitCode: number | null;
  readonly stdout: string;
  /** stderr lines, the first `maxStderrLines` of them. */
  readonly stderr: readonly string[];
}

export interface ToolOptions {
  /** Absolute deadline (`performance.now()` clock). */
  readonly deadline: number;
  /** Largest stdout kept, bytes; more is an `IW_VIDEO_DECODE` (stdout is a small JSON report). */
  readonly maxStdoutBytes?: number;
  readonly maxStderrLines?: number;
}

/** Runs `path args` with stdin closed, the environment emptied but PATH, and the deadline. */
export function runTool(path: string, args: readonly string[], options: ToolOptions): Promise<ToolRun> {
  const maxStdout = options.maxStdoutBytes ?? 1024 * 1024;
  const maxLines = options.maxStderrLines ?? 2000;
  const remainingMs = Math.max(0, options.deadline - performance.now());
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const child = spawn(path, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(() =>
        reject(
          new IntegrityError('IW_VIDEO_TIMEOUT', `${path} did not finish in time; killed`, {
            details: { tool: path, timeoutMs: Math.round(remainingMs) },
          }),
        ),
      );
    }, remainingMs);
    const out: Buffer[] = [];
    let outBytes = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes <= maxStdout) out.push(chunk);
      else {
        child.kill('SIGKILL');
        finish(() => reject(new IntegrityError('IW_VIDEO_DECODE', `${path} wrote too much output`)));
      }
    });
    const lines: string[] = [];
    let partial = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      const parts = (partial + chunk).split(/\r?\n|\r/);
      partial = parts.pop() ?? '';
      for (const line of parts) if (lines.length < maxLines && line !== '') lines.push(line);
      if (partial.length > 64 * 1024) partial = '';
    });
    child.on('error', (error: NodeJS.ErrnoException) =>
      finish(() =>
        reject(
          error.code === 'ENOENT' || error.code === 'EACCES'
            ? new IntegrityError('IW_VIDEO_TOOL_MISSING', `cannot start ${path}`, {
                cause: error,
                details: { tool: path },
              })
            : new IntegrityError('IW_INTERNAL', `${path} failed to run: ${error.message}`, { cause: error }),
        ),
      ),
    );
    child.on('close', (exitCode) => {
      if (partial !== '' && lines.length < maxLines) lines.push(partial);
      finish(() => resolve({ exitCode, stdout: Buffer.concat(out).toString('utf8'), stderr: lines }));
    });
  });
}
