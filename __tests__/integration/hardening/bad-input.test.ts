// Bad input: every item of the corpus in __tests__/fixtures/invalid/ (experiment files for the CLI, input sets
// for the bundled action) gets a clear error naming the input, and writes nothing to the cluster. The CLI and
// the action reach the real API server only through a recording proxy, so "nothing" is checked request by
// request, and the namespace (resourceVersions included) is compared before and after. Every item asks for a
// deployed dark version of a live Deployment that is there, so a valid run would create objects: the first test
// shows that it does, through the same proxy.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeApi } from '../../../src/cluster/kube-api.js';
import { createKubeApi } from '../../../src/cluster/kube-client.js';
import { leftovers, namespaceSnapshot } from '../../support/cluster-leftovers.js';
import { type FakeGitHub, startFakeGitHub } from '../../support/fake-github-server.js';
import { FAST } from '../../support/fake-shop.js';
import { isWrite, type KubeApiProxy, startKubeApiProxy } from '../../support/kube-api-proxy.js';
import { type KubeTestEnv, startKubeTestEnv } from '../../support/kube-test-env.js';
import { MetricsExporter } from '../../support/metrics-exporter.js';
import {
  freePort,
  type PrometheusServer,
  prometheusBinaries,
  startPrometheus,
} from '../../support/prometheus-server.js';
import { runBundledAction } from '../../support/run-bundled-action.js';
import { runCli } from '../../support/run-cli.js';

const namespace = 'shop';
const service = 'checkout';
const corpus = new URL('../../fixtures/invalid/', import.meta.url);
const PR = { owner: 'acme', repo: 'shop', number: 31 };

let env: KubeTestEnv;
let admin: KubeApi;
let proxy: KubeApiProxy;
let exporter: MetricsExporter;
let prometheus: PrometheusServer;
let github: FakeGitHub;
let dir: string;
let kubeconfigFile: string;

beforeAll(async () => {
  env = await startKubeTestEnv();
  admin = createKubeApi({ kind: 'inline', yaml: env.adminKubeconfig }, () => {});
  await env.createNamespace(namespace);
  await admin.create<k8s.V1Deployment>({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: service, namespace, labels: { app: service } },
    spec: {
      selector: { matchLabels: { app: service } },
      template: {
        metadata: { labels: { app: service } },
        spec: { containers: [{ name: 'app', image: 'ghcr.io/acme/checkout:1.0' }] },
      },
    },
  });
  await admin.create<k8s.V1Service>({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: service, namespace },
    spec: { selector: { app: service }, ports: [{ port: 80 }] },
  });
  await admin.create({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: service, namespace },
    spec: { hosts: [service], http: [{ route: [{ destination: { host: service } }] }] },
  } as k8s.KubernetesObject);
  proxy = await startKubeApiProxy(env.adminKubeconfig);
  const binary = prometheusBinaries().find((b) => existsSync(b.path));
  if (!binary) throw new Error('No Prometheus binary: run testenv/provision.sh');
  exporter = await MetricsExporter.start([{ namespace, service, revision: service, profile: FAST }]);
  prometheus = await startPrometheus({ binary, targets: exporter.targets });
  github = await startFakeGitHub();
  dir = await mkdtemp(join(tmpdir(), 'shadowgate-bad-input-'));
  kubeconfigFile = join(dir, 'kubeconfig');
  await writeFile(kubeconfigFile, proxy.kubeconfig, { mode: 0o600 });
});

afterAll(async () => {
  await github?.close();
  await prometheus?.stop();
  await exporter?.stop();
  await proxy?.close();
  await env?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs `action`, then checks that it wrote nothing through the proxy and left the namespace as it was. */
async function expectNothingWritten<T>(action: () => Promise<T>): Promise<T> {
  const before = await namespaceSnapshot(admin, namespace);
  const seen = proxy.requests.length;
  const result = await action();
  expect(proxy.requests.slice(seen).filter(isWrite)).toEqual([]);
  expect(await leftovers(admin, namespace)).toEqual([]);
  expect(await namespaceSnapshot(admin, namespace)).toEqual(before);
  return result;
}

/** An experiment file of the corpus, pointed at the test's Prometheus; its first line says the expected error. */
function corpusFile(name: string): { text: string; expected: string } {
  const text = readFileSync(new URL(name, corpus), 'utf8').replaceAll('PROMETHEUS_URL', prometheus.url);
  const expected = /^# expect: (.+)$/m.exec(text)?.[1];
  if (!expected) throw new Error(`${name} has no "# expect:" line`);
  return { text, expected };
}

async function cliRun(name: string, text: string) {
  const file = join(dir, name);
  await writeFile(file, text);
  return runCli(['run', file], { env: { HOME: dir, KUBECONFIG: kubeconfigFile } });
}

describe('the recording proxy', () => {
  it('sees the writes of a valid run (which fails here, as nothing makes the dark copy ready)', async () => {
    const { text } = corpusFile('wrong-latency-unit.yaml');
    const seen = proxy.requests.length;
    const result = await cliRun('valid.yaml', text.replaceAll('100kg', '100ms'));
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stderr).toMatch(
      /^The dark Deployment "checkout-pr-1" in namespace "shop" was not ready within /m,
    );
    const writes = proxy.requests.slice(seen).filter(isWrite);
    expect(writes.map((request) => request.method)).toContain('POST');
    expect(await leftovers(admin, namespace)).toEqual([]);
  });
});

const files = readdirSync(corpus).filter((name) => name.endsWith('.yaml') && name !== 'action-inputs.yaml');

describe('the CLI with an invalid experiment file exits 3, names the input and writes nothing', () => {
  it.each(files)('%s', async (name) => {
    const { text, expected } = corpusFile(name);
    const result = await expectNothingWritten(() => cliRun(name, text));
    expect(result.exitCode, result.stderr).toBe(3);
    expect(result.stderr.startsWith(expected), result.stderr).toBe(true);
    expect(result.stdout).toBe('');
  });

  it('a 5 MB experiment file', async () => {
    const { text } = corpusFile('wrong-latency-unit.yaml');
    const padding = `# ${'x'.repeat(1022)}\n`.repeat(5 * 1024);
    const result = await expectNothingWritten(() => cliRun('huge.yaml', text + padding));
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/^Invalid experiment: the YAML is larger than 1024 KiB/);
  });

  it('YAML nested 100,000 deep', async () => {
    const nested = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const result = await expectNothingWritten(() => cliRun('nested.yaml', `objectives: ${nested}\n`));
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/^Invalid experiment: invalid YAML: Maximum call stack size exceeded/);
  });
});

