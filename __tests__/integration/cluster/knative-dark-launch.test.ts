// The Knative dark launch with the Istio router, library level, on the real cluster with Knative Serving 1.15's
// own controller and webhook (testenv/knative/): the controller creates and readies every Revision, its
// Deployment and pods and the revision's Services, and the webhook defaults and checks every Service Shadowgate
// writes. Istio has no control plane here, so its CRDs only check the VirtualServices' schemas. The revisions run
// serve.c (200 to every request), which starts at once, and a revision that must never become ready runs the
// pause image. Through the bundled action, with a real Envoy mirroring: e2e/real-knative.test.ts.
import type { KubernetesObject, V1Lease } from '@kubernetes/client-node';
import { beforeAll, describe, expect, test } from 'vitest';
import { systemClock } from '../../../src/clock/system-clock.js';
import { cleanupFromState, type DarkLaunchDeps, openDarkLaunch } from '../../../src/cluster/dark-launch.js';
import { IstioRouter, type VirtualService } from '../../../src/cluster/istio-router.js';
import { SavedJournal } from '../../../src/cluster/journal.js';
import type { KnativeService } from '../../../src/cluster/knative-resources.js';
import { KnativeTarget } from '../../../src/cluster/knative-target.js';
import type { KubeApi, ObjectRef } from '../../../src/cluster/kube-api.js';
import { createKubeApi } from '../../../src/cluster/kube-client.js';
import { snapshotOf } from '../../../src/cluster/object-change.js';
import { CHANGED_BY_ANNOTATION, PREVIOUS_ANNOTATION } from '../../../src/cluster/ownership.js';
import type { Router, Target } from '../../../src/cluster/target.js';
import type { ClusterConfig, KnativeTargetConfig, RouterConfig } from '../../../src/core/cluster-config.js';
import { leftovers } from '../../support/cluster-leftovers.js';
import { installIstioCrds } from '../../support/kube-test-env.js';
import {
  FAST_READINESS,
  NEVER_SERVING_IMAGE,
  type RealCluster,
  SERVE_IMAGES,
  startKnative,
  until,
} from '../../support/real-cluster.js';
import { suiteCluster } from '../../support/suite-cluster.js';

const POLL_MS = 250;
const suffix = 'abc1234';
const image = SERVE_IMAGES.candidate;

let cluster: RealCluster;
let admin: KubeApi;

beforeAll(async () => {
  cluster = suiteCluster();
  await startKnative();
  await installIstioCrds(cluster.admin);
  admin = createKubeApi({ kind: 'inline', yaml: cluster.adminKubeconfig }, () => {});
});

let cases = 0;
/**
 * Each case in a namespace of its own, so that the cases run side by side (most of a case's time is waiting for
 * Knative and the kubelet). What runs in it goes when the case ends, so that Knative's controllers and the kubelet
 * do not carry every earlier case's revisions into the later ones (by the last cases, revisions had taken over a
 * minute to get ready); the revisions' pods drain for 30 s (queue-proxy's fixed drain) meanwhile, and the
 * namespace goes with the cluster.
 */
const it = test.extend<{ namespace: string }>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern
  namespace: async ({}, use) => {
    const namespace = `knative-launch-${++cases}`;
    await cluster.createNamespace(namespace);
    await use(namespace);
    await cluster.leaveNamespace(namespace);
  },
});

const ksvcRef = (namespace: string, name: string): ObjectRef => ({
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Service',
  namespace,
  name,
});
const vsRef = (namespace: string, name: string): ObjectRef => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  namespace,
  name,
});
const revisionRef = (namespace: string, name: string): ObjectRef => ({
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Revision',
  namespace,
  name,
});

