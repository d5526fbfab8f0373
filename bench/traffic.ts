// `npm run bench`, traffic part: Shadowgate's load generator and mirroring proxy against samples/app, each
// tool in its own process, on this machine.
//  1. the generator's throughput and the highest open-model rate it sustains, beside autocannon's and wrk's
//     throughput at the same connection count, in the same run (goal: ≥ 1.0× autocannon);
//  2. CPU time per 1,000 requests: the generator at a fixed rate and at its highest, autocannon at its highest;
//  3. the latency the proxy adds on the live path (mirroring 100% to a dark copy), p50 and p99, at 500 and
//     2,000 requests/s (goal: p99 ≤ 1 ms at 500/s).
// Prints Markdown; bench/RESULTS.md keeps the numbers with the date and machine.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { type RunningTarget, startLocalTarget } from '../src/traffic/local-target.js';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const RUN_MS = Number(process.env.BENCH_TRAFFIC_RUN_MS ?? 5_000);
const LATENCY_RUN_MS = Number(process.env.BENCH_LATENCY_RUN_MS ?? 8_000);
const SEARCH_STEPS = Number(process.env.BENCH_SEARCH_STEPS ?? 6);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TSX = 'node_modules/tsx/dist/cli.mjs';

interface GeneratorRun {
  ratePerSecond: number;
  scheduled: number;
  sent: number;
  unsent: number;
  completed: number;
  timeouts: number;
  failures: number;
  achievedRate: number;
  latency: { p50Ms: number; p99Ms: number; maxMs: number };
  cpuMs: number;
}

interface AutocannonRun {
  requestsPerSecond: number;
  completed: number;
  errors: number;
  cpuMs: number;
}

