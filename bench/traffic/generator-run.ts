// One run of Shadowgate's load generator in its own process, for bench/traffic.ts:
//   tsx bench/traffic/generator-run.ts '{"url": "...", "rate": 1000, "concurrency": 64, "durationMs": 5000, "path": "/"}'
// A warm-up run at the same rate comes first (JIT, sockets), unmeasured, as autocannon's and wrk's numbers are
// from a warm server too. Prints one JSON line: the load report and this process's CPU time during the run.
import { setTimeout as delay } from 'node:timers/promises';
import { LoadGenerator } from '../../src/traffic/load-generator.js';

const {
  url,
  rate,
  concurrency,
  durationMs,
  path = '/',
} = JSON.parse(process.argv[2] ?? '{}') as {
  url: string;
  rate: number;
  concurrency: number;
  durationMs: number;
  path?: string;
};
const WARM_UP_MS = 2_000;
const newGenerator = () =>
  new LoadGenerator({
    url,
    ratePerSecond: rate,
    concurrency,
    requests: [{ method: 'GET', path, headers: {}, weight: 1 }],
    timeoutMs: 10_000,
  });
const warmUp = newGenerator();
warmUp.start();
await delay(WARM_UP_MS);
await warmUp.stop();
const generator = newGenerator();
const cpuBefore = process.cpuUsage();
generator.start();
await delay(durationMs);
const report = await generator.stop();
const cpu = process.cpuUsage(cpuBefore);
console.log(
  JSON.stringify({
    ...report,
    statuses: Object.fromEntries(report.statuses),
    cpuMs: (cpu.user + cpu.system) / 1000,
    userCpuMs: cpu.user / 1000,
  }),
);
