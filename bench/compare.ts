// `npm run bench`, response comparison (issue 14): the mirroring proxy between two copies of samples/app --shop
// (JSON answers of 165 bytes whose `servedAt` and `traceId` differ on every answer, so every pair is parsed and
// diffed field by field: the comparison's costly path), each tool in its own process.
//  1. the latency the proxy adds on the live path at 500 requests/s, mirroring 100%, with the comparison off and
//     on (goal: p99 ≤ 1 ms with it on);
//  2. the proxy process's CPU time per 1,000 mirrored requests, off and on: the difference is the comparison's.
// Prints Markdown; bench/RESULTS.md keeps the numbers with the date and machine.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { type RunningTarget, startLocalTarget } from '../src/traffic/local-target.js';

const RATE = 500;
const RUN_MS = Number(process.env.BENCH_LATENCY_RUN_MS ?? 8_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PATH = '/products/42';
const TSX = 'node_modules/tsx/dist/cli.mjs';

interface GeneratorRun {
  completed: number;
  timeouts: number;
  failures: number;
  latency: { p50Ms: number; p99Ms: number };
}

async function generator(url: string): Promise<GeneratorRun> {
  const child = spawn(
    process.execPath,
    [
      TSX,
      'bench/traffic/generator-run.ts',
      JSON.stringify({ url, rate: RATE, concurrency: 64, durationMs: RUN_MS, path: PATH }),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let stdout = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  const [status] = (await once(child, 'exit')) as [number | null];
  if (status !== 0) throw new Error(`generator-run exited with ${status}`);
  return JSON.parse(stdout) as GeneratorRun;
}

/** A proxy process, and a way to ask it for its CPU time and how many pairs it logged. */
async function startProxy(liveUrl: string, darkUrl: string, compare: boolean) {
  const child: ChildProcess = spawn(
    process.execPath,
    [TSX, 'bench/traffic/proxy-run.ts', JSON.stringify({ liveUrl, darkUrl, percent: 100, compare })],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const next = () => once(lines, 'line').then(([line]) => line as string);
  const url = await next();
  const usage = async () => {
    child.stdin?.write('\n');
    return JSON.parse(await next()) as { cpuMs: number; compared: number };
  };
  return { url, usage, stop: () => child.kill('SIGTERM') };
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

const targets: RunningTarget[] = [];
const app = async (name: string, seed: number) => {
  const target = await startLocalTarget(
    'live',
    { command: `'${process.execPath}' samples/app/server.mjs --shop --name ${name} --seed ${seed}` },
    { startTimeoutMs: 15_000, log: () => {} },
  );
  targets.push(target);
  return target.url;
};

try {
  const [liveUrl, darkUrl] = [await app('live', 1), await app('dark', 2)];
  const loadBefore = loadavg()[0] ?? 0;
  const proxies = {
    off: await startProxy(liveUrl, darkUrl, false),
    on: await startProxy(liveUrl, darkUrl, true),
  };
  const runs = { direct: [] as GeneratorRun[], off: [] as GeneratorRun[], on: [] as GeneratorRun[] };
  const cpuPerThousand = { off: [] as number[], on: [] as number[] };
  try {
    // Warm both proxies (JIT, sockets, the log) and the apps before measuring.
    await Promise.all([generator(proxies.off.url), generator(proxies.on.url)]);
    for (let round = 0; round < ROUNDS; round++) {
      runs.direct.push(await generator(liveUrl));
      for (const mode of ['off', 'on'] as const) {
        const before = await proxies[mode].usage();
        const run = await generator(proxies[mode].url);
        const after = await proxies[mode].usage();
        runs[mode].push(run);
        // The generator's own warm-up went through the proxy too: CPU per pair logged, not per measured request.
        cpuPerThousand[mode].push(((after.cpuMs - before.cpuMs) / (after.compared - before.compared)) * 1000);
      }
    }
  } finally {
    proxies.off.stop();
    proxies.on.stop();
  }
  const loadAfter = loadavg()[0] ?? 0;
  const p = (mode: keyof typeof runs, key: 'p50Ms' | 'p99Ms') =>
    median(runs[mode].map((run) => run.latency[key]));
  const list = (mode: keyof typeof runs) => runs[mode].map((run) => fixed(run.latency.p99Ms, 2)).join(', ');
  const errors = Object.values(runs)
    .flat()
    .reduce((sum, run) => sum + run.timeouts + run.failures, 0);
  console.log(
    `\nResponse comparison: ${RATE} req/s of GET ${PATH} to samples/app --shop, ${ROUNDS} rounds × ${RUN_MS / 1000} s ` +
      `taking turns (direct, proxy without comparison, proxy with it); load average ${loadBefore.toFixed(1)} before, ` +
      `${loadAfter.toFixed(1)} after; ${errors} errors\n`,
  );
  console.log('| measure | result | goal |');
  console.log('| --- | --- | --- |');
  for (const mode of ['off', 'on'] as const) {
    console.log(
      `| proxy's added latency on the live path at ${RATE} req/s, mirroring 100%, comparison ${mode}, medians of ${ROUNDS} | ` +
        `p50 +${fixed(p(mode, 'p50Ms') - p('direct', 'p50Ms'), 3)} ms, p99 +${fixed(p(mode, 'p99Ms') - p('direct', 'p99Ms'), 3)} ms ` +
        `(direct p99 ${list('direct')} ms; through the proxy ${list(mode)} ms) | ${mode === 'on' ? 'p99 ≤ 1 ms' : '(for context)'} |`,
    );
  }
  const cpu = { off: median(cpuPerThousand.off), on: median(cpuPerThousand.on) };
  console.log(
    `| proxy CPU per 1,000 mirrored requests at ${RATE} req/s, medians of ${ROUNDS} | comparison off ${fixed(cpu.off, 1)} ms, ` +
      `on ${fixed(cpu.on, 1)} ms: the comparison adds ${fixed(cpu.on - cpu.off, 1)} ms per 1,000 compared requests ` +
      `(on: ${cpuPerThousand.on.map((value) => fixed(value, 1)).join(', ')}) | (no goal) |`,
  );
} finally {
  for (const target of targets) await target.stop();
}
