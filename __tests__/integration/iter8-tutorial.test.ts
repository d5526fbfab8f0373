import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from '../support/fake-github-server.js';
import { MetricsExporter, type TrafficProfile } from '../support/metrics-exporter.js';
import { type PrometheusServer, prometheusBinaries, startPrometheus } from '../support/prometheus-server.js';
import { type ActionRun, runBundledAction } from '../support/run-bundled-action.js';

// The seed tutorial's own Experiment (Iter8 v2alpha2 Knative mirroring), unchanged, run by the bundled action
// against a real Prometheus scraping a queue-proxy-shaped pod of its revision sample-app-v2. Only the interval is
// shortened by an input, to keep the test to seconds: 10 iterations of 1 s instead of 10 s.

const TUTORIAL = '__tests__/fixtures/iter8-mirroring-experiment.yaml';
const HEALTHY = (requestsPerSecond: number, seed: number): TrafficProfile => ({
  requestsPerSecond,
  latencies: [
    { ms: 8, weight: 0.6 },
    { ms: 20, weight: 0.38 },
    { ms: 60, weight: 0.02 },
  ],
  errorRatio: 0,
  seed,
});

let exporter: MetricsExporter;
let prometheus: PrometheusServer;
let github: FakeGitHub;

async function tutorial(revision: string): Promise<ActionRun> {
  return runBundledAction({
    inputs: {
      experiment: TUTORIAL,
      'prometheus-url': prometheus.url,
      'dark-revision': revision,
      interval: '1s',
      comment: 'never',
    },
    event: { owner: 'acme', repo: 'sample-app', number: 3 },
    apiUrl: github.url,
  });
}

beforeAll(async () => {
  exporter = await MetricsExporter.start([
    // As the tutorial's curl Job loads it: about 80 mirrored requests over the window.
    { namespace: 'default', service: 'sample-app', revision: 'sample-app-v2', profile: HEALTHY(8, 1) },
    // Ten times the load: enough requests for the same objectives to be shown met.
    { namespace: 'default', service: 'sample-app', revision: 'sample-app-v3', profile: HEALTHY(100, 2) },
  ]);
  const binary = prometheusBinaries().find((b) => existsSync(b.path));
  if (!binary) throw new Error('No Prometheus binary: run testenv/provision.sh');
  prometheus = await startPrometheus({ binary, targets: exporter.targets });
  github = await startFakeGitHub();
});

afterAll(async () => {
  await github?.close();
  await prometheus?.stop();
  await exporter?.stop();
});

describe("the seed tutorial's Iter8 experiment", () => {
  it('with its 80 requests, reports honestly that they cannot show its objectives met, and what would', async () => {
    const run = await tutorial('sample-app-v2');
    expect(run.outputs.verdict, run.stdout).toBe('inconclusive');
    expect(run.exitCode).toBe(1);
    const result = JSON.parse(run.outputFiles['result-file'] ?? '');
    expect(result.plan.objectives.map((o: { text: string }) => o.text)).toEqual([
      'mean-latency <= 50ms',
      'p95-latency <= 100ms',
      'non-2xx-rate <= 1%',
    ]);
    const errors = result.iterations.at(-1).assessments[2];
    expect(errors).toMatchObject({
      status: 'undecided',
      dark: { value: 0, evidence: { kind: 'counts', events: 0 } },
    });
    expect(errors.dark.evidence.trials).toBeLessThan(150);
    expect(errors.toSettle.requests).toBeGreaterThan(300);
    expect(run.stdout).toMatch(
      /not settled: .*non-2xx-rate 0%: its 98\.33% interval reaches both sides of the limit; about [\d,]+ more dark requests \(~\d+ s at the rate so far\) would likely settle it/,
    );
    expect(run.summary).toContain('**Decision:** confidence 95%, each of the 3 bounded objectives at 98.33%');
  });

  it('with ten times the load, shows them met and passes before the window ends', async () => {
    const run = await tutorial('sample-app-v3');
    expect(run.outputs.verdict, run.stdout).toBe('pass');
    const result = JSON.parse(run.outputFiles['result-file'] ?? '');
    expect(result.stop.reason).toBe('early-pass');
    expect(result.iterations.length).toBeLessThan(10);
  });
});
