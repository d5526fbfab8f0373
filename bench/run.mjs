// `npm run bench`: the action's start-up and run-time budgets, measured on this machine.
//  1. dist size (goal ≤ 5 MB);
//  2. cold start of `node dist/index.js` to its first log line (goal ≤ 200 ms under Node 24);
//  3. overhead of a full evaluate-only run beyond interval × iterations, 10 × 1 s (goal ≤ 1 s),
//     against a stand-in Prometheus on 127.0.0.1 that answers at once, so only Shadowgate's own time counts;
//  4. peak RSS of the action process over 20 cluster runs in a row on one target (bench/repeated-runs.ts:
//     real API server and Prometheus from the integration tests; goal: flat, last-5 median ≤ first-5 × 1.2).
//     BENCH_REPEATED_RUNS=0 skips it;
//  5. the traffic engine (bench/traffic.ts): load generator vs autocannon and wrk, its CPU per 1,000 requests,
//     and the latency the mirroring proxy adds (skip with BENCH_TRAFFIC=0);
//  6. the confidence decisions (bench/decisions.ts): requests a decision needs against a fixed-horizon test at
//     the same α, and the time one decision takes (goal ≤ 1 ms); skip with BENCH_DECISIONS=0;
//  7. the response comparison (bench/compare.ts): the proxy's added latency at 500 req/s with it on, and its CPU per
//     1,000 compared requests (skip with BENCH_COMPARE=0).
// Prints Markdown tables; bench/RESULTS.md keeps the numbers with the date and machine.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
const DIST = join(ROOT, 'dist');
const COLD_START_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 30);
const OVERHEAD_RUNS = Number(process.env.BENCH_OVERHEAD_RUNS ?? 3);
const REPEATED_RUNS = Number(process.env.BENCH_REPEATED_RUNS ?? 20);

function sizeOf(dir) {
  return readdirSync(dir, { withFileTypes: true }).reduce((total, entry) => {
    const path = join(dir, entry.name);
    return total + (entry.isDirectory() ? sizeOf(path) : statSync(path).size);
  }, 0);
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Step 4 in its own process (it needs the TypeScript test environment): one JSON line, or why it failed. */
function repeatedRuns() {
  const child = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/repeated-runs.ts')], {
    cwd: ROOT,
    env: { ...process.env, BENCH_REPEATED_RUNS: String(REPEATED_RUNS) },
    encoding: 'utf8',
  });
  const line = child.stdout.trim().split('\n').at(-1) ?? '';
  if (child.status !== 0 || !line.startsWith('{')) return { error: child.stderr.trim().split('\n').at(-1) };
  return JSON.parse(line);
}

function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), p90: percentile(sorted, 90), min: sorted[0], max: sorted.at(-1) };
}

/** A stand-in for Prometheus's instant-query API that answers every query with the same sample. */
async function startInstantPrometheus() {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      // Error counts get a small share, everything else a healthy latency in ms or a request count.
      const value = decodeURIComponent(body).includes('5..') ? 0.001 : 12;
      response.setHeader('Content-Type', 'application/json');
      response.end(
        JSON.stringify({
          status: 'success',
          data: { resultType: 'vector', result: [{ metric: {}, value: [Date.now() / 1000, String(value)] }] },
        }),
      );
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

function actionEnv(prometheusUrl, extra) {
  const dir = mkdtempSync(join(tmpdir(), 'shadowgate-bench-'));
  for (const file of ['output', 'state', 'summary', 'env']) writeFileSync(join(dir, file), '');
  return {
    PATH: process.env.PATH,
    RUNNER_TEMP: dir,
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STATE: join(dir, 'state'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary'),
    GITHUB_ENV: join(dir, 'env'),
    INPUT_NAMESPACE: 'default',
    INPUT_SERVICE: 'checkout',
    'INPUT_DARK-REVISION': 'checkout-v2',
    'INPUT_PROMETHEUS-URL': prometheusUrl,
    INPUT_OBJECTIVES: 'mean-latency < 50ms\np95-latency < 100ms\nerror-rate < 1%',
    INPUT_COMMENT: 'never',
    ...extra,
  };
}

/** Milliseconds from spawn to the first stdout line matching `pattern`; the process is then killed. */
function timeToLine(env, pattern) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [join(DIST, 'index.js')], {
      env,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let seen = '';
    child.stdout.on('data', (chunk) => {
      seen += chunk;
      if (!pattern.test(seen)) return;
      resolve(Number(process.hrtime.bigint() - started) / 1e6);
      child.stdout.removeAllListeners('data');
      child.kill('SIGKILL');
    });
    child.once('error', reject);
  });
}

