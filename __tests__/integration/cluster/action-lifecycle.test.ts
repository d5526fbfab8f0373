// The bundled action (dist/index.js; run `npm run bundle` after changing src/) as GitHub runs it, with a cluster
// section: it deploys a dark copy of a live Deployment into a real API server, mirrors the user's Istio
// VirtualService to it, is judged by a real Prometheus, and leaves the cluster as it found it. The Deployment
// controller and kubelet cannot run here, so DeploymentStatusController writes the status they would write.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KnativeService } from '../../../src/cluster/knative-resources.js';
import {
  CANDIDATE,
  type CheckoutCluster,
  NAMESPACE as namespace,
  output,
  SERVICE as service,
  startCheckoutCluster,
} from '../../support/checkout-cluster.js';
import { leftovers } from '../../support/cluster-leftovers.js';
import { ERRORS, FAST, LIVE } from '../../support/fake-shop.js';
import { signalWhen } from '../../support/run-bundled-action.js';
import { runCli } from '../../support/run-cli.js';

let shop: CheckoutCluster;
let dir: string;

beforeAll(async () => {
  // The Istio metrics of the live Deployment and of each dark copy a test deploys (`checkout-<suffix>`).
  shop = await startCheckoutCluster({
    darkRevisions: {
      'checkout-good': FAST,
      'checkout-bad': ERRORS,
      'checkout-killed': FAST,
      'checkout-stopped': FAST,
      'checkout-release': FAST,
      'checkout-cli': FAST,
      'checkout-cli-stopped': FAST,
    },
    extraPods: [
      { service, revision: 'web-00001', profile: LIVE },
      { service, revision: 'web-good', profile: FAST },
    ],
    knative: true,
  });
  dir = await mkdtemp(join(tmpdir(), 'shadowgate-lifecycle-'));
});