interface InputSet {
  readonly name: string;
  readonly inputs: Record<string, string>;
  readonly expect: string;
}

const inputSets = parse(readFileSync(new URL('action-inputs.yaml', corpus), 'utf8')) as InputSet[];

function validInputs(): Record<string, string> {
  return {
    name: 'checkout-gate',
    namespace,
    service,
    'prometheus-url': prometheus.url,
    'metric-template': 'istio',
    objectives: 'p95-latency < 100ms\nerror-rate < 5%',
    interval: '1s',
    iterations: '2',
    'github-token': 'ghs_badInputToken0123456789',
    comment: 'always',
    kubeconfig: proxy.kubeconfig,
    target: 'deployment',
    image: 'ghcr.io/acme/checkout:pr-1',
    'revision-suffix': 'pr-1',
    router: 'istio',
    'ready-timeout': '2s',
  };
}

/** The message of the action's `::error::` command, with the workflow-command escapes undone. */
function errorMessage(stdout: string): string {
  const line = /^::error::(.*)$/m.exec(stdout)?.[1] ?? '';
  return line.replaceAll('%0D', '\r').replaceAll('%0A', '\n').replaceAll('%25', '%');
}

describe('the bundled action with an invalid input set fails the step, names the input and writes nothing', () => {
  it.each(inputSets.map((set) => [set.name, set] as const))('%s', async (_, set) => {
    const result = await expectNothingWritten(() =>
      runBundledAction({ inputs: { ...validInputs(), ...set.inputs }, event: PR, apiUrl: github.url }),
    );
    expect(result.exitCode, result.stdout).toBe(1);
    expect(errorMessage(result.stdout).startsWith(set.expect), result.stdout).toBe(true);
    expect(result.outputs.verdict).toBeUndefined();
  });

  it('an experiment file of 5 MB', async () => {
    const { text } = corpusFile('wrong-latency-unit.yaml');
    const file = join(dir, 'huge-action.yaml');
    await writeFile(file, text + `# ${'x'.repeat(1022)}\n`.repeat(5 * 1024));
    const result = await expectNothingWritten(() =>
      runBundledAction({
        inputs: { ...validInputs(), experiment: file },
        event: PR,
        apiUrl: github.url,
      }),
    );
    expect(result.exitCode).toBe(1);
    expect(errorMessage(result.stdout)).toMatch(/^Invalid experiment: the YAML is larger than 1024 KiB/);
  });
});

// A Prometheus URL where nothing listens: the preflight (before the Lease, before the deploy) finds no server
// after its retry budget and stops the run at once, inconclusive, instead of running the whole window into
// "not enough data".
describe('a prometheus-url nothing answers at', () => {
  it('stops the action before any cluster change: verdict inconclusive, naming the URL and the cause', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const result = await expectNothingWritten(() =>
      runBundledAction({
        inputs: { ...validInputs(), 'prometheus-url': url, 'prometheus-attempts': '2', iterations: '30' },
        event: PR,
        apiUrl: github.url,
      }),
    );
    expect(result.exitCode, result.stdout).toBe(1);
    expect(result.outputs.verdict).toBe('inconclusive');
    expect(errorMessage(result.stdout)).toBe(
      `Shadowgate inconclusive: Prometheus at ${url}: network error ECONNREFUSED (connection refused) (2 attempts); the run stopped before its first iteration`,
    );
    expect(result.stdout).not.toMatch(/^\[1\/30\]/m);
    expect(result.summary).not.toContain('not enough data');
  });

  it('stops the CLI the same way, with exit status 2', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const { text } = corpusFile('wrong-latency-unit.yaml');
    const result = await expectNothingWritten(() =>
      cliRun('unreachable.yaml', text.replaceAll('100kg', '100ms').replaceAll(prometheus.url, url)),
    );
    expect(result.exitCode, result.stderr).toBe(2);
    expect(result.stdout).toMatch(
      new RegExp(
        `^Verdict: INCONCLUSIVE - Prometheus at ${url.replace(/[.]/g, '\\.')}: network error ECONNREFUSED \\(connection refused\\)`,
        'm',
      ),
    );
  });
});