/** A live Knative Service `<name>` serving its first revision, as the controller reports it. */
async function liveService(
  namespace: string,
  name: string,
  traffic?: KnativeService['spec'],
): Promise<KnativeService> {
  await admin.create<KnativeService>({
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: {
      name,
      namespace,
      labels: { team: 'shop' },
      annotations: { 'example.com/owner': 'shop-team' },
    },
    spec: {
      template: {
        metadata: { name: `${name}-00001`, annotations: { 'autoscaling.knative.dev/max-scale': '5' } },
        spec: {
          containers: [
            {
              image: SERVE_IMAGES.live,
              env: [
                { name: 'MODE', value: 'live' },
                { name: 'FEATURE', value: 'off' },
              ],
              ports: [{ containerPort: 8080 }],
              readinessProbe: FAST_READINESS,
            },
          ],
        },
      },
      ...traffic,
    },
  });
  let service: KnativeService | undefined;
  await until(`Knative Service ${name} serving its first revision`, 60_000, async () => {
    service = await admin.read<KnativeService>(ksvcRef(namespace, name));
    return service?.status?.latestReadyRevisionName === `${name}-00001` && !!service.status.traffic?.length;
  });
  return service as KnativeService;
}

/** The user's VirtualService sending the service's traffic (by the Knative Service's host) through the gateway. */
async function userVirtualService(namespace: string, name: string, service: string): Promise<VirtualService> {
  return admin.create<VirtualService>({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace, annotations: { 'example.com/owner': 'shop-team' } },
    spec: {
      hosts: [`${service}.example.com`],
      gateways: ['knative-serving/knative-ingress-gateway'],
      http: [
        {
          match: [{ uri: { prefix: '/' } }],
          rewrite: { authority: `${service}.${namespace}.svc.cluster.local` },
          route: [{ destination: { host: `${service}.${namespace}.svc.cluster.local` }, weight: 100 }],
          retries: { attempts: 2 },
        },
      ],
    },
  });
}

const knativeTarget: KnativeTargetConfig = {
  kind: 'knative',
  image,
  suffix,
  env: { FEATURE: 'on' },
  annotations: { 'example.com/candidate': 'true' },
  tag: 'dark',
};

function config(router: RouterConfig, overrides: Partial<ClusterConfig> = {}): ClusterConfig {
  return {
    kubeconfig: { kind: 'inline', yaml: cluster.adminKubeconfig },
    target: knativeTarget,
    router,
    readyTimeoutMs: 60_000,
    leaseWaitMs: 1_000,
    promote: false,
    ...overrides,
  };
}

function deps(runId: string, overrides: Partial<DarkLaunchDeps> = {}) {
  const states: string[] = [];
  const lines: string[] = [];
  const value: DarkLaunchDeps = {
    api: admin,
    clock: systemClock,
    log: (line) => lines.push(line),
    runId,
    save: (state) => states.push(state),
    // Not faster: three reads a poll every 20 ms kept kube-apiserver, which Knative's controllers share, at half
    // a core, and revisions then took up to a minute to get ready.
    pollIntervalMs: POLL_MS,
    ...overrides,
  };
  return { deps: value, states, lines };
}

async function snapshot(ref: ObjectRef): Promise<KubernetesObject | undefined> {
  const object = await admin.read(ref);
  return object && snapshotOf(object);
}

const patch: RouterConfig = { kind: 'istio', mode: 'patch', percent: 40 };

