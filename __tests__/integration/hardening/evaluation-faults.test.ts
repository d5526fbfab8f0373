// Faults outside the cluster, on the bundled action as GitHub runs it: a real Prometheus (scraping fake Istio
// sidecars) behind a proxy that injects 500s, requests that never answer and dropped connections once the
// evaluation has started; and a GitHub API that refuses the PR comment. The verdict is the one the metrics give
// when Prometheus recovers within the retry budget, inconclusive (never pass) when it does not, and the comment's
// fate never changes the verdict or the job's outcome.
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGitHub, type FakeGitHubRoute, startFakeGitHub } from '../../support/fake-github-server.js';
import { ERRORS, FAST, LIVE } from '../../support/fake-shop.js';
import {
  type FaultyHttpProxy,
  type HttpFault,
  startFaultyHttpProxy,
} from '../../support/faulty-http-proxy.js';
import { MetricsExporter } from '../../support/metrics-exporter.js';
import {
  type PrometheusServer,
  prometheusBinaries,
  startPrometheus,
} from '../../support/prometheus-server.js';
import { type ActionRun, runBundledAction } from '../../support/run-bundled-action.js';

const PR = { owner: 'acme', repo: 'shop', number: 41 };
const HEALTHY = 'checkout-healthy';
const BROKEN = 'checkout-broken';

let exporter: MetricsExporter;
let prometheus: PrometheusServer;
let faulty: FaultyHttpProxy;
let github: FakeGitHub;

beforeAll(async () => {
  const pod = (revision: string, profile: typeof FAST) => ({
    namespace: 'shop',
    service: 'checkout',
    revision,
    profile,
  });
  exporter = await MetricsExporter.start([
    pod('checkout-live', LIVE),
    pod(HEALTHY, FAST),
    pod(BROKEN, ERRORS),
  ]);
  const binary = prometheusBinaries().find((b) => existsSync(b.path));
  if (!binary) throw new Error('No Prometheus binary: run testenv/provision.sh');
  prometheus = await startPrometheus({ binary, targets: exporter.targets });
  faulty = await startFaultyHttpProxy(prometheus.url);
  github = await startFakeGitHub();
});

afterAll(async () => {
  await github?.close();
  await faulty?.close();
  await prometheus?.stop();
  await exporter?.stop();
});

function inputs(darkRevision: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    name: 'checkout-gate',
    namespace: 'shop',
    service: 'checkout',
    'dark-revision': darkRevision,
    'live-revision': 'checkout-live',
    'prometheus-url': faulty.url,
    'prometheus-timeout': '1s',
    'metric-template': 'istio',
    objectives: 'p95-latency < 100ms\nmean-latency <= live + 50%\nerror-rate < 5%',
    interval: '2s',
    iterations: '2',
    'min-requests': '10',
    'github-token': 'ghs_faultsToken0123456789',
    comment: 'never',
    ...extra,
  };
}

/** Queues `fault` for the next `times` Prometheus requests once the evaluation starts (the preflight is over). */
function faultDuringEvaluation(times: number, fault: HttpFault): (child: ChildProcess) => void {
  return (child) => {
    let seen = '';
    let armed = false;
    child.stdout?.on('data', (chunk) => {
      seen += chunk;
      if (!armed && /^Evaluating /m.test(seen)) {
        armed = true;
        faulty.failNext(times, fault);
      }
    });
  };
}

async function run(
  inputValues: Record<string, string>,
  onSpawn?: (child: ChildProcess) => void,
): Promise<ActionRun> {
  try {
    return await runBundledAction({
      inputs: inputValues,
      event: PR,
      apiUrl: github.url,
      ...(onSpawn ? { onSpawn } : {}),
    });
  } finally {
    faulty.heal();
  }
}

const errorLines = (result: ActionRun) => result.stdout.split('\n').filter((l) => l.startsWith('::error'));