/** Runs a command to its end and returns its stdout; fails on a non-zero status. */
async function output(command: string, args: string[]): Promise<string> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  const [status] = (await once(child, 'exit')) as [number | null];
  if (status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${status}`);
  return stdout;
}

async function generator(url: string, rate: number, durationMs = RUN_MS): Promise<GeneratorRun> {
  const line = await output(process.execPath, [
    TSX,
    'bench/traffic/generator-run.ts',
    JSON.stringify({ url, rate, concurrency: CONNECTIONS, durationMs }),
  ]);
  return JSON.parse(line) as GeneratorRun;
}

async function autocannon(url: string): Promise<AutocannonRun> {
  const line = await output(process.execPath, [
    'bench/traffic/autocannon-run.mjs',
    JSON.stringify({ url, connections: CONNECTIONS, durationMs: RUN_MS }),
  ]);
  return JSON.parse(line) as AutocannonRun;
}

/** wrk's requests per second, or undefined when wrk is not installed. */
async function wrk(url: string): Promise<number | undefined> {
  try {
    const text = await output('wrk', ['-t2', `-c${CONNECTIONS}`, `-d${RUN_MS / 1000}s`, url]);
    return Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1]);
  } catch {
    return undefined;
  }
}

/**
 * The open model kept up for the whole run: at least 99% of the rate completed, at most 1% of what was due left
 * unsent, no errors. (Latency near saturation is reported beside it, not judged: it is the server's queue.)
 */
function sustained(run: GeneratorRun): boolean {
  return (
    run.unsent <= run.scheduled * 0.01 &&
    run.achievedRate >= run.ratePerSecond * 0.99 &&
    run.timeouts + run.failures === 0
  );
}

/** Binary search for the highest sustained rate between `low` and `high` requests/s. */
async function highestSustained(url: string, low: number, high: number) {
  let best: GeneratorRun | undefined;
  const tried: string[] = [];
  for (let step = 0; step < SEARCH_STEPS; step++) {
    const rate = Math.round((low + high) / 2);
    const run = await generator(url, rate);
    const ok = sustained(run);
    tried.push(`${rate}${ok ? ' ✓' : ' ✗'}`);
    if (ok) {
      best = run;
      low = rate;
    } else {
      high = rate;
    }
  }
  return { best, tried };
}

async function startProxy(liveUrl: string, darkUrl: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [TSX, 'bench/traffic/proxy-run.ts', JSON.stringify({ liveUrl, darkUrl, percent: 100 })],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [chunk] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  return { url: chunk.toString().trim(), child };
}

const perThousand = (cpuMs: number, requests: number) =>
  requests > 0 ? (cpuMs / requests) * 1000 : Number.NaN;
const fixed = (value: number | undefined, digits = 0) =>
  value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits);

const targets: RunningTarget[] = [];
const app = async (name: string) => {
  const target = await startLocalTarget(
    'live',
    { command: `'${process.execPath}' samples/app/server.mjs --name ${name}` },
    { startTimeoutMs: 15_000, log: () => {} },
  );
  targets.push(target);
  return target.url;
};

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

try {
  const [liveUrl, darkUrl] = [await app('live'), await app('dark')];
  const loadBefore = loadavg()[0] ?? 0;
  await autocannon(liveUrl); // warm-up: JIT and sockets of samples/app

  // A shared machine drifts by tens of percent within minutes, so the tools take turns, ROUNDS times, and the
  // medians are compared. The generator's throughput is measured overloaded (twice autocannon's rate), where it
  // sends each request as soon as a connection is free, like a closed loop.
  const wrkRate = await wrk(liveUrl);
  const cannons: AutocannonRun[] = [];
  const overloaded: GeneratorRun[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const cannon = await autocannon(liveUrl);
    cannons.push(cannon);
    overloaded.push(await generator(liveUrl, Math.round(cannon.requestsPerSecond * 2)));
  }
  const cannonRate = median(cannons.map((run) => run.requestsPerSecond));
  const generatorMax = median(overloaded.map((run) => run.achievedRate));
  const search = await highestSustained(liveUrl, generatorMax * 0.5, generatorMax * 1.1);
  const fixedRate = await generator(liveUrl, 2_000);

  const latencies: { rate: number; direct: GeneratorRun[]; proxied: GeneratorRun[] }[] = [];
  const proxy = await startProxy(liveUrl, darkUrl);
  try {
    // The proxy is a long-lived process in a run: warm it (JIT, sockets, its measurement log) before measuring.
    await generator(proxy.url, 2_000, 5_000);
    for (const rate of [500, 2_000]) {
      const direct: GeneratorRun[] = [];
      const proxied: GeneratorRun[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        direct.push(await generator(liveUrl, rate, LATENCY_RUN_MS));
        proxied.push(await generator(proxy.url, rate, LATENCY_RUN_MS));
      }
      latencies.push({ rate, direct, proxied });
    }
  } finally {
    proxy.child.kill('SIGTERM');
  }
  const loadAfter = loadavg()[0] ?? 0;

  const best = search.best;
  const list = (values: readonly number[], digits = 0) =>
    values.map((value) => fixed(value, digits)).join(', ');
  console.log(
    `\nTraffic: ${CONNECTIONS} connections, ${RUN_MS / 1000} s per throughput run, ${ROUNDS} rounds taking turns, ` +
      `samples/app answering at once; load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after\n`,
  );
  console.log('| measure | result | goal |');
  console.log('| --- | --- | --- |');
  console.log(
    `| autocannon (closed loop), same connections | median ${fixed(cannonRate)} req/s (${list(cannons.map((run) => run.requestsPerSecond))}) | |`,
  );
  console.log(
    `| generator throughput, overloaded open model | median ${fixed(generatorMax)} req/s (${list(overloaded.map((run) => run.achievedRate))}) = ${fixed(generatorMax / cannonRate, 2)}× autocannon | ≥ 1.0× autocannon |`,
  );
  console.log(
    `| highest sustained open-model rate (≥ 99% completed, ≤ 1% unsent, no errors; search: ${search.tried.join(', ')}) | ${fixed(best?.ratePerSecond)} req/s = ${fixed((best?.ratePerSecond ?? 0) / cannonRate, 2)}× autocannon (achieved ${fixed(best?.achievedRate)}, p99 ${fixed(best?.latency.p99Ms, 2)} ms from intended send) | ≥ 1.0× autocannon |`,
  );
  console.log(
    `| wrk -t2, same connections (closed loop) | ${wrkRate === undefined ? 'wrk not installed' : `${fixed(wrkRate)} req/s`} | (for context) |`,
  );
  console.log(
    `| generator CPU per 1,000 requests | ${fixed(perThousand(fixedRate.cpuMs, fixedRate.completed), 1)} ms at 2,000 req/s; ${fixed(median(overloaded.map((run) => perThousand(run.cpuMs, run.completed))), 1)} ms at full throughput | (autocannon: ${fixed(median(cannons.map((run) => perThousand(run.cpuMs, run.completed))), 1)} ms at full throughput) |`,
  );
  for (const { rate, direct, proxied } of latencies) {
    const p50 = {
      direct: median(direct.map((run) => run.latency.p50Ms)),
      proxied: median(proxied.map((run) => run.latency.p50Ms)),
    };
    const p99 = {
      direct: median(direct.map((run) => run.latency.p99Ms)),
      proxied: median(proxied.map((run) => run.latency.p99Ms)),
    };
    console.log(
      `| proxy's added latency on the live path at ${rate} req/s (mirroring 100%), medians of ${ROUNDS} × ${LATENCY_RUN_MS / 1000} s | p50 +${fixed(p50.proxied - p50.direct, 3)} ms, p99 +${fixed(p99.proxied - p99.direct, 3)} ms (direct p99 ${list(
        direct.map((run) => run.latency.p99Ms),
        2,
      )} ms; through the proxy ${list(
        proxied.map((run) => run.latency.p99Ms),
        2,
      )} ms) | ${rate === 500 ? 'p99 ≤ 1 ms' : '(no goal)'} |`,
    );
  }
} finally {
  for (const target of targets) await target.stop();
}
