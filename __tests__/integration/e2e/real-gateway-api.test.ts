// End to end with router gateway-api on the real cluster: the bundled action against samples/gateway-api/app.yaml
// on a real kubelet and containerd, the real Deployment and ReplicaSet controllers and scheduler, Envoy Gateway
// translating the RequestMirror filter the action adds into the real Envoy's request_mirror_policies, and a real
// Prometheus scraping the pods (samples/app reports the Istio-shaped metrics a sidecar would).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { output } from '../../support/checkout-cluster.js';
import { APP_IMAGES } from '../../support/real-cluster.js';
import { type RealShop, startRealShop } from '../../support/real-shop.js';
import { GATEWAY_API } from '../../support/shop-samples.js';
import { suiteCluster } from '../../support/suite-cluster.js';

let shop: RealShop;

beforeAll(async () => {
  shop = await startRealShop({
    cluster: suiteCluster(),
    sample: GATEWAY_API,
    gateway: { port: 80, host: 'shop.example.com', path: '/checkout' },
    ratePerSecond: 40,
  });
});

afterAll(async () => {
  await shop?.stop();
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
    expect(shop.prComment()).toMatch(/^\| error-rate &lt; 5% \|.*\| ✗ \|$/m);
    // About half of the live requests while the mirror was on (binomial: ±0.15 is over 5 standard deviations at
    // 200 requests): Envoy applied the fraction.
    expect(share.dark).toBeGreaterThan(80);
    expect(share.dark / share.live).toBeGreaterThan(0.35);
    expect(share.dark / share.live).toBeLessThan(0.65);
    expect(await shop.managedObjects()).toEqual([]);
    await expect.poll(() => shop.clusterState(), { timeout: 60_000 }).toEqual(before);
  });
});