describe.concurrent('Knative target with the Istio router', () => {
  it('deploys the dark revision, mirrors in patch mode, and close restores both objects exactly', async ({
    namespace,
  }) => {
    const before = await liveService(namespace, 'checkout');
    await userVirtualService(namespace, 'checkout-routes', 'checkout');
    const ksvcBefore = await snapshot(ksvcRef(namespace, 'checkout'));
    const vsBefore = await snapshot(vsRef(namespace, 'checkout-routes'));
    const { deps: d, states } = deps('run-1');

    const launch = await openDarkLaunch(config(patch), { namespace, service: 'checkout' }, d);

    expect(launch.dark).toEqual({
      darkRevision: 'checkout-abc1234',
      liveRevision: 'checkout-00001',
      darkService: { name: 'checkout-abc1234-private', port: 80 },
      liveService: { name: 'checkout-00001', port: 80 },
      liveRequestHeaders: {
        'Knative-Serving-Namespace': namespace,
        'Knative-Serving-Revision': 'checkout-00001',
      },
    });
    const ksvc = (await admin.read<KnativeService>(ksvcRef(namespace, 'checkout'))) as KnativeService;
    expect(ksvc.spec?.template?.metadata).toEqual({
      // The API's own serialization of the template's ObjectMeta.
      creationTimestamp: null,
      name: 'checkout-abc1234',
      annotations: {
        'autoscaling.knative.dev/max-scale': '5',
        'example.com/candidate': 'true',
        'autoscaling.knative.dev/min-scale': '1',
        'autoscaling.knative.dev/target-burst-capacity': '0',
      },
    });
    expect(ksvc.spec?.template?.spec?.containers?.[0]).toMatchObject({
      image,
      env: [
        { name: 'MODE', value: 'live' },
        { name: 'FEATURE', value: 'on' },
      ],
    });
    // Knative's webhook adds latestRevision: false to each entry that names a revision.
    expect(ksvc.spec?.traffic).toEqual([
      { revisionName: 'checkout-00001', percent: 100, latestRevision: false },
      { revisionName: 'checkout-abc1234', percent: 0, tag: 'dark', latestRevision: false },
    ]);
    expect(ksvc.metadata?.annotations?.[CHANGED_BY_ANNOTATION]).toBe('run-1');
    expect(JSON.parse(ksvc.metadata?.annotations?.[PREVIOUS_ANNOTATION] ?? '')).toEqual(ksvcBefore);

    const vs = (await admin.read<VirtualService>(vsRef(namespace, 'checkout-routes'))) as VirtualService;
    expect(vs.spec?.http?.[0]).toMatchObject({
      mirror: { host: `checkout-abc1234-private.${namespace}.svc.cluster.local`, port: { number: 80 } },
      mirrorPercentage: { value: 40 },
      retries: { attempts: 2 },
    });
    expect(vs.spec?.http?.[0]).not.toHaveProperty('mirrors');

    const lease = await admin.read<V1Lease>({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      namespace,
      name: 'shadowgate-checkout',
    });
    expect(lease?.spec?.holderIdentity).toBe('run-1');
    const saved = JSON.parse(states.at(-1) ?? '');
    expect(saved).toMatchObject({ version: 1, runId: 'run-1', namespace, service: 'checkout' });
    expect(saved.lease).toEqual({ name: 'shadowgate-checkout' });
    expect(
      saved.changes.map(
        (change: { action: string; ref: ObjectRef }) => `${change.action} ${change.ref.kind}`,
      ),
    ).toEqual(['created Revision', 'changed Service', 'changed VirtualService']);

    const summary = await launch.close();
    expect(summary).toEqual({
      deleted: ['Revision "checkout-abc1234"'],
      restored: ['VirtualService "checkout-routes"', 'Service "checkout"'],
      failures: [],
      leaseReleased: true,
    });
    expect(await snapshot(ksvcRef(namespace, 'checkout'))).toEqual(ksvcBefore);
    expect(await snapshot(vsRef(namespace, 'checkout-routes'))).toEqual(vsBefore);
    expect(await admin.read(revisionRef(namespace, 'checkout-abc1234'))).toBeUndefined();
    expect(await leftovers(admin, namespace)).toEqual([]);
    expect(JSON.parse(states.at(-1) ?? '')).toMatchObject({ changes: [] });
    expect(JSON.parse(states.at(-1) ?? '')).not.toHaveProperty('lease');

    // Idempotent: a second close and a post-step cleanup from the last state change nothing.
    expect(await launch.close()).toBe(summary);
    expect(await cleanupFromState(states.at(-1) ?? '', { api: admin, log: () => {} })).toEqual({
      deleted: [],
      restored: [],
      failures: [],
      leaseReleased: true,
    });
    expect(before.spec?.template?.metadata?.name).toBe('checkout-00001');
  });

  it('creates a dedicated VirtualService routing everything to live and mirroring to the dark revision', async ({
    namespace,
  }) => {
    await liveService(namespace, 'cart');
    const { deps: d } = deps('run-2');
    const launch = await openDarkLaunch(
      config({ kind: 'istio', mode: 'dedicated', percent: 25 }),
      { namespace, service: 'cart' },
      d,
    );
    const vs = await admin.read<VirtualService>(vsRef(namespace, 'cart-shadowgate'));
    expect(vs?.metadata?.labels).toEqual({
      'app.kubernetes.io/managed-by': 'shadowgate',
      'shadowgate.dev/target': 'cart',
      'shadowgate.dev/run': 'run-2',
    });
    expect(vs?.spec).toEqual({
      hosts: [`cart.${namespace}.svc.cluster.local`],
      http: [
        {
          route: [
            {
              destination: { host: `cart-00001.${namespace}.svc.cluster.local`, port: { number: 80 } },
              headers: {
                request: {
                  set: { 'Knative-Serving-Namespace': namespace, 'Knative-Serving-Revision': 'cart-00001' },
                },
              },
            },
          ],
          mirror: { host: `cart-abc1234-private.${namespace}.svc.cluster.local`, port: { number: 80 } },
          mirrorPercentage: { value: 25 },
        },
      ],
    });
    const summary = await launch.close();
    expect(summary.deleted).toContain('VirtualService "cart-shadowgate"');
    expect(await leftovers(admin, namespace)).toEqual([]);
  });

  it("creates the Iter8 tutorial's two VirtualServices, with a warning about the -shadow suffix", async ({
    namespace,
  }) => {
    await liveService(namespace, 'search');
    const { deps: d, lines } = deps('run-3');
    const launch = await openDarkLaunch(
      config({ kind: 'istio', mode: 'tutorial', percent: 40 }),
      { namespace, service: 'search' },
      d,
    );
    expect(lines.some((line) => line.includes('Istio 1.28') && line.includes('-shadow'))).toBe(true);
    // The host is the Service's URL, which Knative makes under its default domain, svc.cluster.local, when
    // config-domain names none (the stand-in controller had written example.com).
    const mirroring = await admin.read<VirtualService>(vsRef(namespace, 'search-shadowgate-mirroring'));
    expect(mirroring?.spec?.http?.[0]).toMatchObject({
      rewrite: { authority: `search.${namespace}.svc.cluster.local` },
      mirror: { host: 'knative-local-gateway.istio-system.svc.cluster.local' },
      mirrorPercentage: { value: 40 },
    });
    const routing = await admin.read<VirtualService>(vsRef(namespace, 'search-shadowgate-routing'));
    expect(routing?.spec?.http?.map((route) => route.match)).toEqual([
      [{ authority: { prefix: `search.${namespace}.svc.cluster.local-shadow` } }],
      [{ authority: { prefix: `search.${namespace}.svc.cluster.local` } }],
    ]);
    expect(routing?.spec?.http?.[0]?.route?.[0]?.destination?.host).toBe(
      `search-abc1234.${namespace}.svc.cluster.local`,
    );
    await launch.close();
    expect(await leftovers(admin, namespace)).toEqual([]);
  });

  // Knative reports no reason for a revision whose pod runs and never serves (the stand-in controller had written
  // Deploying); the action names the container that is not ready: queue-proxy, which carries the user container's
  // readiness probe. 20 s, so that beside the other cases the pod is surely running by then.
  it('fails with the last state when the revision is not ready within the timeout, naming the container', async ({
    namespace,
  }) => {
    await liveService(namespace, 'orders');
    const ksvcBefore = await snapshot(ksvcRef(namespace, 'orders'));
    const { deps: d } = deps('run-5');
    await expect(
      openDarkLaunch(
        config(patch, { readyTimeoutMs: 20_000, target: { ...knativeTarget, image: NEVER_SERVING_IMAGE } }),
        { namespace, service: 'orders' },
        d,
      ),
    ).rejects.toThrow(
      /^The dark revision "orders-abc1234" of Knative Service "orders" in namespace "knative-launch-\d+" was not ready within 20 s \(ready-timeout\): revision "orders-abc1234" is not ready yet( \(Deploying\))?; pod orders-abc1234-deployment-[a-z0-9]+-[a-z0-9]+ container queue-proxy: running, not ready \(its readiness probe has not passed\)$/,
    );
    expect(await snapshot(ksvcRef(namespace, 'orders'))).toEqual(ksvcBefore);
    expect(await leftovers(admin, namespace)).toEqual([]);
  });

  it('undoes what it did when aborted during the readiness wait', async ({ namespace }) => {
    await liveService(namespace, 'billing');
    const ksvcBefore = await snapshot(ksvcRef(namespace, 'billing'));
    const abort = new AbortController();
    const { deps: d } = deps('run-6', { signal: abort.signal });
    const opening = openDarkLaunch(
      config({ kind: 'none' }, { target: { ...knativeTarget, image: NEVER_SERVING_IMAGE } }),
      { namespace, service: 'billing' },
      d,
    );
    await until('the dark revision billing-abc1234', 60_000, async () => {
      return (await admin.read(revisionRef(namespace, 'billing-abc1234'))) !== undefined;
    });
    abort.abort(new Error('received SIGTERM'));
    await expect(opening).rejects.toThrow('received SIGTERM');
    expect(await snapshot(ksvcRef(namespace, 'billing'))).toEqual(ksvcBefore);
    expect(await leftovers(admin, namespace)).toEqual([]);
  });

  it('promotes: all traffic to the dark revision, which close then keeps', async ({ namespace }) => {
    await liveService(namespace, 'profile');
    await userVirtualService(namespace, 'profile-routes', 'profile');
    const vsBefore = await snapshot(vsRef(namespace, 'profile-routes'));
    const { deps: d } = deps('run-7');
    const launch = await openDarkLaunch(
      config(patch, { promote: true }),
      { namespace, service: 'profile' },
      d,
    );

    const promoted = await launch.promote();
    expect(promoted).toContain('revision "profile-abc1234"');
    const summary = await launch.close();
    expect(summary.restored).toEqual(['VirtualService "profile-routes"']);
    expect(summary.deleted).toEqual([]);

    const ksvc = (await admin.read<KnativeService>(ksvcRef(namespace, 'profile'))) as KnativeService;
    // It followed the latest revision before the run (as Knative's webhook wrote it down), and does again: the
    // latest is the promoted one.
    expect(ksvc.spec?.traffic).toEqual([{ latestRevision: true, percent: 100 }]);
    expect(ksvc.spec?.template?.metadata?.name).toBe('profile-abc1234');
    await until('Knative routing the traffic to profile-abc1234', 60_000, async () => {
      const current = await admin.read<KnativeService>(ksvcRef(namespace, 'profile'));
      return current?.status?.traffic?.[0]?.revisionName === 'profile-abc1234';
    });
    expect(await admin.read(revisionRef(namespace, 'profile-abc1234'))).toBeDefined();
    expect(await snapshot(vsRef(namespace, 'profile-routes'))).toEqual(vsBefore);
    expect(await leftovers(admin, namespace)).toEqual([]);
  });

  it('pins a Service whose traffic was pinned before at 100% to the dark revision on promotion', async ({
    namespace,
  }) => {
    await liveService(namespace, 'wishlist', {
      traffic: [{ revisionName: 'wishlist-00001', percent: 100, tag: 'stable' }],
    });
    const { deps: d } = deps('run-8');
    const launch = await openDarkLaunch(config({ kind: 'none' }), { namespace, service: 'wishlist' }, d);
    const ksvc = await admin.read<KnativeService>(ksvcRef(namespace, 'wishlist'));
    expect(ksvc?.spec?.traffic).toEqual([
      { revisionName: 'wishlist-00001', percent: 100, tag: 'stable', latestRevision: false },
      { revisionName: 'wishlist-abc1234', percent: 0, tag: 'dark', latestRevision: false },
    ]);
    await launch.promote();
    await launch.close();
    const promoted = await admin.read<KnativeService>(ksvcRef(namespace, 'wishlist'));
    expect(promoted?.spec?.traffic).toEqual([
      { revisionName: 'wishlist-abc1234', percent: 100, latestRevision: false },
    ]);
    expect(await leftovers(admin, namespace)).toEqual([]);
  });
});

