// End to end with target knative and router gateway-api on the real cluster, with Knative Serving 1.15's own
// controller, webhook and autoscaler (testenv/knative/, installed by `cluster.sh knative` for the files that use
// it): the bundled action against samples/knative-gateway-api, whose HTTPRoute sends the users' traffic to the
// live revision's Service. The real controller turns the action's template change into the dark revision (its
// Deployment, pods with the real queue-proxy, PodAutoscaler, ServerlessService and private Service); Envoy
// Gateway programs the real Envoy to mirror to that private Service; a real Prometheus scrapes the pods, and the
// pass and fail runs are judged from the real queue-proxy's request metrics (metric-template knative-legacy).
// Also: the reasons Knative itself gives for a revision that never runs, the webhook's refusal of a bad template,
// and promotion through Knative's traffic.
import type * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KnativeService } from '../../../src/cluster/knative-resources.js';
import { knativeServiceRef } from '../../../src/cluster/knative-resources.js';
import { afterTheHostProject, HOST_PROJECT_WAIT_MS } from '../../support/after-host-project.js';
import { APP_IMAGES, listening, startKnative, until } from '../../support/real-cluster.js';
import { expectPostStepRestoresKilledRun, type RealShop, startRealShop } from '../../support/real-shop.js';
import { output } from '../../support/run-bundled-action.js';
import { sampleRoleRules } from '../../support/sample-rbac.js';
import { KNATIVE_GATEWAY_API } from '../../support/shop-samples.js';
import { suiteCluster } from '../../support/suite-cluster.js';

const cluster = suiteCluster();
const NAMESPACE = KNATIVE_GATEWAY_API.namespace;
let shop: RealShop;
/** A kubeconfig with exactly the Role of samples/rbac/knative-gateway.yaml. */
let sampleRole: string;

// Judged on real latencies, so alone: after the host project (after-host-project.ts).
beforeAll(afterTheHostProject, HOST_PROJECT_WAIT_MS);

beforeAll(async () => {
  const seconds = await startKnative();
  console.log(`testenv/knative: Knative Serving ready on the real cluster in ${seconds.toFixed(1)} s`);
  shop = await startRealShop({
    cluster,
    sample: KNATIVE_GATEWAY_API,
    gateway: { port: 80, host: 'shop.example.com', path: '/checkout' },
    ratePerSecond: 100,
    namespaceDeletion: 'with-the-cluster',
  });
  // The HTTPRoute reaches the live revision's pods before Knative's route controller has written the Service's
  // status.traffic (a full-suite run on a loaded machine started with it empty): runs begin on a settled Service.
  await until(
    `Knative Service ${KNATIVE_GATEWAY_API.service} reporting its live revision's traffic`,
    120_000,
    async () => {
      const service = await shop.admin.read<KnativeService>(
        knativeServiceRef(NAMESPACE, KNATIVE_GATEWAY_API.service),
      );
      return service?.status?.traffic?.some((target) => (target.percent ?? 0) > 0) ?? false;
    },
  );
  sampleRole = await cluster.mintKubeconfig(NAMESPACE, sampleRoleRules('knative-gateway.yaml'));
});

// No wait of its own for the dark pods the runs deleted, whose queue-proxy drains for 30 s: the stop deletes the
// Knative Services, whose pods (the live ones drain as long) go while the files after this one run, and the
// namespace goes with the cluster. The
// Gateway must not stay with the namespace: the next Gateway API file's Gateway listens on the same host port, and
// while this one's Envoy held it, that file's requests met this Gateway, whose route leads nowhere now.
afterAll(async () => {
  await shop?.stop();
  expect(await listening(80)).toBe(false);
});

const revisionPods = (revision: string) => `serving.knative.dev/revision=${revision}`;
/**
 * The request metrics a Knative 1.15 user has: queue-proxy's own (`revision_app_request_latencies_*`, OpenCensus, on
 * its http-usermetric port), which Prometheus scrapes from the real pods; not the Istio ones samples/app also serves.
 */
const QUEUE_PROXY_METRICS = { 'metric-template': 'knative-legacy' };

describe('the bundled action on the real cluster with target knative and router gateway-api', () => {
  it("passes a dark revision the real controller creates, judged from queue-proxy's metrics on traffic the real Envoy mirrors, with the sample Role, and restores the cluster", async () => {
    const before = await shop.clusterState();
    const mirrored = shop.watchMirror(revisionPods('checkout-good'), revisionPods('checkout-v1'));
    const result = await shop.run(
      shop.inputs('good', APP_IMAGES.healthy, { kubeconfig: sampleRole, ...QUEUE_PROXY_METRICS }),
    );
    const share = await mirrored();
    expect(result.exitCode, output(result)).toBe(0);
    expect(result.outputs.verdict).toBe('pass');
    expect(result.outputs['dark-revision']).toBe('checkout-good');
    expect(result.summary).toContain('**Live revision:** checkout-v1');
    expect(result.stdout).toMatch(
      /HTTPRoute "shop" mirrors 100% of the traffic for Service "checkout-v1" to "checkout-good-private"/,
    );
    // The real Envoy copied the live requests to the dark revision's pod, through its queue-proxy.
    expect(share.dark).toBeGreaterThan(200);
    // The two counts are read one after the other every 250 ms: at 100 requests/s over the ~30 s the dark pod
    // answers, the live one may be ahead by up to a poll's worth.
    expect(share.dark / share.live).toBeGreaterThan(0.9);
    expect(shop.prComment()).toContain('✅ Shadowgate: checkout-gate passed');
    expect(await shop.managedObjects()).toEqual([]);
    await expect.poll(() => shop.clusterState(), { timeout: 60_000 }).toEqual(before);
  });

  it("fails a regressed dark revision on queue-proxy's metrics, and restores the cluster", async () => {
    const before = await shop.clusterState();
    const result = await shop.run(shop.inputs('regressed', APP_IMAGES.regressed, QUEUE_PROXY_METRICS));
    expect(result.exitCode, output(result)).toBe(1);
    expect(result.outputs.verdict).toBe('fail');
    expect(result.outputs['dark-revision']).toBe('checkout-regressed');
    expect(result.stdout).toMatch(/^::error::Shadowgate fail: .*(p95-latency|error-rate)/m);
    expect(shop.prComment()).toContain('❌ Shadowgate: checkout-gate failed');
    expect(await shop.managedObjects()).toEqual([]);
    await expect.poll(() => shop.clusterState(), { timeout: 60_000 }).toEqual(before);
  });
});

