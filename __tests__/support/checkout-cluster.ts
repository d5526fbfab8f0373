// The shop a cluster test of the bundled action with the Istio router runs against, on the suite's real cluster
// (real-cluster.ts): the live Deployment, Service and Istio VirtualService of `checkout` in a namespace of the test
// file's own (NAMESPACE), with Istio's CRDs installed, so the real Deployment controller, scheduler and kubelet
// run the live and each dark copy's pods; a real Prometheus; and a fake GitHub API. Istio's control plane and sidecars cannot run here, so the Istio
// metrics of the live and each dark copy come from fake pods on this host (MetricsExporter), and nothing mirrors
// traffic (the simulated data plane does, in simulated-data-plane.ts). Start one per test file.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { ClusterError } from '../../src/cluster/cluster-error.js';
import type { KubeApi } from '../../src/cluster/kube-api.js';
import { createKubeApi } from '../../src/cluster/kube-client.js';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../../src/cluster/ownership.js';
import { type FakeGitHub, startFakeGitHub } from './fake-github-server.js';
import { LIVE } from './fake-shop.js';
import { installIstioCrds } from './kube-test-env.js';
import { MetricsExporter, type TrafficProfile } from './metrics-exporter.js';
import { type PrometheusServer, prometheusBinaries, startPrometheus } from './prometheus-server.js';
import { APP_IMAGES, type RealCluster, until } from './real-cluster.js';
import { type ActionRun, runBundledAction } from './run-bundled-action.js';
import { suiteCluster } from './suite-cluster.js';

/**
 * One per test file (each file loads this module afresh), so that a finished file's namespace can be left to the
 * cluster's stop: deleting it took about 6 s, which the next file waited for to make it again.
 */
export const NAMESPACE = `shop-${randomBytes(3).toString('hex')}`;
export const SERVICE = 'checkout';
export const PR = { owner: 'acme', repo: 'shop', number: 21 };
/** The candidate image: one of samples/app the cluster holds, so the dark copy's pods really run. */
export const CANDIDATE = APP_IMAGES['healthy-2'];
/** An image on a registry on 127.0.0.1 that is not there: the kubelet's pull fails at once, and nothing leaves the machine. */
export const UNPULLABLE = '127.0.0.1:9/acme/checkout:nope';

/** An API version and kind, e.g. `['apps/v1', 'Deployment']`. */
export type Kind = readonly [apiVersion: string, kind: string];

const KNATIVE_LAST_MODIFIER = 'serving.knative.dev/lastModifier';

/** The kinds the action may create or change here, and the Pods of the workloads. */
const KINDS: readonly Kind[] = [
  ['apps/v1', 'Deployment'],
  ['v1', 'Service'],
  ['v1', 'Pod'],
  ['networking.istio.io/v1', 'VirtualService'],
  ['coordination.k8s.io/v1', 'Lease'],
];

const liveDeployment: k8s.V1Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: SERVICE,
    namespace: NAMESPACE,
    labels: { app: SERVICE },
    annotations: { owner: 'team-shop' },
  },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: SERVICE } },
    template: {
      metadata: { labels: { app: SERVICE, version: 'v1' } },
      spec: {
        // samples/app exits on SIGTERM at once; 2 s bounds the wait for a promotion's old pods (liveRolledOut).
        terminationGracePeriodSeconds: 2,
        containers: [
          {
            name: 'app',
            image: APP_IMAGES.healthy,
            ports: [{ name: 'http', containerPort: 8080 }],
            readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1 },
          },
        ],
      },
    },
  },
};

const liveService: k8s.V1Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: SERVICE, namespace: NAMESPACE },
  spec: { selector: { app: SERVICE }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
};

const virtualService = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: SERVICE, namespace: NAMESPACE, labels: { team: 'shop' } },
  spec: {
    hosts: [`${SERVICE}.${NAMESPACE}.svc.cluster.local`],
    http: [
      {
        name: 'primary',
        route: [{ destination: { host: SERVICE, port: { number: 80 } } }],
        timeout: '5s',
      },
    ],
  },
};

export interface CheckoutCluster {
  readonly cluster: RealCluster;
  readonly admin: KubeApi;
  readonly prometheus: PrometheusServer;
  readonly github: FakeGitHub;
  /** The action's inputs for a run that deploys `checkout-<suffix>` (target deployment, router istio). */
  inputs(suffix: string, extra?: Record<string, string>): Record<string, string>;
  /**
   * One step run. Each main step is a new workflow run (its own run id); with `state`, it is the post step of
   * the last one.
   */
  run(
    inputs: Record<string, string>,
    options?: { state?: Record<string, string>; onSpawn?: (child: ChildProcess) => void },
  ): Promise<ActionRun>;
  /** Every object of the kinds the action touches, minus what the API server changes on any write. */
  clusterState(): Promise<Record<string, unknown>>;
  /** `Kind/name` of every object carrying Shadowgate's managed-by label. */
  managedObjects(): Promise<string[]>;
  /** Waits until the live Deployment has rolled out its template (after a promotion) and its old pods are gone. */
  liveRolledOut(): Promise<void>;
  /**
   * Stops Prometheus, the fake pods and the fake GitHub, and what runs in the namespace
   * (RealCluster.leaveNamespace); the namespace goes with the cluster's stop.
   */
  stop(): Promise<void>;
}