afterAll(async () => {
  await shop?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const inputs = (suffix: string, extra?: Record<string, string>) => shop.inputs(suffix, extra);
const run: CheckoutCluster['run'] = (inputValues, options) => shop.run(inputValues, options);
const clusterState = () => shop.clusterState();
const managedObjects = () => shop.managedObjects();

describe('the bundled action with target deployment and router istio', () => {
  it('passes, mirrors while it evaluates, and leaves the cluster exactly as it was', async () => {
    const before = await clusterState();
    let mirrored: unknown;
    const result = await run(inputs('good'), {
      onSpawn: (child) => {
        let seen = '';
        child.stdout?.on('data', async (chunk) => {
          seen += chunk;
          if (mirrored === undefined && /^\[1\/2\]/m.test(seen)) {
            mirrored = await shop.admin.read({
              apiVersion: 'networking.istio.io/v1',
              kind: 'VirtualService',
              namespace,
              name: service,
            });
          }
        });
      },
    });
    expect(result.exitCode, output(result)).toBe(0);
    expect(result.outputs.verdict).toBe('pass');
    expect(result.outputs['dark-revision']).toBe('checkout-good');
    // While the evaluation ran, the user's route mirrored to the dark copy's Service.
    expect(mirrored).toMatchObject({
      spec: {
        http: [
          {
            name: 'primary',
            mirror: { host: expect.stringMatching(/^checkout-good/) },
            mirrorPercentage: { value: 100 },
          },
        ],
      },
    });
    expect(result.summary).toContain('**Live revision:** checkout');
    expect(result.summary).toMatch(
      /\*\*Cleanup:\*\* deleted .*Deployment "checkout-good".*restored .*VirtualService "checkout"/,
    );
    expect(await managedObjects()).toEqual([]);
    expect(await clusterState()).toEqual(before);
    // The client key is masked before anything else is printed, and never appears otherwise.
    const clientKey = /client-key-data: (\S+)/.exec(shop.env.adminKubeconfig)?.[1] ?? 'missing';
    const keyLines = output(result)
      .split('\n')
      .filter((line) => line.includes(clientKey));
    expect(keyLines).toEqual([`::add-mask::${clientKey}`]);
    expect(result.summary + JSON.stringify(result.state)).not.toContain(clientKey);
    expect(result.state.cluster).toBe('');
    const post = await run(inputs('good'), { state: result.state });
    expect(post.exitCode).toBe(0);
    expect(post.stdout).toContain('nothing to clean up');
  });

  it('fails on a regressed candidate and still restores everything', async () => {
    const before = await clusterState();
    const result = await run(
      inputs('bad', { kubeconfig: Buffer.from(shop.env.adminKubeconfig).toString('base64') }),
    );
    expect(result.exitCode, output(result)).toBe(1);
    expect(result.outputs.verdict).toBe('fail');
    expect(result.stdout).toMatch(/^::error::Shadowgate fail: error-rate/m);
    expect(await managedObjects()).toEqual([]);
    expect(await clusterState()).toEqual(before);
  });

  it("fails with the workload's own reason when the dark copy cannot start, and restores everything", async () => {
    shop.controller.behave('checkout-broken', {
      kind: 'waiting',
      reason: 'ImagePullBackOff',
      message: 'Back-off pulling image "ghcr.io/acme/checkout:pr-21"',
    });
    const before = await clusterState();
    const result = await run(inputs('broken'));
    expect(result.exitCode, output(result)).toBe(1);
    expect(result.stdout).toMatch(/^::error::.*checkout-broken.*ImagePullBackOff/m);
    expect(result.outputs.verdict).toBeUndefined();
    // The stand-in controller's Pod would be garbage-collected with its Deployment in a real cluster.
    for (const pod of await shop.admin.list('v1', 'Pod', namespace)) {
      const name = pod.metadata?.name ?? '';
      if (name.startsWith('checkout-broken-'))
        await shop.admin.delete({ apiVersion: 'v1', kind: 'Pod', namespace, name });
    }
    expect(await managedObjects()).toEqual([]);
    expect(await clusterState()).toEqual(before);
  });

  it('on SIGTERM while waiting for the dark copy, cleans up and fails the step', async () => {
    shop.controller.behave('checkout-stopped', { kind: 'stalled' });
    const before = await clusterState();
    const result = await run(inputs('stopped'), {
      onSpawn: signalWhen(/Created Deployment and Service/, 'SIGTERM'),
    });
    expect(result.exitCode, output(result)).toBe(1);
    expect(result.stdout).toMatch(/^::error::Shadowgate was cancelled: received SIGTERM/m);
    expect(await managedObjects()).toEqual([]);
    expect(await clusterState()).toEqual(before);
    shop.controller.behave('checkout-stopped', { kind: 'ready' });
  });

  it('on SIGTERM during the evaluation, cleans up, reports and fails the step', async () => {
    const before = await clusterState();
    const result = await run(inputs('stopped', { iterations: '30', 'early-pass': 'false' }), {
      onSpawn: signalWhen(/^\[1\/30\]/m, 'SIGTERM'),
    });
    expect(result.exitCode, output(result)).toBe(1);
    expect(result.outputs.verdict).toBe('inconclusive');
    expect(result.summary).toMatch(/aborted before iteration 2: received SIGTERM/);
    expect(result.summary).toContain('**Cleanup:** deleted');
    expect(result.stdout).toMatch(/^::error::Shadowgate was cancelled: received SIGTERM/m);
    expect(await managedObjects()).toEqual([]);
    expect(await clusterState()).toEqual(before);
  });

  it('after SIGKILL during the evaluation, the post step restores the cluster from the saved state', async () => {
    const before = await clusterState();
    const killed = await run(inputs('killed', { iterations: '30', 'early-pass': 'false' }), {
      onSpawn: signalWhen(/^\[1\/30\]/m, 'SIGKILL'),
    });
    expect(killed.exitCode).toBeNull();
    expect(await managedObjects()).not.toEqual([]);
    expect(killed.state.cluster).toContain('"action":"created"');

    const post = await run(inputs('killed'), { state: killed.state });
    expect(post.exitCode, output(post)).toBe(0);
    expect(post.stdout).toContain('did not finish its cleanup');
    expect(post.stdout).not.toContain('::warning::');
    expect(await managedObjects()).toEqual([]);
    expect(await clusterState()).toEqual(before);
  });

  it('promotes on pass when asked: the live Deployment takes the candidate image, the rest is restored', async () => {
    const before = await clusterState();
    const result = await run(inputs('release', { promote: 'true' }));
    expect(result.exitCode, output(result)).toBe(0);
    expect(result.outputs.verdict).toBe('pass');
    expect(result.summary).toMatch(
      /\*\*Promoted:\*\* Deployment "checkout" now runs ghcr\.io\/acme\/checkout:pr-21/,
    );
    const live = await shop.admin.read<k8s.V1Deployment>({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace,
      name: service,
    });
    expect(live?.spec?.template.spec?.containers[0]?.image).toBe(CANDIDATE);
    expect(await managedObjects()).toEqual([]);
    const after = await clusterState();
    const { 'Deployment/checkout': liveAfter, ...restAfter } = after;
    const { 'Deployment/checkout': liveBefore, ...restBefore } = before;
    expect(restAfter).toEqual(restBefore);
    expect(liveAfter).not.toEqual(liveBefore);
  });
});

describe('the CLI with a cluster section, using the kubeconfig of the machine it runs on', () => {
  async function cli(suffix: string, iterations: number, onSpawn?: (child: ChildProcess) => void) {
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, shop.env.adminKubeconfig, { mode: 0o600 });
    const experiment = join(dir, `${suffix}.yaml`);
    await writeFile(
      experiment,
      [
        'apiVersion: shadowgate.dev/v1alpha1',
        'kind: Experiment',
        `target: {namespace: ${namespace}, service: ${service}}`,
        `prometheus: {url: "${shop.prometheus.url}", template: istio}`,
        'objectives: [p95-latency < 100ms, error-rate < 5%]',
        // Without early pass the run lasts its iterations, so a signal can find it evaluating.
        `evaluation: {interval: 2s, iterations: ${iterations}, minRequests: 10, earlyPass: false}`,
        `cluster: {target: deployment, image: "${CANDIDATE}", revisionSuffix: ${suffix}, router: istio, readyTimeout: 60s}`,
      ].join('\n'),
    );
    return runCli(['run', experiment], {
      env: { HOME: dir, KUBECONFIG: kubeconfig },
      ...(onSpawn ? { onSpawn } : {}),
    });
  }

  it('deploys, passes with exit status 0, reports the cleanup and restores the cluster', async () => {
    const before = await clusterState();
    const result = await cli('cli', 2);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /^Cleanup: deleted .*Deployment "checkout-cli".*restored VirtualService "checkout"$/m,
    );
    expect(result.stdout).toContain('Verdict: PASS');
    expect(await managedObjects()).toEqual([]);
    expect(await clusterState()).toEqual(before);
  });

  it('on Ctrl-C during the evaluation, cleans up and exits 2', async () => {
    const before = await clusterState();
    const result = await cli('cli-stopped', 30, (child) => {
      let seen = '';
      child.stderr?.on('data', (chunk) => {
        seen += chunk;
        if (/^\[1\/30\]/m.test(seen) && !child.killed) child.kill('SIGINT');
      });
    });
    expect(result.exitCode, result.stderr).toBe(2);
    expect(result.stdout).toMatch(/aborted before iteration 2: received SIGINT/);
    expect(await managedObjects()).toEqual([]);
    expect(await clusterState()).toEqual(before);
  });
});

