// End to end: the bundled action (dist/index.js; run `npm run bundle` after changing src/) as GitHub runs it on a
// pull request, against a real API server holding samples/istio-deployment/app.yaml, with the simulated data
// plane (__tests__/support/simulated-data-plane.ts) in place of Istio and the kubelet: the live and dark
// Deployments run as samples/app processes, the VirtualService's mirror is applied by the built-in mirroring
// proxy, constant-rate traffic flows, and a real Prometheus scrapes the processes' Istio-shaped metrics. Each
// verdict is reached from measured traffic, and the cluster is left exactly as it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { output } from '../../support/run-bundled-action.js';
import { HEALTHY, REGRESSED, type SimulatedShop, startSimulatedShop } from '../../support/simulated-shop.js';

const GOOD = 'ghcr.io/acme/checkout:pr-21-good';
const BAD = 'ghcr.io/acme/checkout:pr-21-regressed';

let shop: SimulatedShop;

beforeAll(async () => {
  shop = await startSimulatedShop({
    live: HEALTHY,
    candidates: { [GOOD]: HEALTHY, [BAD]: REGRESSED },
    ratePerSecond: 100,
  });
  // The live pod serves, the ingress sends it traffic and Prometheus has its metrics before any run starts.
  await shop.plane.waitUntilScraped('checkout');
});

afterAll(async () => {
  await shop?.stop();
});

describe('the bundled action on a simulated Istio data plane (target deployment, router istio, Prometheus istio)', () => {
  it('passes a candidate as good as live, judged on mirrored traffic, and restores the cluster', async () => {
    const before = await shop.clusterState();
    const mirroredBefore = shop.plane.mirroredRequests();
    const result = await shop.run(shop.inputs('good', GOOD));
    expect(result.exitCode, output(result)).toBe(0);
    expect(result.outputs.verdict).toBe('pass');
    expect(result.outputs['dark-revision']).toBe('checkout-good');
    // The verdict rests on real requests: 3 iterations × 3 s at 100 req/s, all mirrored.
    expect(shop.plane.mirroredRequests() - mirroredBefore).toBeGreaterThan(200);
    expect(result.summary).toContain('✅ Shadowgate: checkout-gate passed');
    expect(shop.prComment()).toContain('✅ Shadowgate: checkout-gate passed');
    expect(await shop.managedObjects()).toEqual([]);
    expect(await shop.clusterState()).toEqual(before);
    await expect.poll(() => shop.plane.running()).toEqual(['checkout']);
  });

  it('fails a regressed candidate, naming the breached objective, and restores the cluster', async () => {
    const before = await shop.clusterState();
    const result = await shop.run(shop.inputs('regressed', BAD));
    expect(result.exitCode, output(result)).toBe(1);
    expect(result.outputs.verdict).toBe('fail');
    expect(result.stdout).toMatch(/^::error::Shadowgate fail: .*(p95-latency|error-rate)/m);
    expect(result.summary).toContain('❌ Shadowgate: checkout-gate failed');
    expect(shop.prComment()).toContain('❌ Shadowgate: checkout-gate failed');
    // The objectives table (Markdown-escaped) marks the breach.
    // The run stops at the first breach its bounds show: the latency or the errors, whichever is shown first.
    expect(shop.prComment()).toMatch(/^\| (p95-latency &lt; 100ms|error-rate &lt; 5%) \|.*\| ✗ \|$/m);
    expect(await shop.managedObjects()).toEqual([]);
    expect(await shop.clusterState()).toEqual(before);
    await expect.poll(() => shop.plane.running()).toEqual(['checkout']);
  });

  it('is inconclusive, never pass, when the mirror sends the dark copy almost nothing', async () => {
    const before = await shop.clusterState();
    const mirroredBefore = shop.plane.mirroredRequests();
    const result = await shop.run(shop.inputs('trickle', GOOD, { 'mirror-percent': '0.5' }));
    expect(result.outputs.verdict, output(result)).toBe('inconclusive');
    expect(result.stdout).toMatch(/fewer than min-requests 20/);
    expect(shop.plane.mirroredRequests() - mirroredBefore).toBeLessThan(20);
    expect(result.summary).toContain('⚠️ Shadowgate: checkout-gate was inconclusive');
    expect(shop.prComment()).toContain('⚠️ Shadowgate: checkout-gate was inconclusive');
    expect(await shop.managedObjects()).toEqual([]);
    expect(await shop.clusterState()).toEqual(before);
    await expect.poll(() => shop.plane.running()).toEqual(['checkout']);
  });
});
