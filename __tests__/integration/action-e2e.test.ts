import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from '../support/fake-github-server.js';
import { MetricsExporter, type TrafficProfile } from '../support/metrics-exporter.js';
import { type PrometheusServer, prometheusBinaries, startPrometheus } from '../support/prometheus-server.js';
import { type ActionRun, runBundledAction } from '../support/run-bundled-action.js';

// The bundled action (dist/index.js, as committed) run as GitHub runs it, against a real Prometheus that
// scrapes fake Istio sidecars, and a local stand-in of GitHub's REST API.

const HEALTHY: TrafficProfile = {
  requestsPerSecond: 500,
  latencies: [
    { ms: 8, weight: 0.6 },
    { ms: 20, weight: 0.35 },
    { ms: 60, weight: 0.05 },
  ],
  errorRatio: 0.002,
};
const REGRESSED: TrafficProfile = { ...HEALTHY, errorRatio: 0.05 };

const PR = { owner: 'acme', repo: 'shop', number: 17 };
const GITHUB_TOKEN = 'ghs_e2eSecretToken0123456789abcdef';
const PROMETHEUS_TOKEN = 'prom-e2e-secret-bearer-9f8e7d';

let exporter: MetricsExporter;
let prometheus: PrometheusServer;
let github: FakeGitHub;

beforeAll(async () => {
  exporter = await MetricsExporter.start([
    { namespace: 'shop', service: 'checkout', revision: 'checkout-00001', profile: HEALTHY },
    { namespace: 'shop', service: 'checkout', revision: 'checkout-00002', profile: REGRESSED },
    { namespace: 'shop', service: 'checkout', revision: 'checkout-00003', profile: HEALTHY },
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

function inputs(darkRevision: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    name: 'checkout-gate',
    namespace: 'shop',
    service: 'checkout',
    'dark-revision': darkRevision,
    'live-revision': 'checkout-00001',
    'prometheus-url': prometheus.url,
    'prometheus-token': PROMETHEUS_TOKEN,
    'metric-template': 'istio',
    objectives: 'p95-latency < 100ms\nmean-latency <= live + 50%\nerror-rate < 1%',
    interval: '2s',
    iterations: '2',
    'min-requests': '10',
    'github-token': GITHUB_TOKEN,
    comment: 'always',
    ...extra,
  };
}

const run = (inputValues: Record<string, string>) =>
  runBundledAction({ inputs: inputValues, event: PR, apiUrl: github.url });

function expectNoSecretOutsideMasks(result: ActionRun): void {
  for (const secret of [GITHUB_TOKEN, PROMETHEUS_TOKEN]) {
    const lines = `${result.stdout}\n${result.stderr}`.split('\n').filter((line) => line.includes(secret));
    expect(lines.every((line) => line.startsWith('::add-mask::'))).toBe(true);
    expect(result.summary).not.toContain(secret);
    expect(JSON.stringify(result.outputs)).not.toContain(secret);
  }
}

describe('the bundled action on a pull_request event', () => {
  let first: ActionRun;

  it('fails on a regressed dark revision: outputs, summary, annotation and one new PR comment', async () => {
    first = await run(inputs('checkout-00002'));
    expect(first.exitCode, first.stdout + first.stderr).toBe(1);
    // 5% errors in a thousand requests: shown at 95% confidence at the first iteration, which ends the run.
    expect(first.stdout).toMatch(/^\[1\/2\] .*error-rate 5% \[[\d.]+%, [\d.]+%\] \(< 1%\) ✗/m);
    // Workflow commands escape `:` in properties and `%` in data.
    expect(first.stdout).toMatch(
      /^::error title=Shadowgate%3A error-rate objective breached::error-rate < 1%25: dark 5%25, limit < 1%25$/m,
    );
    expect(first.stdout).toMatch(/^::error::Shadowgate fail: error-rate 5%25, limit < 1%25$/m);

    expect(first.outputs.verdict).toBe('fail');
    expect(first.outputs['dark-revision']).toBe('checkout-00002');
    const result = JSON.parse(first.outputFiles['result-file'] ?? '');
    expect(result.verdict).toBe('fail');
    expect(result.stop.reason).toBe('fail-fast');
    expect(result.iterations).toHaveLength(1);
    expect(first.outputFiles['report-file']).toContain('<!-- shadowgate:experiment=checkout-gate -->');

    expect(first.summary).toContain('Shadowgate: checkout-gate failed');
    expect(first.summary).toContain('xychart-beta');
    expect(first.summary).toContain('https://github.com/acme/shop/actions/runs/4242');

    const created = github.requests.filter((r) => r.route === 'create-comment');
    expect(created).toHaveLength(1);
    expect(created[0]?.path).toBe('/repos/acme/shop/issues/17/comments');
    expect(created[0]?.headers.authorization).toBe(`token ${GITHUB_TOKEN}`);
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0]?.body).toContain('<!-- shadowgate:experiment=checkout-gate -->');
    expect(github.comments[0]?.body).toContain('failed');
    expectNoSecretOutsideMasks(first);
  });

  it('updates the same comment in place when the job runs again, now passing', async () => {
    const second = await run(inputs('checkout-00003'));
    expect(second.exitCode, second.stdout + second.stderr).toBe(0);
    expect(second.outputs.verdict).toBe('pass');
    expect(github.requests.filter((r) => r.route === 'create-comment')).toHaveLength(1);
    expect(github.requests.filter((r) => r.route === 'update-comment')).toHaveLength(1);
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0]?.body).toContain('passed');
    expectNoSecretOutsideMasks(second);
  });

  it('runs the post step from the saved state without failing', async () => {
    const post = await runBundledAction({
      inputs: inputs('checkout-00002'),
      event: PR,
      apiUrl: github.url,
      state: first.state,
    });
    expect(post.exitCode).toBe(0);
    expect(post.stdout).toContain('nothing to clean up');
  });

  it('keeps the verdict and warns when GitHub refuses the comment (403, as for a fork PR)', async () => {
    github.failNext('update-comment', 403);
    const refused = await run(inputs('checkout-00002'));
    expect(refused.exitCode).toBe(1);
    expect(refused.outputs.verdict).toBe('fail');
    expect(refused.stdout).toMatch(/^::warning::.*HTTP 403: Resource not accessible by integration/m);
    expect(refused.summary).toContain('failed');
  });

  it('rejects invalid input before querying anything, naming the input and showing an example', async () => {
    const before = github.requests.length;
    const invalid = await run(inputs('checkout-00002', { objectives: 'p95-latency < 100' }));
    expect(invalid.exitCode).toBe(1);
    expect(invalid.stdout).toMatch(
      /^::error::Invalid objectives line 1: .*%0A {2}Example: p95-latency < 100ms$/m,
    );
    expect(invalid.outputs.verdict).toBeUndefined();
    expect(github.requests.length).toBe(before);
  });
});
