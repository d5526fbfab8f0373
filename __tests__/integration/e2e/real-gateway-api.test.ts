// End to end with router gateway-api on the real cluster: the bundled action against samples/gateway-api/app.yaml
// on a real kubelet and containerd, the real Deployment and ReplicaSet controllers and scheduler, Envoy Gateway
// translating the RequestMirror filter the action adds into the real Envoy's request_mirror_policies, and a real
// Prometheus scraping the pods (samples/app reports the Istio-shaped metrics a sidecar would). Also: dark versions
// that never run, reported with the kubelet's own reasons; promotion; and the least-privilege Role of samples/rbac
// as the action's only permissions. A killed run of this combination (its post step, and the next run's sweep once
// the Lease expires) is in real-load-targets.test.ts, where the killed run also leaves its load Job behind.
import { readFileSync } from 'node:fs';
import type * as k8s from '@kubernetes/client-node';
import { CoreV1Api, loadAllYaml } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { afterTheHostProject, HOST_PROJECT_WAIT_MS } from '../../support/after-host-project.js';
import { APP_IMAGES, listening } from '../../support/real-cluster.js';
import { type RealShop, startRealShop } from '../../support/real-shop.js';
import { output } from '../../support/run-bundled-action.js';
import { GATEWAY_API } from '../../support/shop-samples.js';
import { suiteCluster } from '../../support/suite-cluster.js';

let shop: RealShop;
const cluster = suiteCluster();

// Judged on real latencies, so alone: after the host project (after-host-project.ts).
beforeAll(afterTheHostProject, HOST_PROJECT_WAIT_MS);

beforeAll(async () => {
  shop = await startRealShop({
    cluster,
    sample: GATEWAY_API,
    gateway: { port: 80, host: 'shop.example.com', path: '/checkout' },
    ratePerSecond: 100,
  });
});

// The stop returns once the Gateway's Envoy has freed port 80, which the next Gateway API file's Gateway needs.
afterAll(async () => {
  await shop?.stop();
  expect(await listening(80)).toBe(false);
});

describe('the bundled action on the real cluster with router gateway-api (target deployment)', () => {
  it('passes a candidate as good as live, judged on traffic the real Envoy mirrors, and restores the cluster', async () => {
    const before = await shop.clusterState();
    const mirrored = shop.watchMirror('app=checkout-good', 'app=checkout');
    const result = await shop.run(shop.inputs('good', APP_IMAGES.healthy));
    const share = await mirrored();
    expect(result.exitCode, output(result)).toBe(0);
    expect(result.outputs.verdict).toBe('pass');
    expect(result.outputs['dark-revision']).toBe('checkout-good');
    expect(result.stdout).toMatch(/HTTPRoute "shop" mirrors 100% of the traffic for Service "checkout"/);
    // The real Envoy copied every live request to the dark pod while the mirror was on.
    expect(share.dark).toBeGreaterThan(200);
    expect(share.dark / share.live).toBeGreaterThan(0.95);
    expect(shop.prComment()).toContain('✅ Shadowgate: checkout-gate passed');
    expect(await shop.managedObjects()).toEqual([]);
    await expect.poll(() => shop.clusterState(), { timeout: 60_000 }).toEqual(before);
  });

  it('fails a regressed candidate at a fractional mirror share that Envoy applies, and restores the cluster', async () => {
    const before = await shop.clusterState();
    // 50.5 % is written as a RequestMirror `fraction` (percent takes whole numbers only).
    const mirrored = shop.watchMirror('app=checkout-regressed', 'app=checkout');
    const result = await shop.run(
      shop.inputs('regressed', APP_IMAGES.regressed, { 'mirror-percent': '50.5' }),
    );
    const share = await mirrored();
    expect(result.exitCode, output(result)).toBe(1);
    expect(result.outputs.verdict).toBe('fail');
    expect(result.stdout).toMatch(/^::error::Shadowgate fail: .*(p95-latency|error-rate)/m);
    expect(result.stdout).toMatch(/HTTPRoute "shop" mirrors 50.5% of the traffic for Service "checkout"/);
    expect(shop.prComment()).toContain('❌ Shadowgate: checkout-gate failed');
    // The run stops at the first breach its bounds show: the latency or the errors, whichever is shown first.
    expect(shop.prComment()).toMatch(/^\| (p95-latency &lt; 100ms|error-rate &lt; 5%) \|.*\| ✗ \|$/m);
    // About half of the live requests while the mirror was on (binomial: ±0.15 is over 5 standard deviations at
    // 200 requests): Envoy applied the fraction.
    expect(share.dark).toBeGreaterThan(80);
    expect(share.dark / share.live).toBeGreaterThan(0.35);
    expect(share.dark / share.live).toBeLessThan(0.65);
    expect(await shop.managedObjects()).toEqual([]);
    await expect.poll(() => shop.clusterState(), { timeout: 60_000 }).toEqual(before);
  });
});

