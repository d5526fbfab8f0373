// A sample applied to a real API server, brought to life by the simulated data plane, with a fake GitHub API for
// the PR comment: what the end-to-end test and `npm run demo:cluster` run the bundled action against. By default
// the istio-deployment sample (samples/istio-deployment/app.yaml: Namespace shop, Deployment + Service checkout,
// VirtualService checkout); also the gateway-api sample (HTTPRoute) and the knative-istio one (Knative Service and
// VirtualService in namespace default).
import { readFileSync } from 'node:fs';
import type * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import type { KubeApi } from '../../src/cluster/kube-api.js';
import { createKubeApi } from '../../src/cluster/kube-client.js';
import { clusterState, type Kind, managedObjects, NAMESPACE, PR, SERVICE } from './checkout-cluster.js';
import { type FakeGitHub, startFakeGitHub } from './fake-github-server.js';
import { type KubeTestEnv, startKubeTestEnv } from './kube-test-env.js';
import { type ShopRuns, shopRuns } from './shop-runs.js';
import { type AppProfile, SimulatedDataPlane, type SimulatedRouter } from './simulated-data-plane.js';

// The sample's names, which the checkout cluster uses too.
export { NAMESPACE, PR, SERVICE };

/** p95 in Istio's 25–50 ms bucket with 20 ms to spare for a loaded machine, a few errors in a thousand. */
export const HEALTHY: AppProfile = { latency: '5:0.5,15:0.4,30:0.1', errors: 0.005 };
/** p95 in the 100–250 ms bucket and one request in eight failing. */
export const REGRESSED: AppProfile = { latency: '5:0.3,20:0.3,150:0.4', errors: 0.125 };

/** A sample of samples/, and what the data plane and the action's inputs need to know about it. */
export interface ShopSample {
  /** Under samples/, applied in order. */
  readonly files: readonly string[];
  readonly namespace: string;
  /** The live Service (Kubernetes or Knative). */
  readonly service: string;
  readonly target: 'deployment' | 'knative';
  readonly router: SimulatedRouter;
  /** The process live traffic goes to (destination_workload). */
  readonly liveWorkload: string;
  /** Kinds beyond the checkout cluster's that a run must leave as they were. */
  readonly extraKinds: readonly Kind[];
}

export const ISTIO_DEPLOYMENT: ShopSample = {
  files: ['istio-deployment/app.yaml'],
  namespace: NAMESPACE,
  service: SERVICE,
  target: 'deployment',
  router: { kind: 'istio', virtualService: SERVICE },
  liveWorkload: SERVICE,
  extraKinds: [],
};

/** Also runs the cart Deployment (the same image as checkout), which its HTTPRoute's other rule serves. */
export const GATEWAY_API: ShopSample = {
  files: ['gateway-api/app.yaml'],
  namespace: 'shop',
  service: 'checkout',
  target: 'deployment',
  router: { kind: 'gateway-api', httpRoute: 'shop' },
  liveWorkload: 'checkout',
  extraKinds: [
    ['gateway.networking.k8s.io/v1', 'Gateway'],
    ['gateway.networking.k8s.io/v1', 'HTTPRoute'],
  ],
};

/** The live revision sample-app-v1 runs as the workload sample-app-v1-deployment, as Knative names it. */
export const KNATIVE_ISTIO: ShopSample = {
  files: ['knative-istio/service.yaml', 'knative-istio/routing-rules.yaml'],
  namespace: 'default',
  service: 'sample-app',
  target: 'knative',
  router: { kind: 'istio', virtualService: 'example-mirroring' },
  liveWorkload: 'sample-app-v1-deployment',
  extraKinds: [
    ['serving.knative.dev/v1', 'Service'],
    ['serving.knative.dev/v1', 'Revision'],
  ],
};

/** The sample's objects, in file order (a Namespace first). */
export function sampleObjects(sample: ShopSample = ISTIO_DEPLOYMENT): k8s.KubernetesObject[] {
  return sample.files.flatMap((file) =>
    parseAllDocuments(readFileSync(new URL(`../../samples/${file}`, import.meta.url), 'utf8')).map(
      (document) => document.toJS() as k8s.KubernetesObject,
    ),
  );
}

/** The image of the sample's live Deployment or Knative Service. */
export function liveImage(sample: ShopSample = ISTIO_DEPLOYMENT): string {
  const live = sampleObjects(sample).find(
    (object) =>
      (object.kind === 'Deployment' || object.apiVersion === 'serving.knative.dev/v1') &&
      object.metadata?.name === sample.service,
  ) as { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } } | undefined;
  return live?.spec?.template?.spec?.containers?.[0]?.image ?? '';
}

export interface SimulatedShop extends ShopRuns {
  readonly env: KubeTestEnv;
  readonly admin: KubeApi;
  readonly plane: SimulatedDataPlane;
  readonly github: FakeGitHub;
  readonly sample: ShopSample;
  clusterState(): Promise<Record<string, unknown>>;
  managedObjects(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startSimulatedShop(options: {
  /** By default, istio-deployment. */
  sample?: ShopSample;
  /** How the sample's live image behaves. */
  live: AppProfile;
  /** Candidate images and how each behaves. */
  candidates: Readonly<Record<string, AppProfile>>;
  ratePerSecond: number;
  log?: (line: string) => void;
}): Promise<SimulatedShop> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const close of stops.reverse()) await close();
  };
  const sample = options.sample ?? ISTIO_DEPLOYMENT;
  try {
    const env = await startKubeTestEnv();
    stops.push(() => env.stop());
    const admin = createKubeApi({ kind: 'inline', yaml: env.adminKubeconfig }, () => {});
    for (const object of sampleObjects(sample)) {
      // The namespace as the test environment makes one (with the default ServiceAccount no controller adds).
      if (object.kind === 'Namespace') await env.createNamespace(object.metadata?.name ?? '');
      else await admin.create(object);
    }
    const plane = await SimulatedDataPlane.start({
      adminKubeconfig: env.adminKubeconfig,
      namespace: sample.namespace,
      service: sample.service,
      target: sample.target,
      router: sample.router,
      liveWorkload: sample.liveWorkload,
      profiles: { [liveImage(sample)]: options.live, ...options.candidates },
      ratePerSecond: options.ratePerSecond,
      ...(options.log ? { log: options.log } : {}),
    });
    stops.push(() => plane.stop());
    const github = await startFakeGitHub();
    stops.push(() => github.close());
    return {
      env,
      admin,
      plane,
      github,
      sample,
      ...shopRuns({
        sample,
        prometheusUrl: plane.prometheus.url,
        kubeconfig: env.adminKubeconfig,
        github,
        firstRunNumber: 7000,
      }),
      clusterState: () => clusterState(admin, sample.namespace, sample.extraKinds),
      managedObjects: () => managedObjects(admin, sample.namespace, sample.extraKinds),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