/**
 * Starts the shop. `darkRevisions` are the dark copies (`checkout-<suffix>`) the tests deploy, each with the
 * traffic its fake pod reports; Prometheus only knows pods listed here. `extraPods` adds revisions of other
 * services.
 */
export async function startCheckoutCluster(options: {
  darkRevisions: Readonly<Record<string, TrafficProfile>>;
  extraPods?: readonly { service: string; revision: string; profile: TrafficProfile }[];
  /** By default the integration suite's (suite-cluster.ts). */
  cluster?: RealCluster;
}): Promise<CheckoutCluster> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const close of stops.reverse()) await close();
  };
  try {
    const cluster = options.cluster ?? suiteCluster();
    await installIstioCrds(cluster.admin);
    const admin = createKubeApi({ kind: 'inline', yaml: cluster.adminKubeconfig }, () => {});
    stops.push(() => cluster.leaveNamespace(NAMESPACE));
    await cluster.createNamespace(NAMESPACE);
    await admin.create(liveDeployment);
    await admin.create(liveService);
    await admin.create(virtualService);
    const liveRolledOut = () => rolledOut(cluster, admin);
    await liveRolledOut();

    const exporter = await MetricsExporter.start([
      { namespace: NAMESPACE, service: SERVICE, revision: SERVICE, profile: LIVE },
      ...Object.entries(options.darkRevisions).map(([revision, profile]) => ({
        namespace: NAMESPACE,
        service: SERVICE,
        revision,
        profile,
      })),
      ...(options.extraPods ?? []).map((pod) => ({ namespace: NAMESPACE, ...pod })),
    ]);
    stops.push(() => exporter.stop());
    const binary = prometheusBinaries().find((b) => existsSync(b.path));
    if (!binary) throw new Error('No Prometheus binary: run testenv/provision.sh');
    const prometheus = await startPrometheus({ binary, targets: exporter.targets });
    stops.push(() => prometheus.stop());
    const github = await startFakeGitHub();
    stops.push(() => github.close());

    let runNumber = 5000;
    return {
      cluster,
      admin,
      prometheus,
      github,
      inputs: (suffix, extra = {}) => ({
        name: 'checkout-gate',
        namespace: NAMESPACE,
        service: SERVICE,
        'prometheus-url': prometheus.url,
        'metric-template': 'istio',
        // A relative mean rather than a percentile: both versions' p95 sit in one Istio bucket, where no
        // bound can place one against the other.
        objectives: 'p95-latency < 100ms\nmean-latency <= live + 50%\nerror-rate < 5%',
        interval: '2s',
        iterations: '2',
        'min-requests': '10',
        'github-token': 'ghs_lifecycleToken0123456789',
        comment: 'never',
        kubeconfig: cluster.adminKubeconfig,
        target: 'deployment',
        image: CANDIDATE,
        'revision-suffix': suffix,
        router: 'istio',
        'ready-timeout': '60s',
        ...extra,
      }),
      run: (inputs, runOptions = {}) => {
        if (!runOptions.state) runNumber++;
        return runBundledAction({
          inputs,
          event: PR,
          apiUrl: github.url,
          env: { GITHUB_RUN_ID: String(runNumber) },
          ...runOptions,
        });
      },
      clusterState: () => clusterState(admin, NAMESPACE),
      managedObjects: () => managedObjects(admin, NAMESPACE),
      liveRolledOut,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The state without the live Deployment and the pods: what a promotion leaves as it was, since the real Deployment
 * controller rolls the live pods over to the candidate (new pods, and its revision annotation on the Deployment).
 */
export function besidesTheLiveWorkload(state: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(state).filter(([key]) => key !== `Deployment/${SERVICE}` && !key.startsWith('Pod/')),
  );
}

/** The live Deployment's current template is rolled out, every replica available, and no other pod is left. */
async function rolledOut(cluster: RealCluster, admin: KubeApi): Promise<void> {
  const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: NAMESPACE, name: SERVICE };
  const core = cluster.admin.makeApiClient(k8s.CoreV1Api);
  await until('the live Deployment rolled out', 60_000, async () => {
    const live = await admin.read<k8s.V1Deployment>(ref);
    const replicas = live?.spec?.replicas ?? 1;
    const status = live?.status;
    if (status?.observedGeneration !== live?.metadata?.generation) return false;
    if (status?.updatedReplicas !== replicas || status?.availableReplicas !== replicas) return false;
    const pods = await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: `app=${SERVICE}` });
    return pods.items.length === replicas;
  });
}

