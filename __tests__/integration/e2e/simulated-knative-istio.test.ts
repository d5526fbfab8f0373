// End to end with target knative and router istio: the bundled action against a real API server holding
// samples/knative-istio (the Knative Service sample-app and the VirtualService example-mirroring in namespace
// default), on the simulated data plane (__tests__/support/simulated-data-plane.ts). Knative's controller is
// stood in for by KnativeStatusController; each Revision runs as one samples/app process named
// `<revision>-deployment`, and the VirtualService's mirror to the dark revision's private Service is applied by the
// built-in mirroring proxy. The verdict comes from Prometheus with the istio metric template. Last, a promotion,
// which changes the sample's Service for good.
import type { KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KnativeService, knativeServiceRef } from '../../../src/cluster/knative-resources.js';
import { leftovers } from '../../support/cluster-leftovers.js';
import { output } from '../../support/run-bundled-action.js';
import { KNATIVE_ISTIO } from '../../support/shop-samples.js';
import { HEALTHY, REGRESSED, type SimulatedShop, startSimulatedShop } from '../../support/simulated-shop.js';

const GOOD = 'ghcr.io/acme/sample-app:pr-21-good';
const BAD = 'ghcr.io/acme/sample-app:pr-21-regressed';
const LIVE_WORKLOAD = 'sample-app-v1-deployment';

let shop: SimulatedShop;
/** The cluster as the sample made it: each run must leave it so, whatever an earlier test left behind. */
let sample: Record<string, unknown>;

beforeAll(async () => {
  shop = await startSimulatedShop({
    sample: KNATIVE_ISTIO,
    live: HEALTHY,
    candidates: { [GOOD]: HEALTHY, [BAD]: REGRESSED },
    ratePerSecond: 100,
  });
  await shop.plane.waitUntilScraped(LIVE_WORKLOAD);
  sample = await shop.clusterState();
});

afterAll(async () => {
  await shop?.stop();
});

describe('the bundled action on a simulated data plane with target knative and router istio', () => {
  it('passes a dark revision as good as live, compared with the live revision, and restores the cluster', async () => {
    const mirroredBefore = shop.plane.mirroredRequests();
    const result = await shop.run(shop.inputs('good', GOOD));
    expect(result.exitCode, output(result)).toBe(0);
    expect(result.outputs.verdict).toBe('pass');
    expect(result.outputs['dark-revision']).toBe('sample-app-good');
    expect(result.summary).toContain('**Live revision:** sample-app-v1');
    expect(shop.plane.mirroredRequests() - mirroredBefore).toBeGreaterThan(200);
    expect(shop.prComment()).toContain('✅ Shadowgate: checkout-gate passed');
    expect(await shop.managedObjects()).toEqual([]);
    await expect.poll(() => shop.clusterState(), { timeout: 10_000 }).toEqual(sample);
    await expect.poll(() => shop.plane.running()).toEqual([LIVE_WORKLOAD]);
  });

  it('fails a regressed dark revision, judged on traffic mirrored to its private Service, and restores the cluster', async () => {
    const mirroredBefore = shop.plane.mirroredRequests();
    const result = await shop.run(shop.inputs('regressed', BAD));
    expect(result.exitCode, output(result)).toBe(1);
    expect(result.outputs.verdict).toBe('fail');
    expect(result.outputs['dark-revision']).toBe('sample-app-regressed');
    expect(result.summary).toContain('**Live revision:** sample-app-v1');
    expect(result.stdout).toMatch(/^::error::Shadowgate fail: .*(p95-latency|error-rate)/m);
    expect(shop.prComment()).toContain('❌ Shadowgate: checkout-gate failed');
    // The run stops at the first breach its bounds show: the latency or the errors, whichever is shown first.
    expect(shop.prComment()).toMatch(/^\| (p95-latency &lt; 100ms|error-rate &lt; 5%) \|.*\| ✗ \|$/m);
    // The dark revision's process received the mirrored share (3 iterations × 3 s at 100 req/s).
    expect(shop.plane.mirrorShares.at(-1)).toBe(100);
    expect(shop.plane.mirroredRequests() - mirroredBefore).toBeGreaterThan(200);
    expect(await shop.managedObjects()).toEqual([]);
    // The dark Revision's Services go with it, as the garbage collector deletes them after their owner.
    await expect.poll(() => shop.clusterState(), { timeout: 10_000 }).toEqual(sample);
    await expect.poll(() => shop.plane.running()).toEqual([LIVE_WORKLOAD]);
  });

  it('promotes a passing dark revision when asked: the pinned traffic moves to it, the VirtualService is restored', async () => {
    const routingRef = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      namespace: 'default',
      name: 'example-mirroring',
    };
    const routing = await shop.admin.read<KubernetesObject & { spec?: unknown }>(routingRef);
    const result = await shop.run(shop.inputs('release', GOOD, { promote: 'true' }));
    expect(result.exitCode, output(result)).toBe(0);
    expect(result.outputs.verdict).toBe('pass');
    expect(result.summary).toMatch(/\*\*Promoted:\*\* .*sample-app-release/);
    // The sample pins its traffic at 100% to the live revision; now it pins it to the promoted one.
    const promoted = await shop.admin.read<KnativeService>(knativeServiceRef('default', 'sample-app'));
    expect(promoted?.spec?.template?.metadata?.name).toBe('sample-app-release');
    expect(promoted?.spec?.traffic).toEqual([{ revisionName: 'sample-app-release', percent: 100 }]);
    const restored = await shop.admin.read<KubernetesObject & { spec?: unknown }>(routingRef);
    expect(restored?.spec).toEqual(routing?.spec);
    expect(restored?.metadata?.labels).toEqual(routing?.metadata?.labels);
    expect(restored?.metadata?.annotations).toEqual(routing?.metadata?.annotations);
    expect(await shop.managedObjects()).toEqual([]);
    expect(await leftovers(shop.admin, 'default')).toEqual([]);
  });
});
