// End to end with Shadowgate's own load as the only traffic, on the real cluster, through the Gateway's real Envoy,
// which mirrors it to the dark pod. The Roles are exactly samples/rbac's for the combination plus the load's.
// - load-target job: the real Job controller and kubelet run the action's curl Job (sh, sleep and curl of this
//   machine, CURL_IMAGE); its pod sends the load to the Gateway's Envoy on the node's address, and cleanup deletes
//   the Job with its pod. A killed run (its dark copy, its HTTPRoute change and its Job) is undone by its post
//   step, or swept by the next run once its Lease has expired (the test ages the Lease rather than sitting out its
//   30 s, which hardening/signals-sigkill.test.ts does).
// - load-target port-forward: the action's load generator goes through kube-apiserver's pods/portforward and the
//   real kubelet into a pod behind a Service. Envoy Gateway runs each Gateway's Envoy on this host rather than as
//   pods behind a Service (as its Kubernetes provider does elsewhere), so that pod is a TCP relay to it.
import type { V1Pod, V1PolicyRule } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { afterTheHostProject, HOST_PROJECT_WAIT_MS } from '../../support/after-host-project.js';
import { leftovers } from '../../support/cluster-leftovers.js';
import { expireLease } from '../../support/lease-expiry.js';
import { APP_IMAGES, CURL_IMAGE, listening, NODE_IP, readyPod } from '../../support/real-cluster.js';
import { type RealShop, startRealShop } from '../../support/real-shop.js';
import { output, signalWhen } from '../../support/run-bundled-action.js';
import { sampleRoleRules } from '../../support/sample-rbac.js';
import { GATEWAY_API } from '../../support/shop-samples.js';
import { suiteCluster } from '../../support/suite-cluster.js';

const cluster = suiteCluster();
const GATEWAY = `http://${NODE_IP}:80`;
const JOB_RULES = [
  ...sampleRoleRules('deployment-gateway.yaml'),
  ...sampleRoleRules('load-in-cluster.yaml', 'shadowgate-load-job'),
];

/** The action's load, at 40/s, as users' requests the Gateway routes to checkout. */
const ROUTED_LOAD = {
  'load-headers': 'Host: shop.example.com',
  'load-requests': '[/checkout]',
  'load-rate': '40',
};
const RELAY = 'shop-gateway';
const RELAY_PORT = 8080;
/** The port-forward Role of samples/rbac/load-in-cluster.yaml, for the relay's Service, beside the combination's. */
const PORT_FORWARD_RULES: V1PolicyRule[] = [
  ...sampleRoleRules('deployment-gateway.yaml'),
  ...sampleRoleRules('load-in-cluster.yaml', 'shadowgate-port-forward').map((rule) =>
    rule.resources?.includes('services') ? { ...rule, resourceNames: [RELAY] } : rule,
  ),
];
/** Node's net, copying each connection both ways to the Gateway's Envoy on the node. */
const RELAY_SCRIPT = `require('node:net').createServer((client) => {
  const envoy = require('node:net').connect(80, '${NODE_IP}');
  client.pipe(envoy).pipe(client);
  envoy.on('error', () => client.destroy());
  client.on('error', () => envoy.destroy());
}).listen(${RELAY_PORT}, '0.0.0.0');`;

let shop: RealShop;

// Judged on real latencies, so alone: after the host project (after-host-project.ts).
beforeAll(afterTheHostProject, HOST_PROJECT_WAIT_MS);