describe('a dark version that never runs, on the real cluster', () => {
  it.each([
    // A registry on 127.0.0.1 that is not there: the pull fails at once, and nothing leaves the machine.
    [
      'an image that cannot be pulled',
      'nopull',
      '127.0.0.1:9/acme/checkout:nope',
      /(ErrImagePull|ImagePullBackOff): .*connection refused/,
    ],
    [
      'a container that crashes',
      'crash',
      APP_IMAGES.crashes,
      /CrashLoopBackOff: back-off \d+s restarting failed container=app .*\(last exit code 1, Error\)/,
    ],
  ])(
    "stops at %s with the kubelet's own reason, reports it and restores the cluster",
    async (_, suffix, image, reason) => {
      const before = await shop.clusterState();
      const result = await shop.run(shop.inputs(suffix, image));
      expect(result.exitCode, output(result)).toBe(1);
      expect(result.outputs.verdict).toBeUndefined();
      expect(result.stdout).toMatch(
        new RegExp(`^::error::.*checkout-${suffix}.*failed to roll out: .*${reason.source}`, 'm'),
      );
      expect(shop.prComment()).toMatch(reason);
      expect(result.summary).toMatch(reason);
      expect(await shop.managedObjects()).toEqual([]);
      await expect.poll(() => shop.clusterState(), { timeout: 60_000 }).toEqual(before);
    },
  );
});

describe('samples/rbac/deployment-gateway.yaml on the real cluster', () => {
  it('is all the permission a passing run needs', async () => {
    const role = loadAllYaml(
      readFileSync(new URL('../../../samples/rbac/deployment-gateway.yaml', import.meta.url), 'utf8'),
    ).find((object: k8s.KubernetesObject) => object.kind === 'Role');
    await shop.admin.create(role);
    const kubeconfig = await cluster.mintKubeconfig('shop', { role: 'shadowgate' });
    const before = await shop.clusterState();

    const result = await shop.run(shop.inputs('rbac', APP_IMAGES.healthy, { kubeconfig }));

    expect(result.exitCode, output(result)).toBe(0);
    expect(result.outputs.verdict).toBe('pass');
    expect(await shop.managedObjects()).toEqual([]);
    await expect.poll(() => shop.clusterState(), { timeout: 60_000 }).toEqual(before);
  });
});

describe('after the runs, on the real cluster', () => {
  it('leaves no pod behind once the kubelet has finished the ones the runs deleted', async () => {
    await shop.expectDeletedPodsGone();
  });
});

// Last: it changes the live Deployment.
describe('promotion on the real cluster', () => {
  it('rolls the live Deployment out with the candidate image on pass and removes the dark copy', async () => {
    const route = (await shop.clusterState())['HTTPRoute/shop'];
    const candidate = APP_IMAGES['healthy-2'];
    const result = await shop.run(shop.inputs('promoted', candidate, { promote: 'true' }));
    expect(result.exitCode, output(result)).toBe(0);
    expect(result.outputs.verdict).toBe('pass');
    expect(result.stdout).toMatch(/Deployment "checkout" now runs shadowgate\.test\/checkout:healthy-2/);
    expect(await shop.managedObjects()).toEqual([]);
    // The real controller replaces every live pod with one running the candidate.
    await expect
      .poll(
        async () => {
          const pods = await cluster.admin
            .makeApiClient(CoreV1Api)
            .listNamespacedPod({ namespace: 'shop', labelSelector: 'app=checkout' });
          return pods.items
            .filter((pod) => !pod.metadata?.deletionTimestamp)
            .map((pod) =>
              pod.status?.containerStatuses?.[0]?.ready ? pod.spec?.containers[0]?.image : 'not ready',
            );
        },
        { timeout: 90_000 },
      )
      .toEqual([candidate, candidate, candidate]);
    const after = await shop.clusterState();
    expect(after['HTTPRoute/shop']).toEqual(route);
    expect(Object.keys(after).filter((key) => key.includes('promoted'))).toEqual([]);
  });
});