/** Wall time of a whole run, in ms. */
function timeRun(env) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [join(DIST, 'index.js')], { env, stdio: 'ignore' });
    child.once('exit', () => resolve(Number(process.hrtime.bigint() - started) / 1e6));
    child.once('error', reject);
  });
}

const prometheus = await startInstantPrometheus();
try {
  const distBytes = sizeOf(DIST);

  const coldEnv = actionEnv(prometheus.url, { INPUT_ITERATIONS: '1', INPUT_INTERVAL: '1s' });
  await timeToLine(coldEnv, /\n/); // warms the file-system cache, as a runner's second step would be
  const firstLines = [];
  const evaluating = [];
  for (let i = 0; i < COLD_START_RUNS; i++) {
    firstLines.push(await timeToLine(coldEnv, /\n/));
    // Everything loaded, inputs validated and every query sent once (preflight): the run proper begins.
    evaluating.push(await timeToLine(coldEnv, /^Evaluating /m));
  }
  const cold = summary(firstLines);
  const ready = summary(evaluating);

  const overheads = [];
  for (let i = 0; i < OVERHEAD_RUNS; i++) {
    const env = actionEnv(prometheus.url, {
      INPUT_ITERATIONS: '10',
      INPUT_INTERVAL: '1s',
      'INPUT_MIN-REQUESTS': '1',
    });
    // A healthy run goes the full length; the goal is about the time beyond it.
    overheads.push((await timeRun(env)) - 10_000);
  }
  const overhead = summary(overheads);
  const repeated = REPEATED_RUNS > 0 ? repeatedRuns() : undefined;

  const mb = (bytes) => (bytes / 1024 / 1024).toFixed(2);
  console.log(`Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}\n`);
  console.log('| measure | result | goal |');
  console.log('| --- | --- | --- |');
  console.log(`| dist size | ${mb(distBytes)} MB | ≤ 5 MB |`);
  console.log(
    `| cold start to first log line (${COLD_START_RUNS} runs) | median ${cold.median.toFixed(0)} ms, p90 ${cold.p90.toFixed(0)} ms (min ${cold.min.toFixed(0)}, max ${cold.max.toFixed(0)}) | ≤ 200 ms |`,
  );
  console.log(
    `| start to the first iteration's wait: modules loaded, inputs validated, preflight queries answered (${COLD_START_RUNS} runs) | median ${ready.median.toFixed(0)} ms, p90 ${ready.p90.toFixed(0)} ms | (no goal; for context) |`,
  );
  console.log(
    `| overhead beyond 10 × 1 s (${OVERHEAD_RUNS} runs) | median ${overhead.median.toFixed(0)} ms, max ${overhead.max.toFixed(0)} ms | ≤ 1000 ms |`,
  );
  if (repeated?.error) {
    console.log(
      `| peak RSS over ${REPEATED_RUNS} cluster runs in a row | failed: ${repeated.error} | flat |`,
    );
  } else if (repeated) {
    const mib = (kib) => (kib / 1024).toFixed(1);
    const peaks = repeated.peakRssKiB;
    console.log(
      `| peak RSS of the action over ${peaks.length} cluster runs in a row (deploy, mirror, 2 × 1 s, cleanup) | first-5 median ${mib(median(peaks.slice(0, 5)))} MiB, last-5 median ${mib(median(peaks.slice(-5)))} MiB (min ${mib(Math.min(...peaks))}, max ${mib(Math.max(...peaks))}); ${repeated.failed.length} failed${repeated.failed.length ? ` (${repeated.failed.join('; ')})` : ''}, ${repeated.left.length} objects left, ${(repeated.wallMs / 1000).toFixed(0)} s in all | last-5 ≤ first-5 × 1.2 |`,
    );
  }
} finally {
  prometheus.close();
}

/** A TypeScript step in its own process; a failed step fails the bench. */
function tsStep(script) {
  const { status } = spawnSync(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), script], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (status !== 0) process.exitCode = status ?? 1;
}

if (process.env.BENCH_TRAFFIC !== '0') tsStep('bench/traffic.ts');
if (process.env.BENCH_DECISIONS !== '0') tsStep('bench/decisions.ts');
if (process.env.BENCH_COMPARE !== '0') tsStep('bench/compare.ts');