describe('the bundled action with target knative and router istio', () => {
  const ksvc = { apiVersion: 'serving.knative.dev/v1', kind: 'Service', namespace, name: 'web' };

  it('finds the live revision, judges against it, promotes on pass and restores the VirtualService', async () => {
    await shop.admin.create<KnativeService>({
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Service',
      metadata: { name: 'web', namespace },
      spec: {
        template: {
          metadata: { name: 'web-00001' },
          spec: { containers: [{ image: 'ghcr.io/acme/web:1.0', ports: [{ containerPort: 8080 }] }] },
        },
      },
    });
    await expect
      .poll(async () => (await shop.admin.read<KnativeService>(ksvc))?.status?.latestReadyRevisionName)
      .toBe('web-00001');
    const gateway = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'web', namespace },
      spec: {
        hosts: ['web.example.com'],
        gateways: ['knative-serving/knative-ingress-gateway'],
        http: [{ route: [{ destination: { host: `web.${namespace}.svc.cluster.local` }, weight: 100 }] }],
      },
    };
    const created = await shop.admin.create(gateway);

    const result = await run({
      ...inputs('good', { service: 'web', target: 'knative', 'virtual-service': 'web', promote: 'true' }),
    });
    expect(result.exitCode, output(result)).toBe(0);
    expect(result.outputs['dark-revision']).toBe('web-good');
    expect(result.summary).toContain('**Live revision:** web-00001');
    expect(result.summary).toMatch(/\*\*Promoted:\*\* .*web-good/);
    // The Service followed its latest revision before, and does again: now the dark one, under its template.
    const promoted = await shop.admin.read<KnativeService>(ksvc);
    expect(promoted?.spec?.traffic).toBeUndefined();
    expect(promoted?.spec?.template?.metadata?.name).toBe('web-good');
    await expect
      .poll(async () => (await shop.admin.read<KnativeService>(ksvc))?.status?.traffic)
      .toEqual([expect.objectContaining({ revisionName: 'web-good', percent: 100 })]);
    const restored = await shop.admin.read<k8s.KubernetesObject & { spec?: unknown }>({
      ...ksvc,
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
    });
    expect(restored?.spec).toEqual(created.spec);
    expect(restored?.metadata?.labels).toBeUndefined();
    expect(restored?.metadata?.annotations).toBeUndefined();
    expect(await leftovers(shop.admin, namespace)).toEqual([]);
  });
});
