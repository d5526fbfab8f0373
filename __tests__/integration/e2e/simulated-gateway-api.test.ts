// End to end with router gateway-api: the bundled action against a real API server holding
// samples/gateway-api/app.yaml, on the simulated data plane (__tests__/support/simulated-data-plane.ts). The
// RequestMirror filter the action adds to the HTTPRoute rule serving checkout is applied by the built-in mirroring
// proxy, and the verdict comes from the mirrored traffic's Istio-shaped metrics in a real Prometheus.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { output } from '../../support/checkout-cluster.js';
import {
  GATEWAY_API,
  HEALTHY,
  REGRESSED,
  type SimulatedShop,
  startSimulatedShop,
} from '../../support/simulated-shop.js';

const GOOD = 'ghcr.io/acme/checkout:pr-21-good';
const BAD = 'ghcr.io/acme/checkout:pr-21-regressed';

let shop: SimulatedShop;

beforeAll(async () => {
  shop = await startSimulatedShop({
    sample: GATEWAY_API,
    live: HEALTHY,
    candidates: { [GOOD]: HEALTHY, [BAD]: REGRESSED },
    ratePerSecond: 100,
  });
  await shop.plane.waitUntilScraped('checkout');
});

afterAll(async () => {
  await shop?.stop();
});

describe('the bundled action on a simulated data plane with router gateway-api (target deployment)', () => {
  it('passes a candidate as good as live, judged on traffic the HTTPRoute mirrors, and restores the cluster', async () => {
    const before = await shop.clusterState();
    const mirroredBefore = shop.plane.mirroredRequests();
    const result = await shop.run(shop.inputs('good', GOOD));
    expect(result.exitCode, output(result)).toBe(0);
    expect(result.outputs.verdict).toBe('pass');
    expect(result.outputs['dark-revision']).toBe('checkout-good');
    expect(result.stdout).toMatch(/HTTPRoute "shop" mirrors 100% of the traffic for Service "checkout"/);
    expect(shop.plane.mirrorShares.at(-1)).toBe(100);
    // 3 iterations × 3 s at 100 req/s, all mirrored through the RequestMirror filter.
    expect(shop.plane.mirroredRequests() - mirroredBefore).toBeGreaterThan(200);
    expect(shop.prComment()).toContain('✅ Shadowgate: checkout-gate passed');
    expect(await shop.managedObjects()).toEqual([]);
    expect(await shop.clusterState()).toEqual(before);
    await expect.poll(() => shop.plane.running()).toEqual(['cart', 'checkout']);
  });

  it('fails a regressed candidate at a fractional mirror share and restores the cluster', async () => {
    const before = await shop.clusterState();
    const mirroredBefore = shop.plane.mirroredRequests();
    // 50.5 % is written as a RequestMirror `fraction` (percent takes whole numbers only).
    const result = await shop.run(shop.inputs('regressed', BAD, { 'mirror-percent': '50.5' }));
    expect(result.exitCode, output(result)).toBe(1);
    expect(result.outputs.verdict).toBe('fail');
    expect(result.stdout).toMatch(/^::error::Shadowgate fail: .*(p95-latency|error-rate)/m);
    expect(shop.prComment()).toContain('❌ Shadowgate: checkout-gate failed');
    // The run stops at the first breach its bounds show: the latency or the errors, whichever is shown first.
    expect(shop.prComment()).toMatch(/^\| (p95-latency &lt; 100ms|error-rate &lt; 5%) \|.*\| ✗ \|$/m);
    expect(shop.plane.mirrorShares.at(-1)).toBe(50.5);
    // About half of 3 iterations × 3 s at 100 req/s.
    expect(shop.plane.mirroredRequests() - mirroredBefore).toBeGreaterThan(100);
    expect(await shop.managedObjects()).toEqual([]);
    expect(await shop.clusterState()).toEqual(before);
    await expect.poll(() => shop.plane.running()).toEqual(['cart', 'checkout']);
  });
});
