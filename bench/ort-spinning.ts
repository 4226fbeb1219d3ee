/**
 * `npm run bench:ort-spinning -- [--runs 30] [--gap-ms 20] [--threads 2]`: what ORT's pool threads cost
 * while a session waits for its next batch, with spinning on (ORT's default) and off
 * (ORT_ALLOW_SPINNING=false, the worker's default). One image-safety@1 session on this thread, batches
 * of 1 with a pause between them, as a worker sees them below its maximum rate; prints the process CPU
 * time against the wall time of each setting, alternating, twice.
 */
import { parseArgs } from 'node:util';
import { createInProcessSession } from '../src/infer/in-process-session.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '30' },
    'gap-ms': { type: 'string', default: '20' },
    threads: { type: 'string', default: '2' },
  },
});
const runs = Number(values.runs);
const gapMs = Number(values['gap-ms']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function measure(allowSpinning: boolean) {
  const session = await createInProcessSession('models/image-safety/1/model.onnx', {
    intraOpNumThreads: Number(values.threads),
    interOpNumThreads: 1,
    allowSpinning,
  });
  const feeds = () => ({
    [session.inputs[0]!.name]: {
      type: 'float32' as const,
      data: new Float32Array(224 * 224 * 3).fill(0.5),
      dims: [1, 224, 224, 3],
    },
  });
  try {
    await session.run(feeds());
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < runs; i++) {
      await session.run(feeds());
      await sleep(gapMs);
    }
    const used = process.cpuUsage(cpu);
    return { wallMs: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
  } finally {
    await session.close();
  }
}

for (let round = 0; round < 2; round++) {
  for (const allowSpinning of [true, false]) {
    const { wallMs, cpuMs } = await measure(allowSpinning);
    console.log(
      `spinning ${allowSpinning ? 'on ' : 'off'}: ${runs} runs, ${gapMs} ms apart: wall ${wallMs.toFixed(0)} ms, CPU ${cpuMs.toFixed(0)} ms (${(cpuMs / runs).toFixed(1)} ms per run)`,
    );
  }
}
