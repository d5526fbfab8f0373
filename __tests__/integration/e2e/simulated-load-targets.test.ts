// End to end with Shadowgate's own load sent into the cluster (load-target port-forward and job), on the
// simulated data plane with none of its own traffic: every request the verdict rests on comes from the action.
// - port-forward: the bundled action's load generator reaches the ingress gateway's pod through kube-apiserver's
//   pods/portforward and a fake kubelet (testenv/kube/fake-kubelet, the kubelet's own port-forward code);
// - job: the action creates a curl Job, which a test-side Job runner (__tests__/support/job-runner.ts) runs as a
//   local `sh` process with real curl, against the ingress gateway, as a pod in the cluster would.
// The ingress then routes and mirrors the requests as the VirtualService says, and Prometheus measures them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { output } from '../../support/checkout-cluster.js';
import { JobRunner } from '../../support/job-runner.js';
import { createNodePod } from '../../support/node-pods.js';
import { sampleRoleRules } from '../../support/sample-rbac.js';
import { HEALTHY, NAMESPACE, type SimulatedShop, startSimulatedShop } from '../../support/simulated-shop.js';

const GOOD = 'ghcr.io/acme/checkout:pr-21-good';
const MISSING_IMAGE = 'registry.example/tools/curl:missing';
const JOB_RULES = [
  ...sampleRoleRules('deployment-istio.yaml'),
  ...sampleRoleRules('load-in-cluster.yaml', 'shadowgate-load-job'),
];

let shop: SimulatedShop;
let jobs: JobRunner;

beforeAll(async () => {
  shop = await startSimulatedShop({ live: HEALTHY, candidates: { [GOOD]: HEALTHY }, ratePerSecond: 0 });
  jobs = new JobRunner(shop.env.adminKubeconfig, NAMESPACE, {
    [MISSING_IMAGE]: {
      reason: 'ImagePullBackOff',
      message: `Back-off pulling image "${MISSING_IMAGE}"`,
    },
  });
  // The ingress gateway: a Service in istio-system whose pod's port is the data plane's gateway.
  await shop.env.startNode('node-a');
  await shop.env.createNamespace('istio-system');
  await shop.admin.create({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'istio-ingressgateway', namespace: 'istio-system' },
    spec: {
      selector: { istio: 'ingressgateway' },
      ports: [{ name: 'http2', port: 80, targetPort: 'http2' }],
    },
  });
  await createNodePod(shop.env.adminKubeconfig, {
    namespace: 'istio-system',
    name: 'istio-ingressgateway-5c7b9',
    node: 'node-a',
    labels: { istio: 'ingressgateway' },
    ports: [{ name: 'http2', containerPort: Number(new URL(shop.plane.gatewayUrl).port) }],
  });
  // With no traffic of its own, the live pod has metrics once something has called it through the gateway.
  const deadline = Date.now() + 30_000;
  while (
    (await fetch(`${shop.plane.gatewayUrl}/cart`).then(
      (r) => r.status,
      () => 0,
    )) !== 200
  ) {
    if (Date.now() > deadline) throw new Error('the simulated ingress gateway never answered');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await shop.plane.waitUntilScraped('checkout');
}, 180_000);

afterAll(async () => {
  await jobs?.stop();
  await shop?.stop();
});

