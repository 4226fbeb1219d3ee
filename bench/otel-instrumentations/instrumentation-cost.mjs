// Per-operation cost of the standard OpenTelemetry instrumentations the issue names (ioredis, undici)
// under NodeSDK, against the same calls uninstrumented, with spans recorded into an in-memory exporter.
// Usage: node bench.mjs off|on <redisPort>   (on: NodeSDK started before ioredis/undici are loaded)
import http from 'node:http';
const mode = process.argv[2];
const redisPort = Number(process.argv[3]);
let sdk, exporter, processor;
if (mode === 'on') {
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const { IORedisInstrumentation } = await import('@opentelemetry/instrumentation-ioredis');
  const { UndiciInstrumentation } = await import('@opentelemetry/instrumentation-undici');
  exporter = {
    count: 0,
    export(spans, done) {
      this.count += spans.length;
      done({ code: 0 });
    },
    shutdown: async () => {},
    forceFlush: async () => {},
  };
  processor = new BatchSpanProcessor(exporter, { maxQueueSize: 100000, maxExportBatchSize: 5000 });
  sdk = new NodeSDK({
    spanProcessors: [processor],
    instrumentations: [new IORedisInstrumentation({ requireParentSpan: false }), new UndiciInstrumentation()],
    metricReader: undefined,
  });
  sdk.start();
}
const { createRequire } = await import('node:module');
const require = createRequire(import.meta.url);
const Redis = require('ioredis');
const { fetch: undiciFetch } = require('undici');
const redis = new Redis({ port: redisPort, host: '127.0.0.1', enableAutoPipelining: true });
const server = http.createServer((_, res) => res.end('x'.repeat(1024)));
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/`;

async function time(label, n, concurrency, op) {
  const t = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let i = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (i++ < n) await op(i);
    }),
  );
  const wall = Number(process.hrtime.bigint() - t) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  console.log(
    JSON.stringify({
      mode,
      label,
      n,
      opsPerS: Math.round(n / wall),
      cpuUsPerOp: +((cpuS / n) * 1e6).toFixed(1),
    }),
  );
}
for (let round = 0; round < 7; round++) {
  await time('redis get+set', 20000, 32, async (i) => {
    await redis.get(`k${i}`);
    await redis.set(`k${i}`, 'v', 'EX', 60);
  });
  await time('undici fetch', 5000, 16, async () => {
    const r = await undiciFetch(url);
    await r.arrayBuffer();
  });
}
if (processor) await processor.forceFlush();
console.log(JSON.stringify({ mode, spansRecorded: exporter ? exporter.count : 0 }));
if (sdk) await sdk.shutdown().catch(() => {});
redis.disconnect();
server.close();