beforeAll(async () => {
  shop = await startRealShop({
    cluster,
    sample: GATEWAY_API,
    gateway: { port: 80, host: 'shop.example.com', path: '/checkout' },
    ratePerSecond: 0,
  });
  await shop.admin.create({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: RELAY, namespace: 'shop' },
    spec: { selector: { app: RELAY }, ports: [{ name: 'http', port: 80, targetPort: 'relay' }] },
  });
  await shop.admin.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${RELAY}-relay`, namespace: 'shop', labels: { app: RELAY } },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [
        {
          name: 'relay',
          image: APP_IMAGES.healthy,
          command: ['/usr/local/bin/node', '-e', RELAY_SCRIPT],
          ports: [{ name: 'relay', containerPort: RELAY_PORT }],
          readinessProbe: { tcpSocket: { port: 'relay' }, periodSeconds: 1 },
        },
      ],
    },
  });
  await readyPod(shop.admin, 'shop', `${RELAY}-relay`);
});

// The stop returns once the Gateway's Envoy has freed port 80, which the next Gateway API file's Gateway needs.
afterAll(async () => {
  await shop?.stop();
  expect(await listening(80)).toBe(false);
});

/** Waits for the run's objects to go; what is left, with the load pods' state when the wait ran out. */
async function jobPodsGoneWithin(timeoutMs: number): Promise<{ left: string[]; detail: string }> {
  const deadline = Date.now() + timeoutMs;
  let left = await leftovers(shop.admin, 'shop');
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    left = await leftovers(shop.admin, 'shop');
  }
  const pods = (await shop.admin.list('v1', 'Pod', 'shop')) as V1Pod[];
  const detail = pods
    .filter((pod) => pod.metadata?.name?.startsWith('shadowgate-load-'))
    .map((pod) =>
      JSON.stringify({
        name: pod.metadata?.name,
        deletionTimestamp: pod.metadata?.deletionTimestamp,
        phase: pod.status?.phase,
        containers: pod.status?.containerStatuses?.map((container) => container.state),
      }),
    )
    .join('\n');
  return { left, detail: `after ${timeoutMs} ms, now ${new Date().toISOString()}:\n${detail}` };
}

describe('load-target job on the real cluster', () => {
  it("passes on the curl Job's traffic alone, mirrored by the real Envoy, and deletes the Job with its pod", async () => {
    const before = await shop.clusterState();
    const mirrored = shop.watchMirror('app=checkout-job', 'app=checkout');
    const result = await shop.run(
      shop.inputs('job', APP_IMAGES.healthy, {
        kubeconfig: await cluster.mintKubeconfig('shop', JOB_RULES),
        'load-target': 'job',
        'load-url': GATEWAY,
        ...ROUTED_LOAD,
        'load-job-image': CURL_IMAGE,
      }),
    );
    const share = await mirrored();
    expect(result.exitCode, output(result)).toBe(0);
    expect(result.outputs.verdict).toBe('pass');
    expect(result.stdout).toContain(
      `Created Job "shadowgate-load-checkout": 40 requests/s with curl to ${GATEWAY}`,
    );
    // Only the Job sends requests: what live answered while the mirror was on, the dark pod got too.
    expect(share.live).toBeGreaterThan(150);
    expect(share.dark / share.live).toBeGreaterThan(0.95);
    expect(shop.prComment()).toContain('✅ Shadowgate: checkout-gate passed');
    // The Job's pod stops on the kubelet's SIGTERM, not after the 30 s grace period: gone well before it, with
    // time left for the garbage collector and the kubelet's own pace on a loaded machine.
    const pods = await jobPodsGoneWithin(25_000);
    expect(pods.left, pods.detail).toEqual([]);
    await expect.poll(() => shop.clusterState(), { timeout: 60_000 }).toEqual(before);
  });

  it("fails with the kubelet's reason when the Job's image cannot be pulled, and leaves nothing behind", async () => {
    const before = await shop.clusterState();
    const result = await shop.run(
      shop.inputs('nojob', APP_IMAGES.healthy, {
        'load-target': 'job',
        'load-url': GATEWAY,
        'load-rate': '40',
        'load-job-image': '127.0.0.1:9/tools/curl:missing',
      }),
    );
    expect(result.exitCode, output(result)).toBe(1);
    const reason =
      /The load Job "shadowgate-load-checkout" in namespace "shop" failed to start: pod shadowgate-load-checkout-\w+ container load: (ErrImagePull|ImagePullBackOff): .*connection refused/;
    expect(result.stdout).toMatch(reason);
    expect(result.outputs.verdict).toBeUndefined();
    expect(shop.prComment()).toMatch(reason);
    await expect.poll(() => leftovers(shop.admin, 'shop'), { timeout: 60_000 }).toEqual([]);
    await expect.poll(() => shop.clusterState(), { timeout: 60_000 }).toEqual(before);
  });

  it('fails naming the missing permission to create Jobs, after deploying, and undoes everything', async () => {
    const before = await shop.clusterState();
    // Without create alone, so the run gets as far as deploying and mirroring before it fails.
    const withoutCreate = JOB_RULES.map((rule) =>
      rule.resources?.includes('jobs')
        ? { ...rule, verbs: rule.verbs.filter((verb) => verb !== 'create') }
        : rule,
    );
    const result = await shop.run(
      shop.inputs('nocreate', APP_IMAGES.healthy, {
        kubeconfig: await cluster.mintKubeconfig('shop', withoutCreate),
        'load-target': 'job',
        'load-url': GATEWAY,
        'load-rate': '40',
        'load-job-image': CURL_IMAGE,
      }),
    );
    expect(result.exitCode, output(result)).toBe(1);
    expect(result.stdout).toMatch(
      /^::error::cannot create jobs\.batch "shadowgate-load-checkout" in namespace "shop": forbidden/m,
    );
    expect(result.stdout).toMatch(/HTTPRoute "shop" mirrors 100% of the traffic/);
    await expect.poll(() => leftovers(shop.admin, 'shop'), { timeout: 60_000 }).toEqual([]);
    await expect.poll(() => shop.clusterState(), { timeout: 60_000 }).toEqual(before);
  });
});

describe('a run killed once its load Job runs, on the real cluster', () => {
  const jobInputs = {
    'load-target': 'job',
    'load-url': GATEWAY,
    ...ROUTED_LOAD,
    'load-rate': '20',
    'load-job-image': CURL_IMAGE,
  };
  const created = /Created Job "shadowgate-load-checkout"/;

  it("is undone by the post step from the killed run's saved state: Job, dark copy and HTTPRoute", async () => {
    const before = await shop.clusterState();
    const killed = await shop.run(shop.inputs('killedjob', APP_IMAGES.healthy, jobInputs), {
      onSpawn: signalWhen(created, 'SIGKILL'),
    });
    expect(killed.exitCode, output(killed)).toBeNull();
    expect(killed.stdout).toMatch(/HTTPRoute "shop" mirrors 100% of the traffic/);
    expect(await leftovers(shop.admin, 'shop')).toEqual(
      expect.arrayContaining([
        'Job/shadowgate-load-checkout',
        'Deployment/checkout-killedjob',
        'HTTPRoute/shop',
      ]),
    );

    const post = await shop.run(shop.inputs('killedjob', APP_IMAGES.healthy, jobInputs), {
      state: killed.state,
    });
    expect(post.exitCode, output(post)).toBe(0);
    expect(post.stdout).toContain('Deleted Job "shadowgate-load-checkout"');
    expect(post.stdout).not.toMatch(/^::warning::/m);
    const pods = await jobPodsGoneWithin(25_000);
    expect(pods.left, pods.detail).toEqual([]);
    await expect.poll(() => shop.clusterState(), { timeout: 60_000 }).toEqual(before);
  });

  it('is swept by the next run once the Lease of the killed run, which had no post step, has expired', async () => {
    const before = await shop.clusterState();
    const killed = await shop.run(shop.inputs('sweptjob', APP_IMAGES.healthy, jobInputs), {
      onSpawn: signalWhen(created, 'SIGKILL'),
    });
    expect(killed.exitCode, output(killed)).toBeNull();
    const killedRunId = /"runId":"([^"]+)"/.exec(killed.state.cluster ?? '')?.[1];
    expect(killedRunId).toBeDefined();
    await expireLease(shop.admin, 'shop', 'checkout');

    // The next run's own Job has the same name: it is created only once the killed run's is swept.
    const next = await shop.run(shop.inputs('afterjob', APP_IMAGES.healthy, jobInputs));
    expect(next.exitCode, output(next)).toBe(0);
    expect(next.outputs.verdict).toBe('pass');
    expect(next.stdout).not.toContain('Waiting up to');
    expect(next.stdout).toContain(
      `Taking over the Lease "shadowgate-checkout" from run "${killedRunId}", which stopped renewing it`,
    );
    for (const [kind, name] of [
      ['Job', 'shadowgate-load-checkout'],
      ['Deployment', 'checkout-sweptjob'],
      ['Service', 'checkout-sweptjob'],
    ]) {
      expect(next.stdout).toContain(`Swept ${kind} "${name}", left behind by run "${killedRunId}"`);
    }
    expect(next.stdout).toContain(
      `Restored HTTPRoute "shop", which run "${killedRunId}" had changed and not put back`,
    );
    const pods = await jobPodsGoneWithin(25_000);
    expect(pods.left, pods.detail).toEqual([]);
    await expect.poll(() => shop.clusterState(), { timeout: 60_000 }).toEqual(before);
  });
});

describe('load-target port-forward on the real cluster', () => {
  it('sends the load through pods/portforward and the real kubelet, with exactly the documented Roles, and passes on it alone', async () => {
    const before = await shop.clusterState();
    const mirrored = shop.watchMirror('app=checkout-pf', 'app=checkout');
    const result = await shop.run(
      shop.inputs('pf', APP_IMAGES.healthy, {
        kubeconfig: await cluster.mintKubeconfig('shop', PORT_FORWARD_RULES),
        'load-target': 'port-forward',
        'load-service': `shop/${RELAY}:80`,
        ...ROUTED_LOAD,
      }),
    );
    const share = await mirrored();
    expect(result.exitCode, output(result)).toBe(0);
    expect(result.outputs.verdict).toBe('pass');
    expect(result.stdout).toMatch(
      new RegExp(
        `Port-forward: http://127\\.0\\.0\\.1:\\d+ reaches Service "${RELAY}" in namespace "shop" port 80 \\(pod "${RELAY}-relay" port ${RELAY_PORT}\\)`,
      ),
    );
    const load = new RegExp(
      `Load:\\*{0,2} \\d+ requests in [\\d.]+s \\(\\d+\\.\\d/s of 40/s\\) to http://127\\.0\\.0\\.1:\\d+ \\(port-forward to Service "${RELAY}" in namespace "shop"\\); 200 × \\d+`,
    );
    expect(result.stdout).toMatch(load);
    expect(shop.prComment()).toMatch(load);
    expect(share.live).toBeGreaterThan(150);
    expect(share.dark / share.live).toBeGreaterThan(0.95);
    expect(await shop.managedObjects()).toEqual([]);
    await expect.poll(() => shop.clusterState(), { timeout: 60_000 }).toEqual(before);
  });
});

describe('after the runs, on the real cluster', () => {
  it('leaves no pod behind once the kubelet has finished the ones the runs deleted', async () => {
    await shop.expectDeletedPodsGone();
  });
});