describe('a dark revision that never runs, on the real cluster with Knative', () => {
  it.each([
    // A registry on 127.0.0.1 that is not there: Knative's controller resolves the tag to a digest before any
    // pod exists, and the revision fails with that.
    [
      'an image that cannot be pulled',
      'nopull',
      '127.0.0.1:9/acme/checkout:nope',
      /ContainerMissing: Unable to fetch image "127\.0\.0\.1:9\/acme\/checkout:nope": failed to resolve image to digest: .*connection refused/,
    ],
    [
      // Knative's controller looks at the pods only when the revision's Deployment changes: when it changes after
      // the container's first exit, the revision fails with the exit and the container's last output; mostly it
      // does not, and Knative says nothing until the Deployment's progress deadline, so the reason is the
      // kubelet's. Which comes first depends on the timing; the action reports whichever it sees first.
      'a container that crashes',
      'crash',
      APP_IMAGES.crashes,
      /(pod checkout-crash-deployment-[a-z0-9]+-[a-z0-9]+ container app: CrashLoopBackOff: back-off \d+s restarting failed container=app .*\(last exit code 1, Error|ExitCode1: Container failed with: [\s\S]*--latency: bad entry)/,
    ],
  ])(
    "stops at %s with Knative's own reason, reports it and restores the cluster",
    async (_, suffix, image, reason) => {
      const before = await shop.clusterState();
      const result = await shop.run(shop.inputs(suffix, image));
      expect(result.exitCode, output(result)).toBe(1);
      expect(result.outputs.verdict).toBeUndefined();
      expect(result.stdout).toMatch(
        new RegExp(`^::error::.*dark revision "checkout-${suffix}".* failed: ${reason.source}`, 'm'),
      );
      expect(shop.prComment()).toMatch(reason);
      expect(await shop.managedObjects()).toEqual([]);
      await expect.poll(() => shop.clusterState(), { timeout: 60_000 }).toEqual(before);
    },
  );

  it("surfaces the webhook's refusal of a bad template as a clear error, and changes nothing", async () => {
    const before = await shop.clusterState();
    const result = await shop.run(
      shop.inputs('refused', APP_IMAGES.healthy, {
        annotations: 'autoscaling.knative.dev/target-utilization-percentage=150',
      }),
    );
    expect(result.exitCode, output(result)).toBe(1);
    expect(result.outputs.verdict).toBeUndefined();
    expect(result.stdout).toMatch(
      /^::error::.*admission webhook "validation\.webhook\.serving\.knative\.dev" denied the request: .*target-utilization-percentage/m,
    );
    expect(await shop.managedObjects()).toEqual([]);
    await expect.poll(() => shop.clusterState(), { timeout: 60_000 }).toEqual(before);
  });
});

describe('cleanup after a SIGKILL, on the real cluster with Knative', () => {
  it("restores the Service and deletes the dark revision from the killed run's saved state in the post step", async () => {
    // The final state check also finds a dark revision that Knative made again after the post step deleted it.
    await expectPostStepRestoresKilledRun(shop, /HTTPRoute "shop" mirrors 100% of the traffic/);
  });
});

// Last: it changes the live Service.
describe('promotion on the real cluster with Knative', () => {
  it("moves Knative's traffic to the dark revision on pass, and puts the HTTPRoute back", async () => {
    const route = (await shop.clusterState())['HTTPRoute/shop'];
    const result = await shop.run(shop.inputs('promoted', APP_IMAGES['healthy-2'], { promote: 'true' }));
    expect(result.exitCode, output(result)).toBe(0);
    expect(result.outputs.verdict).toBe('pass');
    expect(result.stdout).toMatch(
      /Knative Service "checkout" now sends 100% of traffic to revision "checkout-promoted"/,
    );
    expect(await shop.managedObjects()).toEqual([]);
    // The real route controller: all of the Service's traffic on the promoted revision, which stays.
    await expect
      .poll(
        async () => {
          const service = await shop.admin.read<KnativeService>(knativeServiceRef(NAMESPACE, 'checkout'));
          return service?.status?.traffic?.map(({ revisionName, percent }) => ({ revisionName, percent }));
        },
        { timeout: 60_000 },
      )
      .toEqual([{ revisionName: 'checkout-promoted', percent: 100 }]);
    const after = await shop.clusterState();
    expect(after['HTTPRoute/shop']).toEqual(route);
    expect((after['Revision/checkout-promoted'] as k8s.KubernetesObject | undefined)?.metadata?.name).toBe(
      'checkout-promoted',
    );
  });
});
