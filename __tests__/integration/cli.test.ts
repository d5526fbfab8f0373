import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsExporter, NO_TRAFFIC, type TrafficProfile } from '../support/metrics-exporter.js';
import { type PrometheusServer, prometheusBinaries, startPrometheus } from '../support/prometheus-server.js';
import { runCli } from '../support/run-cli.js';

// `shadowgate run <experiment.yaml>` (dist/cli.js) against a real Prometheus: the exit status tells the verdict.

const HEALTHY: TrafficProfile = {
  requestsPerSecond: 500,
  latencies: [
    { ms: 8, weight: 0.7 },
    { ms: 30, weight: 0.3 },
  ],
  errorRatio: 0,
};

let exporter: MetricsExporter;
let prometheus: PrometheusServer;
let dir: string;

beforeAll(async () => {
  exporter = await MetricsExporter.start([
    { namespace: 'shop', service: 'cart', revision: 'cart-good', profile: HEALTHY },
    {
      namespace: 'shop',
      service: 'cart',
      revision: 'cart-slow',
      profile: { ...HEALTHY, latencies: [{ ms: 400, weight: 1 }] },
    },
    { namespace: 'shop', service: 'cart', revision: 'cart-idle', profile: NO_TRAFFIC },
  ]);
  const binary = prometheusBinaries().find((b) => existsSync(b.path));
  if (!binary) throw new Error('No Prometheus binary: run testenv/provision.sh');
  prometheus = await startPrometheus({ binary, targets: exporter.targets });
  dir = await mkdtemp(join(tmpdir(), 'shadowgate-cli-'));
});

afterAll(async () => {
  await prometheus?.stop();
  await exporter?.stop();
});

async function experimentFile(darkRevision: string, objectives = ['p95-latency < 100ms', 'error-rate < 1%']) {
  const file = join(dir, `${darkRevision}-${objectives.length}.yaml`);
  await writeFile(
    file,
    [
      'apiVersion: shadowgate.dev/v1alpha1',
      'kind: Experiment',
      `target: {namespace: shop, service: cart, darkRevision: ${darkRevision}}`,
      `prometheus: {url: "${prometheus.url}", template: istio, attempts: 1}`,
      'objectives:',
      ...objectives.map((o) => `  - ${o}`),
      'evaluation: {interval: 2s, iterations: 2, minRequests: 10}',
    ].join('\n'),
  );
  return file;
}

/** The bundled CLI, with this process's environment (the samples' commands need PATH and HOME). */
function cli(...args: string[]) {
  return runCli(args, { env: { ...process.env } as Record<string, string> });
}

describe('shadowgate run', () => {
  it('exits 0 on pass and prints the report to stdout, progress to stderr', async () => {
    const { exitCode, stdout, stderr } = await cli('run', await experimentFile('cart-good'));
    expect(exitCode, stderr).toBe(0);
    expect(stdout).toMatch(/Verdict: PASS/);
    // A thousand healthy requests settle both objectives at the first iteration.
    expect(stderr).toMatch(/^\[1\/2\] p95-latency [\d.]+ ms \[[\d.]+ ms, [\d.]+ ms\] \(< 100 ms\) ✓/m);
    expect(stdout).toMatch(/^Run: stopped early by early pass/m);
  });

  it('exits 1 on fail', async () => {
    const { exitCode, stdout } = await cli('run', await experimentFile('cart-slow'));
    expect(exitCode).toBe(1);
    expect(stdout).toMatch(/Verdict: FAIL - p95-latency \d+(\.\d+)? ms, limit < 100 ms/);
  });

  it('exits 2 on inconclusive (no traffic)', async () => {
    const { exitCode, stdout } = await cli('run', await experimentFile('cart-idle'));
    expect(exitCode).toBe(2);
    expect(stdout).toMatch(/Verdict: INCONCLUSIVE/);
  });

  it('exits 3 on a configuration error, naming the field', async () => {
    const { exitCode, stderr } = await cli('run', await experimentFile('cart-good', ['p95-latency < fast']));
    expect(exitCode).toBe(3);
    expect(stderr).toMatch(/^Invalid experiment: objectives\[0\]/m);
  });

  it('exits 3 on a query Prometheus rejects as bad_data, quoting its message', async () => {
    const file = join(dir, 'bad-query.yaml');
    await writeFile(
      file,
      [
        'apiVersion: shadowgate.dev/v1alpha1',
        'kind: Experiment',
        'target: {namespace: shop, service: cart, darkRevision: cart-good}',
        `prometheus: {url: "${prometheus.url}", template: istio, queries: {p95-latency: "histogram_quantile(0.95, sum(rate(x[5m])) by (le)"}}`,
        'objectives: [p95-latency < 100ms]',
        'evaluation: {interval: 1s, iterations: 1}',
      ].join('\n'),
    );
    const { exitCode, stderr } = await cli('run', file);
    expect(exitCode).toBe(3);
    expect(stderr).toMatch(/bad_data/);
    expect(stderr).toMatch(/parse error/);
  });

  it('exits 3 with the usage on a wrong command line', async () => {
    const { exitCode, stderr } = await cli('evaluate');
    expect(exitCode).toBe(3);
    expect(stderr).toMatch(/^Usage: shadowgate run <experiment.yaml>/m);
  });
});
