// End to end with load-target job on the real cluster: the action's curl Job is the only traffic. The real Job
// controller and kubelet run it (sh, sleep and curl of this machine, CURL_IMAGE), its pod sends the load to the
// Gateway's Envoy on the node's address, Envoy mirrors it to the dark pod, and cleanup deletes the Job with its
// pod. The Role is exactly samples/rbac's for the combination plus the load Job's.
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { output } from '../../support/checkout-cluster.js';
import { leftovers } from '../../support/cluster-leftovers.js';
import { APP_IMAGES, CURL_IMAGE, NODE_IP } from '../../support/real-cluster.js';
import { type RealShop, startRealShop } from '../../support/real-shop.js';
import { sampleRoleRules } from '../../support/sample-rbac.js';
import { GATEWAY_API } from '../../support/shop-samples.js';
import { suiteCluster } from '../../support/suite-cluster.js';

const cluster = suiteCluster();
const GATEWAY = `http://${NODE_IP}:80`;
const JOB_RULES = [
  ...sampleRoleRules('deployment-gateway.yaml'),
  ...sampleRoleRules('load-in-cluster.yaml', 'shadowgate-load-job'),
];

let shop: RealShop;

beforeAll(async () => {
  shop = await startRealShop({
    cluster,
    sample: GATEWAY_API,
    gateway: { port: 80, host: 'shop.example.com', path: '/checkout' },
    ratePerSecond: 0,
  });
});

afterAll(async () => {
  await shop?.stop();
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
        'load-headers': 'Host: shop.example.com',
        'load-requests': '[/checkout]',
        'load-rate': '40',
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
});