describe.concurrent('least privilege', () => {
  /** What a Knative + Istio patch run needs, and nothing more (samples/ ship the same rules). */
  const rules = [
    {
      apiGroups: ['serving.knative.dev'],
      resources: ['services'],
      verbs: ['get', 'list', 'update', 'patch'],
    },
    { apiGroups: ['serving.knative.dev'], resources: ['revisions'], verbs: ['get', 'delete'] },
    { apiGroups: [''], resources: ['services'], verbs: ['list'] },
    // The dark revision's pods, for their crash loop or image pull failure.
    { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
    {
      apiGroups: ['networking.istio.io'],
      resources: ['virtualservices'],
      verbs: ['get', 'list', 'update', 'patch'],
    },
    {
      apiGroups: ['coordination.k8s.io'],
      resources: ['leases'],
      verbs: ['get', 'create', 'update', 'delete'],
    },
  ];

  it('is enough for the whole Knative lifecycle, promotion included', async ({ namespace }) => {
    await liveService(namespace, 'ratings');
    await userVirtualService(namespace, 'ratings-routes', 'ratings');
    const vsBefore = await snapshot(vsRef(namespace, 'ratings-routes'));
    const kubeconfig = await cluster.mintKubeconfig(namespace, rules);
    const api = createKubeApi({ kind: 'inline', yaml: kubeconfig }, () => {});
    const { deps: d } = deps('run-least', { api });
    const launch = await openDarkLaunch(
      config(patch, { kubeconfig: { kind: 'inline', yaml: kubeconfig } }),
      {
        namespace,
        service: 'ratings',
      },
      d,
    );
    await launch.promote();
    expect((await launch.close()).failures).toEqual([]);
    expect(await snapshot(vsRef(namespace, 'ratings-routes'))).toEqual(vsBefore);
    expect(await leftovers(admin, namespace)).toEqual([]);
  });

  it('finds an existing Knative dark revision by its private Service without changing anything', async ({
    namespace,
  }) => {
    const before = await liveService(namespace, 'ledger');
    const { deps: d } = deps('run-existing');
    const launch = await openDarkLaunch(
      config({ kind: 'none' }, { target: { kind: 'existing' } }),
      { namespace, service: 'ledger', darkRevision: 'ledger-00001', liveRevision: 'ledger-00000' },
      d,
    );
    expect(launch.dark).toMatchObject({
      darkService: { name: 'ledger-00001-private', port: 80 },
      liveService: { name: 'ledger-00000', port: 80 },
    });
    await launch.close();
    expect(await snapshot(ksvcRef(namespace, 'ledger'))).toEqual(snapshotOf(before));
  });
});

describe.concurrent('sweep of a dead run on a Knative Service', () => {
  it('restores the Service a dead run changed and deletes its dark revision', async ({ namespace }) => {
    await liveService(namespace, 'reviews');
    const ksvcBefore = await snapshot(ksvcRef(namespace, 'reviews'));
    // The dead run deployed its dark revision, then its runner vanished with its saved state.
    const deadTarget = new KnativeTarget(
      {
        api: admin,
        namespace,
        service: 'reviews',
        runId: 'dead-7',
        clock: systemClock,
        log: () => {},
        readyTimeoutMs: 60_000,
        pollIntervalMs: POLL_MS,
      },
      { kind: 'knative', image, suffix: 'dead001', env: {}, annotations: {}, tag: 'dark' },
    );
    await deadTarget.deploy(new SavedJournal({ runId: 'dead-7', namespace, service: 'reviews' }, () => {}));
    expect(await admin.read(revisionRef(namespace, 'reviews-dead001'))).toBeDefined();

    const { deps: d, lines } = deps('run-10');
    const launch = await openDarkLaunch(config({ kind: 'none' }), { namespace, service: 'reviews' }, d);
    expect(lines).toContain('Restored Service "reviews", which run "dead-7" had changed and not put back');
    expect(await admin.read(revisionRef(namespace, 'reviews-dead001'))).toBeUndefined();
    const ksvc = await admin.read<KnativeService>(ksvcRef(namespace, 'reviews'));
    expect(JSON.parse(ksvc?.metadata?.annotations?.[PREVIOUS_ANNOTATION] ?? '')).toEqual(ksvcBefore);
    expect(launch.dark.liveRevision).toBe('reviews-00001');
    await launch.close();
    expect(await snapshot(ksvcRef(namespace, 'reviews'))).toEqual(ksvcBefore);
    expect(await leftovers(admin, namespace)).toEqual([]);
  });
});

/**
 * The process dies (SIGKILL, lost runner) at a point of the run: only the saved state survives, and the post
 * step's cleanupFromState must undo everything from it.
 */
describe.concurrent('cleanup from saved state after the main step died', () => {
  /** A router or target step that never finishes, as if the process died there; released by `abort`. */
  function hang(signal: AbortSignal): Promise<never> {
    return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
  }

  it.for([
    ['after taking the Lease, before deploying', 'target'],
    ['after deploying, while mirroring', 'router'],
    ['after mirroring, before evaluation ends', 'none'],
  ] as const)('restores everything when it dies %s', async ([, hangIn], { namespace }) => {
    const service = `crash-${hangIn}`;
    await liveService(namespace, service);
    await userVirtualService(namespace, `${service}-routes`, service);
    const ksvcBefore = await snapshot(ksvcRef(namespace, service));
    const vsBefore = await snapshot(vsRef(namespace, `${service}-routes`));
    const dead = new AbortController();
    let reachedHang = (): void => {};
    const reached = new Promise<void>((resolve) => {
      reachedHang = resolve;
    });
    const { deps: d, states } = deps(`run-crash-${hangIn}`, {
      createTarget:
        hangIn === 'target'
          ? () =>
              ({
                description: 'a target that hangs',
                deploy: () => {
                  reachedHang();
                  return hang(dead.signal);
                },
                promote: async () => '',
              }) satisfies Target
          : undefined,
      createRouter:
        hangIn === 'router'
          ? (ctx, routerConfig) => {
              const real = new IstioRouter(ctx, routerConfig as Extract<RouterConfig, { kind: 'istio' }>);
              return {
                description: 'a router that dies after its change',
                mirror: async (dark, journal) => {
                  await real.mirror(dark, journal);
                  reachedHang();
                  return hang(dead.signal);
                },
              } satisfies Router;
            }
          : undefined,
    });
    const opening = openDarkLaunch(config(patch), { namespace, service }, d);
    opening.catch(() => {});
    if (hangIn === 'none') await opening;
    else await reached;

    // The post step, with nothing but the last saved state.
    const summary = await cleanupFromState(states.at(-1) ?? '', { api: admin, log: () => {} });
    expect(summary.failures).toEqual([]);
    expect(summary.leaseReleased).toBe(true);
    expect(await snapshot(ksvcRef(namespace, service))).toEqual(ksvcBefore);
    expect(await snapshot(vsRef(namespace, `${service}-routes`))).toEqual(vsBefore);
    expect(await leftovers(admin, namespace)).toEqual([]);

    // Let the "dead" process go so its Lease renewal stops.
    dead.abort(new Error('process gone'));
    if (hangIn === 'none') await (await opening).close();
    else await opening.catch(() => {});
    expect(await leftovers(admin, namespace)).toEqual([]);
  });
});
