// The bundled action (dist/index.js; run `npm run bundle` after changing src/) as GitHub runs it, with a cluster
// section: it deploys a dark copy of a live Deployment on the real cluster (real controllers and kubelet run its
// pods), mirrors the user's Istio VirtualService to it, is judged by a real Prometheus on Istio metrics from fake
// pods (no Istio data plane runs here), and leaves the cluster as it found it. Target knative with router istio,
// promotion included, is in e2e/simulated-knative-istio.test.ts.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  besidesTheLiveWorkload,
  CANDIDATE,
  type CheckoutCluster,
  NAMESPACE as namespace,
  SERVICE as service,
  startCheckoutCluster,
  UNPULLABLE,
} from '../../support/checkout-cluster.js';
import { ERRORS, FAST } from '../../support/fake-shop.js';
import { output, signalWhen } from '../../support/run-bundled-action.js';
import { runCli } from '../../support/run-cli.js';
import { sampleRoleRules } from '../../support/sample-rbac.js';

let shop: CheckoutCluster;
let dir: string;
/** A kubeconfig with exactly the Role of samples/rbac/deployment-istio.yaml. */
let sampleRole: string;

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
  });
  dir = await mkdtemp(join(tmpdir(), 'shadowgate-lifecycle-'));
  sampleRole = await shop.cluster.mintKubeconfig(namespace, sampleRoleRules('deployment-istio.yaml'));
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
    const clientKey = /client-key-data: (\S+)/.exec(shop.cluster.adminKubeconfig)?.[1] ?? 'missing';
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
      inputs('bad', { kubeconfig: Buffer.from(shop.cluster.adminKubeconfig).toString('base64') }),
    );
    expect(result.exitCode, output(result)).toBe(1);
    expect(result.outputs.verdict).toBe('fail');
    expect(result.stdout).toMatch(/^::error::Shadowgate fail: error-rate/m);
    expect(await managedObjects()).toEqual([]);
    expect(await clusterState()).toEqual(before);
  });

  it("fails with the kubelet's own reason when the dark copy's image cannot be pulled, with the sample Role, and restores everything", async () => {
    const before = await clusterState();
    const result = await run(inputs('broken', { image: UNPULLABLE, kubeconfig: sampleRole }));
    expect(result.exitCode, output(result)).toBe(1);
    expect(result.stdout).toMatch(
      /^::error::.*checkout-broken.*(ErrImagePull|ImagePullBackOff): .*connection refused/m,
    );
    expect(result.outputs.verdict).toBeUndefined();
    expect(await managedObjects()).toEqual([]);
    expect(await clusterState()).toEqual(before);
  });

  it('on SIGTERM while waiting for the dark copy, cleans up and fails the step', async () => {
    const before = await clusterState();
    // Its pod never becomes ready, so the run is still waiting when the signal comes.
    const result = await run(inputs('stopped', { image: UNPULLABLE }), {
      onSpawn: signalWhen(/Created Deployment and Service/, 'SIGTERM'),
    });
    expect(result.exitCode, output(result)).toBe(1);
    expect(result.stdout).toMatch(/^::error::Shadowgate was cancelled: received SIGTERM/m);
    expect(await managedObjects()).toEqual([]);
    expect(await clusterState()).toEqual(before);
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

  it('promotes on pass when asked, with the sample Role: the live Deployment takes the candidate image, the rest is restored', async () => {
    const before = await clusterState();
    const result = await run(inputs('release', { promote: 'true', kubeconfig: sampleRole }));
    expect(result.exitCode, output(result)).toBe(0);
    expect(result.outputs.verdict).toBe('pass');
    expect(result.summary).toContain(`**Promoted:** Deployment "checkout" now runs ${CANDIDATE}`);
    const live = await shop.admin.read<k8s.V1Deployment>({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace,
      name: service,
    });
    expect(live?.spec?.template.spec?.containers[0]?.image).toBe(CANDIDATE);
    expect(await managedObjects()).toEqual([]);
    await shop.liveRolledOut();
    const after = await clusterState();
    expect(besidesTheLiveWorkload(after)).toEqual(besidesTheLiveWorkload(before));
    expect(after['Deployment/checkout']).not.toEqual(before['Deployment/checkout']);
  });
});

describe('the CLI with a cluster section, using the kubeconfig of the machine it runs on', () => {
  async function cli(suffix: string, iterations: number, onSpawn?: (child: ChildProcess) => void) {
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, shop.cluster.adminKubeconfig, { mode: 0o600 });
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
