// `npm run demo:prometheus`: the Prometheus path, with no cluster. A real Prometheus on 127.0.0.1 scrapes fake
// Istio sidecars of a healthy live revision and of a dark revision whose tail latency and error rate regressed; `shadowgate run` judges the dark one and ends with verdict `fail`.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricsExporter } from '../__tests__/support/metrics-exporter.js';
import { prometheusBinaries, startPrometheus } from '../__tests__/support/prometheus-server.js';

const EXPERIMENT = 'samples/demo/prometheus.yaml';

const live = {
  requestsPerSecond: 50,
  latencies: [
    { ms: 8, weight: 0.6 },
    { ms: 20, weight: 0.35 },
    { ms: 60, weight: 0.05 },
  ],
  errorRatio: 0.002,
};
// The regression: one request in ten now takes 300 ms, and 3% fail.
const dark = {
  ...live,
  latencies: [
    { ms: 8, weight: 0.6 },
    { ms: 20, weight: 0.3 },
    { ms: 300, weight: 0.1 },
  ],
  errorRatio: 0.03,
};

function prometheusBinary() {
  let found = prometheusBinaries().find((binary) => existsSync(binary.path));
  if (!found) {
    console.log("No Prometheus found; installing Debian's package (testenv/prometheus/provision.sh)…");
    spawnSync('bash', ['testenv/prometheus/provision.sh'], { stdio: 'inherit' });
    found = prometheusBinaries().find((binary) => existsSync(binary.path));
  }
  if (!found) throw new Error('Prometheus is not installed: run `apt-get install prometheus` and try again.');
  return found;
}

const binary = prometheusBinary();
const exporter = await MetricsExporter.start([
  { namespace: 'shop', service: 'checkout', revision: 'checkout-00001', profile: live },
  { namespace: 'shop', service: 'checkout', revision: 'checkout-00002', profile: dark },
]);
const dir = mkdtempSync(join(tmpdir(), 'shadowgate-demo-'));
let exitCode = 1;
try {
  console.log(
    `Starting ${binary.name} on 127.0.0.1, scraping the fake sidecars of checkout-00001 (live) and checkout-00002 (dark)…`,
  );
  const prometheus = await startPrometheus({ binary, targets: exporter.targets });
  try {
    const experiment = join(dir, 'experiment.yaml');
    writeFileSync(
      experiment,
      readFileSync(EXPERIMENT, 'utf8').replace('http://127.0.0.1:9090', prometheus.url),
    );
    console.log(`Running: shadowgate run ${EXPERIMENT} (prometheus.url → ${prometheus.url})\n`);
    // Not spawnSync: the fake sidecars live in this process and must keep answering scrapes meanwhile.
    const run = spawn(process.execPath, ['dist/cli.js', 'run', experiment], { stdio: 'inherit' });
    const [status] = (await once(run, 'exit')) as [number | null];
    const verdict = ['pass', 'fail', 'inconclusive'][status ?? -1] ?? `exit status ${status}`;
    console.log(
      `\nDemo finished: verdict ${verdict}; the dark revision's regression was ${verdict === 'fail' ? 'caught' : 'NOT caught'}.`,
    );
    exitCode = verdict === 'fail' ? 0 : 1;
  } finally {
    await prometheus.stop();
  }
} finally {
  await exporter.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(exitCode);