/**
 * Every object in `namespace` of the kinds the action may touch, minus what the API server changes on any write
 * (resourceVersion, generation, managedFields) and the controllers write (status): equal before and after a run
 * when the run left the cluster as it found it. `extraKinds` adds kinds a router or target other than Istio on
 * Deployments touches (HTTPRoute, Knative Service and Revision). Pods on their way out are left out: those being
 * deleted (the kubelet is finishing them; a Knative revision's queue-proxy drains for 30 s), which
 * `podsBeingDeleted` shows, and those whose Deployment is gone (the garbage collector deletes them next, since the
 * action deletes in the background).
 */
export async function clusterState(
  admin: KubeApi,
  namespace: string,
  extraKinds: readonly Kind[] = [],
): Promise<Record<string, unknown>> {
  const state: Record<string, unknown> = {};
  const pods = await admin.list('v1', 'Pod', namespace);
  const leaving = await podsOnTheirWayOut(admin, namespace, pods);
  for (const [apiVersion, kind] of [...KINDS, ...extraKinds]) {
    const objects = kind === 'Pod' ? pods : await listServed(admin, apiVersion, kind, namespace);
    for (const object of objects) {
      if (kind === 'Pod' && leaving.has(object.metadata?.name ?? '')) continue;
      const { resourceVersion, generation, managedFields, ...metadata } = object.metadata ?? {};
      const { status, ...rest } = object as k8s.KubernetesObject & { status?: unknown };
      // Knative's webhook writes the user of every update that changes a Service's spec here (and its
      // controller copies it to the Configuration and Route), so putting the spec back records the action's user.
      const { [KNATIVE_LAST_MODIFIER]: _modifier, ...annotations } = metadata.annotations ?? {};
      if (metadata.annotations) metadata.annotations = annotations;
      state[`${kind}/${metadata.name}`] = { ...rest, metadata };
    }
  }
  return state;
}

/** Of `pods`, those being deleted, and those of a ReplicaSet whose Deployment is gone or being deleted. */
async function podsOnTheirWayOut(
  admin: KubeApi,
  namespace: string,
  pods: readonly k8s.KubernetesObject[],
): Promise<Set<string>> {
  const live = (objects: k8s.KubernetesObject[]) =>
    new Set(objects.filter((o) => !o.metadata?.deletionTimestamp).map((o) => o.metadata?.name));
  const deployments = live(await admin.list('apps/v1', 'Deployment', namespace));
  const replicaSets = live(
    (await admin.list('apps/v1', 'ReplicaSet', namespace)).filter((replicaSet) => {
      const owner = replicaSet.metadata?.ownerReferences?.find((ref) => ref.controller);
      return owner?.kind !== 'Deployment' || deployments.has(owner.name);
    }),
  );
  const leaving = new Set<string>();
  for (const pod of pods) {
    const owner = pod.metadata?.ownerReferences?.find((ref) => ref.controller);
    const orphaned = owner?.kind === 'ReplicaSet' && !replicaSets.has(owner.name);
    if (pod.metadata?.deletionTimestamp || orphaned) leaving.add(pod.metadata?.name ?? '');
  }
  return leaving;
}

/** The names of the pods in `namespace` that are being deleted. */
export async function podsBeingDeleted(admin: KubeApi, namespace: string): Promise<string[]> {
  const pods = await admin.list('v1', 'Pod', namespace);
  return pods.filter((pod) => pod.metadata?.deletionTimestamp).map((pod) => pod.metadata?.name ?? '');
}

/** `Kind/name` of every object in `namespace` of those kinds and `extraKinds` carrying Shadowgate's managed-by label. */
export async function managedObjects(
  admin: KubeApi,
  namespace: string,
  extraKinds: readonly Kind[] = [],
): Promise<string[]> {
  const found: string[] = [];
  for (const [apiVersion, kind] of [...KINDS, ...extraKinds]) {
    const objects = await listServed(admin, apiVersion, kind, namespace, `${MANAGED_BY_LABEL}=${MANAGED_BY}`);
    found.push(...objects.map((object) => `${kind}/${object.metadata?.name}`));
  }
  return found;
}

/** The objects of a kind, none where the cluster does not serve it (the real cluster has no Istio). */
async function listServed(
  admin: KubeApi,
  apiVersion: string,
  kind: string,
  namespace: string,
  labelSelector?: string,
): Promise<k8s.KubernetesObject[]> {
  try {
    return await admin.list(apiVersion, kind, namespace, labelSelector);
  } catch (error) {
    if (error instanceof ClusterError && error.reason === 'NotServed') return [];
    throw error;
  }
}
