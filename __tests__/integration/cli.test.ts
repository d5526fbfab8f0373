import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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
    // The dark revision of the Iter8 tutorial's experiment, and one whose answers are 5% 404s.
    { namespace: 'default', service: 'sample-app', revision: 'sample-app-v2', profile: HEALTHY },
    {
      namespace: 'default',
      service: 'sample-app',
      revision: 'sample-app-404s',
      profile: { ...HEALTHY, notFoundRatio: 0.05 },
    },
  ]);
  const binary = prometheusBinaries().find((b) => existsSync(b.path));
  if (!binary) throw new Error('No Prometheus binary: run testenv/provision.sh');
  prometheus = await startPrometheus({ binary, targets: exporter.targets });
  dir = await mkdtemp(join(tmpdir(), 'shadowgate-cli-'));
});

afterAll(async () => {
  await prometheus?.stop();
  await exporter?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
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
    expect(stderr).toMatch(/^Usage: shadowgate run \[experiment\.yaml\] \[--<input> <value>\]\.\.\./m);
    expect(stderr).toMatch(/^shadowgate --help lists every flag\.$/m);
  });
});

// Every action input is a flag, so an Iter8 file, which has no place for a Prometheus URL, runs unchanged.
describe('shadowgate run with flags', () => {
  const TUTORIAL = '__tests__/fixtures/iter8-mirroring-experiment.yaml';

  it('lists every input as a flag in --help', async () => {
    const { exitCode, stdout } = await cli('--help');
    expect(exitCode).toBe(0);
    for (const flag of [
      '--prometheus-url',
      '--iterations',
      '--objectives',
      '--metric-template',
      '--kubeconfig',
    ])
      expect(stdout).toMatch(new RegExp(`^  ${flag} <value>$`, 'm'));
  });

  it('runs the Iter8 tutorial experiment unchanged with --prometheus-url, notes first', async () => {
    const { exitCode, stdout, stderr } = await cli(
      'run',
      TUTORIAL,
      '--prometheus-url',
      prometheus.url,
      '--interval',
      '2s',
      '--iterations',
      '2',
    );
    expect(exitCode, stderr).toBe(0);
    const lines = stderr.split('\n');
    expect(lines[0]).toBe('Iter8: metadata.name mirroring → name mirroring');
    expect(stderr).toContain("input interval overrides the experiment file's value");
    expect(stderr).toMatch(/^Metrics: prometheus \(knative-legacy\)/m);
    expect(lines.findIndex((line) => line.startsWith('Iter8:'))).toBeLessThan(
      lines.findIndex((line) => line.startsWith('Metrics:')),
    );
    expect(stdout).toMatch(/Verdict: PASS/);
  });

  it("judges the tutorial's error-rate objective as Iter8 did: 404s are errors too", async () => {
    const { exitCode, stdout, stderr } = await cli(
      'run',
      TUTORIAL,
      ...['--prometheus-url', prometheus.url, '--interval', '2s', '--iterations', '2'],
      ...['--dark-revision', 'sample-app-404s'],
    );
    expect(exitCode, stderr).toBe(1);
    expect(stderr).toContain("Iter8's error-rate counts every response that is not 2xx");
    expect(stdout).toMatch(/^Verdict: FAIL - non-2xx-rate 5(\.0+)?%, limit <= 1%/m);
  });

  it('prints the mapping notes before a later error', async () => {
    const { exitCode, stderr } = await cli('run', TUTORIAL);
    expect(exitCode).toBe(3);
    const lines = stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Iter8: /);
    expect(lines.at(-2)).toBe(
      'Invalid prometheus-url: missing; set the prometheus-url input (CLI: --prometheus-url) or prometheus.url in the experiment file',
    );
  });

  it('validates flags as the action validates inputs (exit 3, naming the flag)', async () => {
    const { exitCode, stderr } = await cli(
      'run',
      TUTORIAL,
      '--prometheus-url',
      prometheus.url,
      '--fail-fast',
      'sometimes',
    );
    expect(exitCode).toBe(3);
    expect(stderr).toMatch(/^Invalid fail-fast: /m);
  });
});