describe('Prometheus fails during the evaluation and recovers within the retry budget (4 attempts)', () => {
  it.each([
    ['answers 500 three times in a row', 3, { kind: 'status', status: 500 }],
    ['leaves two requests unanswered past prometheus-timeout', 2, { kind: 'hang' }],
    ['drops three connections (down, then back)', 3, { kind: 'down' }],
  ] as const)('%s: a healthy candidate still passes', async (_, times, fault) => {
    const faulted = faulty.counts.faulted;
    const result = await run(inputs(HEALTHY), faultDuringEvaluation(times, fault));
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.outputs.verdict).toBe('pass');
    expect(faulty.counts.faulted - faulted).toBe(times);
    expect(errorLines(result)).toEqual([]);
  });

  it('answers 500 three times in a row: a regressed candidate still fails on its errors', async () => {
    const faulted = faulty.counts.faulted;
    const result = await run(inputs(BROKEN), faultDuringEvaluation(3, { kind: 'status', status: 500 }));
    expect(result.exitCode, result.stdout).toBe(1);
    expect(result.outputs.verdict).toBe('fail');
    expect(result.stdout).toMatch(/^::error::Shadowgate fail: error-rate/m);
    expect(faulty.counts.faulted - faulted).toBe(3);
  });
});

describe('Prometheus fails during the evaluation past the retry budget', () => {
  it.each([
    ['answers 500 from then on', { kind: 'status', status: 500 }, /HTTP 500/],
    ['goes down for the rest of the run', { kind: 'down' }, /network error|socket hang up|ECONNRESET/],
    ['stops answering for the rest of the run', { kind: 'hang' }, /no answer within 1000 ms \(2 attempts\)/],
  ] as const)('%s: a healthy candidate is inconclusive, never pass', async (_, fault, cause) => {
    const result = await run(
      inputs(HEALTHY, { 'prometheus-attempts': '2' }),
      faultDuringEvaluation(Number.POSITIVE_INFINITY, fault),
    );
    expect(result.outputs.verdict, result.stdout).toBe('inconclusive');
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(
      /^::error::Shadowgate inconclusive: .*Prometheus at http:\/\/127\.0\.0\.1/m,
    );
    expect(result.stdout).toMatch(cause);
    expect(result.summary).toContain('inconclusive');
  });
});

describe('GitHub refuses the PR comment: the verdict and the job outcome are unchanged, with a warning', () => {
  const cases: [FakeGitHubRoute, 403 | 404 | 500][] = [
    ['list-comments', 403],
    ['list-comments', 404],
    ['list-comments', 500],
    ['create-comment', 403],
    ['create-comment', 404],
    ['create-comment', 500],
  ];

  it.each(cases)('%s answers %i: a passing run still passes', async (route, status) => {
    github.failNext(route, status);
    const comments = github.comments.length;
    const result = await run(inputs(HEALTHY, { comment: 'always' }));
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.outputs.verdict).toBe('pass');
    expect(result.stdout).toMatch(new RegExp(`^::warning::Could not .*HTTP ${status}`, 'm'));
    expect(errorLines(result)).toEqual([]);
    expect(github.comments.length).toBe(comments);
    expect(result.summary).toContain('passed');
  });

  it.each([403, 404, 500] as const)(
    'update-comment answers %i: a failing run fails for its verdict alone',
    async (status) => {
      // The comment to update: the first failing run creates it.
      if (github.comments.length === 0) {
        const created = await run(inputs(BROKEN, { comment: 'always' }));
        expect(created.exitCode).toBe(1);
        expect(github.comments).toHaveLength(1);
      }
      github.failNext('update-comment', status);
      const body = github.comments[0]?.body;
      const result = await run(inputs(BROKEN, { comment: 'always' }));
      expect(result.exitCode, result.stdout).toBe(1);
      expect(result.outputs.verdict).toBe('fail');
      expect(result.stdout).toMatch(new RegExp(`^::warning::Could not .*HTTP ${status}`, 'm'));
      expect(errorLines(result).filter((line) => line.startsWith('::error::'))).toEqual([
        expect.stringMatching(/^::error::Shadowgate fail: error-rate/),
      ]);
      expect(github.comments[0]?.body).toBe(body);
    },
  );
});