describe('the bundled action sending its own load into the cluster (target deployment, router istio)', () => {
  it('load-target port-forward: reaches the ingress gateway through the Kubernetes API, and passes on that traffic alone', async () => {
    const before = await shop.clusterState();
    const mirroredBefore = shop.plane.mirroredRequests();
    const result = await shop.run(
      shop.inputs('good', GOOD, {
        'load-target': 'port-forward',
        'load-service': 'istio-system/istio-ingressgateway:80',
        'load-rate': '40',
      }),
    );
    expect(result.exitCode, output(result)).toBe(0);
    expect(result.outputs.verdict).toBe('pass');
    expect(result.stdout).toMatch(
      /Port-forward: http:\/\/127\.0\.0\.1:\d+ reaches Service "istio-ingressgateway" in namespace "istio-system" port 80 \(pod "istio-ingressgateway-5c7b9" port \d+\)/,
    );
    // The load's summary is in the log and in the PR comment.
    const load =
      /Load:\*{0,2} \d+ requests in [\d.]+s \(\d+\.\d\/s of 40\/s\) to http:\/\/127\.0\.0\.1:\d+ \(port-forward to Service "istio-ingressgateway" in namespace "istio-system"\); 200 × \d+/;
    expect(result.stdout).toMatch(load);
    expect(shop.prComment()).toMatch(load);
    // 3 iterations × 3 s at 40 req/s, every one mirrored; the data plane sent none itself.
    expect(shop.plane.mirroredRequests() - mirroredBefore).toBeGreaterThan(200);
    expect(shop.prComment()).toContain('✅ Shadowgate: checkout-gate passed');
    expect(await shop.managedObjects()).toEqual([]);
    expect(await shop.clusterState()).toEqual(before);
  });

  it('load-target job: runs the curl Job against the gateway, passes on its traffic, and deletes the Job', async () => {
    const before = await shop.clusterState();
    const mirroredBefore = shop.plane.mirroredRequests();
    const result = await shop.run(
      shop.inputs('good', GOOD, {
        // With exactly the sample Roles: the combination's, plus the load Job's.
        kubeconfig: await shop.env.mintKubeconfig(NAMESPACE, JOB_RULES),
        'load-target': 'job',
        'load-url': shop.plane.gatewayUrl,
        'load-rate': '40',
        'load-requests': '[/products, {path: /cart, weight: 3}]',
      }),
    );
    expect(result.exitCode, output(result)).toBe(0);
    expect(result.outputs.verdict).toBe('pass');
    expect(result.stdout).toContain(
      `Created Job "shadowgate-load-checkout": 40 requests/s with curl to ${shop.plane.gatewayUrl}`,
    );
    const run = jobs.runs.at(-1);
    expect(run?.name).toBe('shadowgate-load-checkout');
    expect(run?.env).toEqual({ SHADOWGATE_LOAD_URL: shop.plane.gatewayUrl });
    // Each curl prints its status and time. All were answered (curl prints 000 for no answer), with the live
    // profile's 0.5% errors.
    const statuses = (run?.output ?? '')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' ')[0]);
    expect(statuses.length).toBeGreaterThan(150);
    expect(statuses.filter((status) => status !== '200' && status !== '500')).toEqual([]);
    expect(shop.plane.mirroredRequests() - mirroredBefore).toBeGreaterThan(150);
    expect(shop.prComment()).toContain('✅ Shadowgate: checkout-gate passed');
    // Deleting the Job stopped its pod's process.
    await expect.poll(() => run?.running).toBe(false);
    expect(await shop.managedObjects()).toEqual([]);
    expect(await shop.clusterState()).toEqual(before);
  });

  it("load-target job with an image that cannot be pulled fails with the pod's reason and leaves nothing behind", async () => {
    const before = await shop.clusterState();
    const result = await shop.run(
      shop.inputs('good', GOOD, {
        'load-target': 'job',
        'load-url': shop.plane.gatewayUrl,
        'load-rate': '40',
        'load-job-image': MISSING_IMAGE,
      }),
    );
    expect(result.exitCode, output(result)).toBe(1);
    const reason =
      /The load Job "shadowgate-load-checkout" in namespace "shop" failed to start: pod shadowgate-load-checkout-x7k2p container load: ImagePullBackOff: Back-off pulling image "registry\.example\/tools\/curl:missing"/;
    expect(result.stdout).toMatch(reason);
    // No verdict, but the pull request and the job summary say why.
    expect(result.outputs.verdict).toBeUndefined();
    expect(shop.prComment()).toContain('## ⚠️ Shadowgate: checkout-gate could not run');
    expect(shop.prComment()).toMatch(reason);
    expect(result.summary).toMatch(reason);
    await expect.poll(() => shop.managedObjects(), { timeout: 10_000 }).toEqual([]);
    await expect.poll(() => shop.clusterState(), { timeout: 10_000 }).toEqual(before);
  });

  it('load-target job without permission to create Jobs fails naming it after deploying, and undoes everything', async () => {
    const before = await shop.clusterState();
    // Without create alone, so the run gets as far as deploying and mirroring before it fails.
    const withoutJobs = JOB_RULES.map((rule) =>
      rule.resources?.includes('jobs')
        ? { ...rule, verbs: rule.verbs.filter((verb) => verb !== 'create') }
        : rule,
    );
    const result = await shop.run(
      shop.inputs('good', GOOD, {
        kubeconfig: await shop.env.mintKubeconfig(NAMESPACE, withoutJobs),
        'load-target': 'job',
        'load-url': shop.plane.gatewayUrl,
        'load-rate': '40',
      }),
    );
    expect(result.exitCode, output(result)).toBe(1);
    expect(result.stdout).toMatch(
      /^::error::cannot create jobs\.batch "shadowgate-load-checkout" in namespace "shop": forbidden/m,
    );
    await expect.poll(() => shop.managedObjects(), { timeout: 10_000 }).toEqual([]);
    await expect.poll(() => shop.clusterState(), { timeout: 10_000 }).toEqual(before);
  });
});
